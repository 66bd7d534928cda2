/**
 * User colours (carets, selections, avatars); a user keeps theirs everywhere. Each one has at
 * least 4.5:1 contrast with white, both ways: as a caret on the page and behind an avatar's
 * white initials (WCAG AA for small text; checked by test/unit/colors.test.ts).
 */
export const PALETTE = ["#c2410c", "#1864ab", "#237a35", "#9c36b5", "#b35309", "#0b7285", "#c2255c", "#5f3dc4", "#4d7c0f", "#364fc7"];

export function colorFor(userId: string): string {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}
