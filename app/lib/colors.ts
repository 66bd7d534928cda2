/** Caret colours with enough contrast on white; a user keeps theirs everywhere. */
const PALETTE = ["#d9480f", "#1c7ed6", "#2b8a3e", "#ae3ec9", "#e8590c", "#0c8599", "#c2255c", "#5f3dc4", "#5c940d", "#364fc7"];

export function colorFor(userId: string): string {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}
