import type { AnyExtension } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import { TaskItem, TaskList } from "@tiptap/extension-list";
import { TableKit } from "@tiptap/extension-table";
import { ExperimentCard } from "./experimentCard";

/**
 * The document schema of a prototype, shared by the browser editor and the server (which
 * builds templates with it). Collaboration brings its own undo, so StarterKit's is off.
 * The browser passes `experimentCard` to swap the schema-only embed for one with a live view.
 */
export function documentExtensions({ experimentCard = ExperimentCard }: { experimentCard?: AnyExtension } = {}): AnyExtension[] {
  return [
    StarterKit.configure({
      undoRedo: false,
      heading: { levels: [2, 3] },
      link: { openOnClick: false, autolink: true, defaultProtocol: "https", protocols: ["http", "https", "mailto"] },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit.configure({ table: { resizable: false } }),
    experimentCard,
  ];
}

/** Yjs field the Collaboration extension binds to. */
export const DOCUMENT_FIELD = "default";
