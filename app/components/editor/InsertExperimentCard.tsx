import type { Editor } from "@tiptap/react";
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type * as Y from "yjs";
import { STATUS_LABELS } from "~/lib/experiments/cards";
import type { ExperimentCardOptions } from "./ExperimentCardView";
import { useCards } from "~/components/experiments/hooks";

/** The Y.Doc the editor's live experiment-card extension reads (null when the editor has none). */
function cardsDoc(editor: Editor): Y.Doc | null {
  const extension = editor.extensionManager.extensions.find((e) => e.name === "experimentCard");
  return (extension?.options as Partial<ExperimentCardOptions> | undefined)?.doc ?? null;
}

/**
 * "Insert experiment card": a menu button (WAI-ARIA menu button pattern) listing the prototype's
 * cards from the shared document; choosing one embeds it at the cursor. Unavailable, with a hint,
 * while the prototype has no cards.
 */
export function InsertExperimentCard({ editor }: { editor: Editor }) {
  const doc = cardsDoc(editor);
  const cards = useCards(doc);
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  const menuId = useId();
  const hintId = useId();
  const empty = cards.length === 0;

  const items = () => [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) trigger.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !trigger.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  // The last card went away while the menu was open.
  useEffect(() => {
    if (empty && open) setOpen(false);
  }, [empty, open]);

  const insert = (cardId: string) => {
    setOpen(false);
    editor.chain().focus().insertExperimentCard(cardId).run();
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    // The toolbar's own arrow keys must not act while the menu has focus.
    event.stopPropagation();
    const list = items();
    const index = list.indexOf(document.activeElement as HTMLButtonElement);
    const next =
      event.key === "ArrowDown" ? index + 1 : event.key === "ArrowUp" ? index - 1 : event.key === "Home" ? 0 : event.key === "End" ? list.length - 1 : null;
    if (next !== null) {
      event.preventDefault();
      list[(next + list.length) % list.length]?.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(true);
    } else if (event.key === "Tab") {
      close(false);
    }
  };

  if (!doc) return null;
  return (
    <div className="toolbar-group insert-experiment">
      <button
        ref={trigger}
        type="button"
        tabIndex={-1}
        className="tool"
        aria-label="Insert experiment card"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-disabled={empty || undefined}
        aria-describedby={empty ? hintId : undefined}
        title={empty ? "Insert experiment card: this prototype has no cards yet; add one on its Experiments board" : "Insert experiment card"}
        onMouseDown={(e) => e.preventDefault()}
        onClick={() => (empty ? undefined : setOpen((o) => !o))}
        onKeyDown={(event) => {
          if (!empty && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
            event.preventDefault();
            event.stopPropagation();
            setOpen(true);
          }
        }}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M9 3h6M10 3v6l-5 9a2 2 0 0 0 1.8 3h10.4a2 2 0 0 0 1.8-3l-5-9V3" />
          <path d="M7.5 15h9" />
        </svg>
        <span aria-hidden="true" className="tool-caret">
          ▾
        </span>
      </button>
      {empty ? (
        <span id={hintId} className="visually-hidden">
          This prototype has no experiment cards yet. Add one on its Experiments board, then embed it here.
        </span>
      ) : null}
      {open ? (
        <ul ref={menu} id={menuId} role="menu" aria-label="Experiment cards" className="insert-experiment-menu" onKeyDown={onMenuKeyDown}>
          {cards.map((card) => (
            <li key={card.id} role="none">
              <button type="button" role="menuitem" tabIndex={-1} onMouseDown={(e) => e.preventDefault()} onClick={() => insert(card.id)}>
                <span className="insert-experiment-name">{card.name || "Untitled experiment"}</span>
                <span className="insert-experiment-status">{STATUS_LABELS[card.status]}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
