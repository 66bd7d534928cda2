import type { Editor } from "@tiptap/react";
import { useEditorState } from "@tiptap/react";
import { useRef, type KeyboardEvent, type ReactNode } from "react";
import { InsertExperimentCard } from "./InsertExperimentCard";

interface ToolButton {
  label: string;
  shortcut?: string;
  icon: ReactNode;
  run: (editor: Editor) => void;
  active?: (editor: Editor) => boolean;
  enabled?: (editor: Editor) => boolean;
}

const GROUPS: ToolButton[][] = [
  [
    { label: "Undo", shortcut: "Ctrl+Z", icon: "↶", run: (e) => e.chain().focus().undo().run(), enabled: (e) => e.can().undo() },
    { label: "Redo", shortcut: "Ctrl+Shift+Z", icon: "↷", run: (e) => e.chain().focus().redo().run(), enabled: (e) => e.can().redo() },
  ],
  [
    { label: "H2 heading", icon: "H2", run: (e) => e.chain().focus().toggleHeading({ level: 2 }).run(), active: (e) => e.isActive("heading", { level: 2 }) },
    { label: "H3 subheading", icon: "H3", run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(), active: (e) => e.isActive("heading", { level: 3 }) },
    { label: "Bold", shortcut: "Ctrl+B", icon: <strong>B</strong>, run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive("bold") },
    { label: "Italic", shortcut: "Ctrl+I", icon: <em>I</em>, run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive("italic") },
    {
      label: "Link",
      shortcut: "Ctrl+K",
      icon: (
        <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
          <path d="M10 14a4 4 0 0 0 5.66 0l3-3a4 4 0 0 0-5.66-5.66l-1 1" />
          <path d="M14 10a4 4 0 0 0-5.66 0l-3 3a4 4 0 0 0 5.66 5.66l1-1" />
        </svg>
      ),
      run: (e) => {
        const previous = (e.getAttributes("link").href as string | undefined) ?? "";
        const href = window.prompt("Link address (leave empty to remove the link)", previous);
        if (href === null) return;
        if (href.trim() === "") e.chain().focus().extendMarkRange("link").unsetLink().run();
        else e.chain().focus().extendMarkRange("link").setLink({ href: href.trim() }).run();
      },
      active: (e) => e.isActive("link"),
    },
  ],
  [
    { label: "Bulleted list", icon: <ListIcon marker="bullet" />, run: (e) => e.chain().focus().toggleBulletList().run(), active: (e) => e.isActive("bulletList") },
    { label: "Numbered list", icon: <ListIcon marker="number" />, run: (e) => e.chain().focus().toggleOrderedList().run(), active: (e) => e.isActive("orderedList") },
    { label: "Checklist", icon: "☑", run: (e) => e.chain().focus().toggleTaskList().run(), active: (e) => e.isActive("taskList") },
    { label: "Quote", icon: "❝", run: (e) => e.chain().focus().toggleBlockquote().run(), active: (e) => e.isActive("blockquote") },
    {
      label: "Insert table",
      icon: "▦",
      run: (e) => e.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(),
      enabled: (e) => e.can().insertTable({ rows: 3, cols: 3, withHeaderRow: true }),
    },
  ],
];

const ALL = GROUPS.flat();

/** Three lines with bullets or small numerals in front (drawn, so the button's name is only its label). */
function ListIcon({ marker }: { marker: "bullet" | "number" }) {
  const rows = [6, 12, 18];
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
      {rows.map((y) => (
        <path key={y} d={`M10 ${y}h10`} />
      ))}
      {marker === "bullet"
        ? rows.map((y) => <circle key={y} cx="5" cy={y} r="1.2" fill="currentColor" stroke="none" />)
        : [
            <path key="1" d="M4 4.5l1.5-1v5" strokeWidth="1.4" />,
            <path key="2" d="M3.8 10.2a1.5 1.5 0 0 1 2.8.6c0 .9-2.8 2.2-2.8 3h2.9" strokeWidth="1.4" />,
            <path key="3" d="M3.8 16.4h2.6l-1.5 1.6a1.4 1.4 0 1 1-1.2 2.2" strokeWidth="1.4" />,
          ]}
    </svg>
  );
}

/** A formatting toolbar: one tab stop, arrow keys move between buttons (WAI-ARIA toolbar pattern). */
export function Toolbar({ editor }: { editor: Editor }) {
  const ref = useRef<HTMLDivElement>(null);
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ALL.map((b) => ({ active: b.active?.(e) ?? false, enabled: b.enabled?.(e) ?? true })),
  });

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>("button.tool") ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const next = event.key === "ArrowRight" ? index + 1 : event.key === "ArrowLeft" ? index - 1 : event.key === "Home" ? 0 : event.key === "End" ? buttons.length - 1 : null;
    if (next === null) return;
    event.preventDefault();
    buttons[(next + buttons.length) % buttons.length]?.focus();
  };

  let i = 0;
  return (
    <div className="editor-toolbar" role="toolbar" aria-label="Formatting" aria-controls="prototype-document" ref={ref} onKeyDown={onKeyDown}>
      {GROUPS.map((group, g) => (
        <div className="toolbar-group" key={g}>
          {group.map((button) => {
            const index = i++;
            const s = state[index];
            return (
              <button
                key={button.label}
                type="button"
                tabIndex={index === 0 ? 0 : -1}
                className="tool"
                aria-label={button.label}
                title={button.shortcut ? `${button.label} (${button.shortcut})` : button.label}
                aria-pressed={button.active ? s.active : undefined}
                disabled={!s.enabled}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => button.run(editor)}
              >
                <span aria-hidden="true">{button.icon}</span>
              </button>
            );
          })}
        </div>
      ))}
      <InsertExperimentCard editor={editor} />
    </div>
  );
}
