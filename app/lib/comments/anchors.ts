/**
 * Comment anchors: the start and end of a commented range as Yjs relative positions, so the range
 * follows the text as others edit around it. When the anchored text is deleted the range collapses
 * and the thread is shown detached (with its quote).
 */
import * as Y from "yjs";

/**
 * Anchors for the range [from, to) of `type`: the start sticks to the first character of the range,
 * the end to the last, so text typed right before or after the range stays outside it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Yjs type (Y.Text, Y.XmlFragment)
export function anchorRange(type: Y.AbstractType<any>, from: number, to: number): { start: Y.RelativePosition; end: Y.RelativePosition } {
  return { start: Y.createRelativePositionFromTypeIndex(type, from, 0), end: Y.createRelativePositionFromTypeIndex(type, to, -1) };
}

/** Relative positions travel as base64 of Y.encodeRelativePosition. */
export function encodeAnchor(position: Y.RelativePosition): string {
  return toBase64(Y.encodeRelativePosition(position));
}

/** Decodes an anchor; null for anything that is not a relative position. */
export function decodeAnchor(encoded: string | Uint8Array): Y.RelativePosition | null {
  try {
    const bytes = typeof encoded === "string" ? fromBase64(encoded) : encoded;
    if (bytes.length === 0 || bytes.length > 1024) return null;
    return Y.decodeRelativePosition(bytes);
  } catch {
    return null;
  }
}

/**
 * Where an anchored range is now, or null when it is detached: a position no longer resolves, the
 * range is empty, or both characters it was anchored to (its first and last) have been deleted —
 * whatever others typed into the gap concurrently, the commented text itself is gone.
 */
export function resolveRange(doc: Y.Doc, start: Y.RelativePosition, end: Y.RelativePosition): { from: number; to: number } | null {
  const from = Y.createAbsolutePositionFromRelativePosition(start, doc);
  const to = Y.createAbsolutePositionFromRelativePosition(end, doc);
  if (!from || !to || from.type !== to.type || to.index <= from.index) return null;
  if (isDeletedAnchor(doc, start) && isDeletedAnchor(doc, end)) return null;
  return { from: from.index, to: to.index };
}

function isDeletedAnchor(doc: Y.Doc, position: Y.RelativePosition): boolean {
  if (!position.item) return false;
  try {
    return Y.getItem(doc.store, position.item).deleted;
  } catch {
    // Not in this replica's store (yet): nothing says it is gone.
    return false;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length > 2000) throw new Error("not base64");
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
