/**
 * Comment anchors in the live editor: ProseMirror positions ↔ Yjs relative positions in the
 * Y.XmlFragment the Collaboration extension binds, through y-prosemirror's position mapping.
 */
import type { EditorState } from "@tiptap/pm/state";
import * as Y from "yjs";
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from "@tiptap/y-tiptap";
import { decodeAnchor, encodeAnchor } from "./anchors";

interface YSyncState {
  doc: Y.Doc;
  type: Y.XmlFragment;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- y-prosemirror's mapping type
  binding: { mapping: Map<any, any> } | null;
}

function ySync(state: EditorState): YSyncState | null {
  const s = ySyncPluginKey.getState(state) as YSyncState | undefined;
  return s && s.binding && s.type ? s : null;
}

/** Whether the editor is bound to its Y.Doc yet (before that, nothing can be anchored or resolved). */
export function isBound(state: EditorState): boolean {
  return ySync(state) !== null;
}

/** The current selection as encoded anchors with its quoted text, or null when nothing is selected. */
export function selectionAnchors(state: EditorState): { anchorStart: string; anchorEnd: string; quote: string } | null {
  const { from, to, empty } = state.selection;
  if (empty) return null;
  const quote = state.doc.textBetween(from, to, "\n", " ").trim();
  if (!quote) return null;
  const y = ySync(state);
  if (!y) return null;
  const start = stickToNext(y.doc, absolutePositionToRelativePosition(from, y.type, y.binding!.mapping));
  const end = absolutePositionToRelativePosition(to, y.type, y.binding!.mapping);
  return { anchorStart: encodeAnchor(start), anchorEnd: encodeAnchor(end), quote };
}

/**
 * y-prosemirror anchors a text position to the character before it; the start of a range should
 * stick to its first character instead, so text typed right before the range stays outside it.
 */
function stickToNext(doc: Y.Doc, position: Y.RelativePosition): Y.RelativePosition {
  const abs = Y.createAbsolutePositionFromRelativePosition(position, doc);
  if (!abs || !(abs.type instanceof Y.XmlText) || abs.index >= abs.type.length) return position;
  return Y.createRelativePositionFromTypeIndex(abs.type, abs.index, 0);
}

/**
 * Where an anchored range is now in the editor, or null when it is detached: an anchor no longer
 * resolves or the range collapsed (its text was deleted). Undefined when the editor isn't bound yet.
 */
export function resolveAnchors(state: EditorState, anchorStart: string, anchorEnd: string): { from: number; to: number } | null | undefined {
  const y = ySync(state);
  if (!y) return undefined;
  const start = decodeAnchor(anchorStart);
  const end = decodeAnchor(anchorEnd);
  if (!start || !end) return null;
  // Anchored in content this replica hasn't received yet (still syncing): not known, not detached.
  if (!received(y.doc, start) || !received(y.doc, end)) return undefined;
  try {
    const from = relativePositionToAbsolutePosition(y.doc, y.type, start, y.binding!.mapping);
    const to = relativePositionToAbsolutePosition(y.doc, y.type, end, y.binding!.mapping);
    if (from === null || to === null || to <= from || to > state.doc.content.size) return null;
    // Collapsed to nothing but node boundaries: the commented text is gone.
    if (!state.doc.textBetween(from, to, "", "").trim()) return null;
    return { from, to };
  } catch {
    return null;
  }
}

function received(doc: Y.Doc, position: Y.RelativePosition): boolean {
  const id = position.item ?? position.type;
  return !id || Y.getState(doc.store, id.client) > id.clock;
}
