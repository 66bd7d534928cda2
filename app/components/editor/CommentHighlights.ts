import { Extension } from "@tiptap/core";
import { Plugin, PluginKey, type EditorState, type Transaction } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";
import { ySyncPluginKey } from "@tiptap/y-tiptap";
import { resolveAnchors } from "~/lib/comments/editorAnchors";

/** What the highlights need of a thread. */
export interface HighlightThread {
  id: string;
  anchorStart: string;
  anchorEnd: string;
  resolved: boolean;
}

/** Where each thread is now: a range, null when detached, undefined while the editor isn't bound. */
export interface ThreadRange {
  id: string;
  range: { from: number; to: number } | null | undefined;
}

interface HighlightState {
  threads: HighlightThread[];
  active: string | null;
  ranges: ThreadRange[];
  decorations: DecorationSet;
}

type HighlightMeta = { threads?: HighlightThread[]; active?: string | null };

export const commentHighlightsKey = new PluginKey<HighlightState>("commentHighlights");

function decorate(state: EditorState, ranges: ThreadRange[], threads: HighlightThread[], active: string | null): DecorationSet {
  const open = new Set(threads.filter((t) => !t.resolved).map((t) => t.id));
  const decorations = ranges.flatMap(({ id, range }) =>
    range && open.has(id)
      ? [Decoration.inline(range.from, range.to, { class: id === active ? "comment-highlight comment-highlight-active" : "comment-highlight", "data-thread-id": id })]
      : [],
  );
  return DecorationSet.create(state.doc, decorations);
}

function resolveAll(state: EditorState, threads: HighlightThread[]): ThreadRange[] {
  return threads.map((t) => ({ id: t.id, range: resolveAnchors(state, t.anchorStart, t.anchorEnd) }));
}

/** Sets the threads to highlight and the active one (dispatched by the comments panel). */
export function setCommentHighlights(tr: Transaction, meta: HighlightMeta): Transaction {
  return tr.setMeta(commentHighlightsKey, meta);
}

declare module "@tiptap/core" {
  interface Storage {
    commentHighlights: { onActivate: ((threadId: string) => void) | null };
  }
}

/**
 * Highlights commented ranges with decorations. Ranges are resolved from their Yjs anchors when the
 * threads change and when a remote change arrives (y-prosemirror re-renders the document then);
 * local edits just map them. Clicking a highlight activates its thread.
 */
export const CommentHighlights = Extension.create({
  name: "commentHighlights",

  addStorage() {
    return { onActivate: null as ((threadId: string) => void) | null };
  },

  addProseMirrorPlugins() {
    const storage = this.storage;
    return [
      new Plugin<HighlightState>({
        key: commentHighlightsKey,
        state: {
          init: (_config, state) => ({ threads: [], active: null, ranges: [], decorations: DecorationSet.create(state.doc, []) }),
          apply(tr, value, _old, newState) {
            const meta = tr.getMeta(commentHighlightsKey) as HighlightMeta | undefined;
            const threads = meta?.threads ?? value.threads;
            const active = meta && "active" in meta ? (meta.active ?? null) : value.active;
            const remote = (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean; binding?: unknown } | undefined) ?? null;
            if (meta?.threads || (remote && (tr.docChanged || remote.binding)) || (tr.docChanged && value.ranges.some((r) => r.range === undefined))) {
              const ranges = resolveAll(newState, threads);
              return { threads, active, ranges, decorations: decorate(newState, ranges, threads, active) };
            }
            if (tr.docChanged) {
              const ranges = value.ranges.map(({ id, range }) => {
                if (!range) return { id, range };
                const from = tr.mapping.map(range.from, 1);
                const to = tr.mapping.map(range.to, -1);
                return { id, range: to > from ? { from, to } : null };
              });
              return { threads, active, ranges, decorations: decorate(newState, ranges, threads, active) };
            }
            if (meta) return { ...value, threads, active, decorations: decorate(newState, value.ranges, threads, active) };
            return value;
          },
        },
        props: {
          decorations: (state) => commentHighlightsKey.getState(state)?.decorations,
          handleClick(view, pos) {
            const s = commentHighlightsKey.getState(view.state);
            if (!s || !storage.onActivate) return false;
            const open = new Set(s.threads.filter((t) => !t.resolved).map((t) => t.id));
            const hit = s.ranges.find(({ id, range }) => range && open.has(id) && range.from <= pos && pos <= range.to);
            if (!hit) return false;
            storage.onActivate(hit.id);
            // Leave the click to ProseMirror too: the caret or selection still moves.
            return false;
          },
        },
      }),
    ];
  },
});
