/** Plain-text helpers for binding a form control to a Y.Text. */

/** The smallest single splice that turns `before` into `after` (common prefix and suffix kept). */
export function minimalDiff(before: string, after: string): { index: number; remove: number; insert: string } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  let end = 0;
  while (end < max - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return { index: start, remove: before.length - start - end, insert: after.slice(start, after.length - end) };
}

export type Delta = { insert?: unknown; retain?: number; delete?: number }[];

/** Where a position of the old text ends up after a remote change (text inserted exactly at it lands after it). */
export function mapPosition(pos: number, delta: Delta): number {
  let old = 0;
  let shift = 0;
  for (const op of delta) {
    if (old > pos) break;
    if (op.retain !== undefined) old += op.retain;
    else if (op.delete !== undefined) {
      if (old < pos) shift -= Math.min(op.delete, pos - old);
      old += op.delete;
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === "string" ? op.insert.length : 1;
      if (old < pos) shift += length;
    }
  }
  return Math.max(0, pos + shift);
}
