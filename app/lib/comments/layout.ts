/**
 * Where comment thread cards sit beside the document: each card wants the top of its highlighted
 * text; cards that would overlap are pushed apart, keeping document order. Pure arithmetic, so the
 * panel measures once, calls this, and writes once (no layout reads between writes).
 */

/** A card to place: its preferred top (the top of its text) and its measured height, in px. */
export interface StackItem {
  id: string;
  top: number;
  height: number;
}

/** Options for stackCards. */
export interface StackOptions {
  /** The focused/active thread: it gets its preferred top and its neighbours make room around it. */
  activeId?: string | null;
  /** Space kept between two cards. */
  gap?: number;
  /** No card goes above this (the top of the list). */
  minTop?: number;
}

/** The final tops (same order as the items) and the height the list needs to hold every card. */
export interface StackResult {
  tops: number[];
  height: number;
}

/**
 * Stacks cards given in document order. Without an active card, each card takes its preferred top
 * or, when the card before it is in the way, the first place below it. With an active card, that
 * card keeps its preferred top, the cards before it are pushed up and the cards after it down;
 * only when the cards before it would leave the list (above minTop) does everything shift down.
 * Cards far from each other keep their preferred tops, so gaps in the text stay gaps.
 */
export function stackCards(items: readonly StackItem[], { activeId = null, gap = 8, minTop = 0 }: StackOptions = {}): StackResult {
  const tops = items.map((item) => (Number.isFinite(item.top) ? item.top : minTop));
  const active = activeId === null ? -1 : items.findIndex((item) => item.id === activeId);
  if (active >= 0) {
    for (let i = active - 1; i >= 0; i--) tops[i] = Math.min(tops[i], tops[i + 1] - gap - items[i].height);
    for (let i = active + 1; i < items.length; i++) tops[i] = Math.max(tops[i], tops[i - 1] + items[i - 1].height + gap);
  }
  // Downward pass: no card above the list, none overlapping the one before it.
  for (let i = 0; i < items.length; i++) {
    const floor = i === 0 ? minTop : tops[i - 1] + items[i - 1].height + gap;
    tops[i] = Math.max(tops[i], floor);
  }
  const height = items.reduce((max, item, i) => Math.max(max, tops[i] + item.height), 0);
  return { tops, height };
}
