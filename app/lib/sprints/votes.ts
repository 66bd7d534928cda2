/**
 * Dot voting as plain arithmetic, shared by the server (which enforces it) and the vote panel
 * (which explains it): the budget, the ranking with ties, and the supervote kept apart from dots.
 */

/** Dots per person a facilitator may hand out (the column's check). */
export const BUDGET_MIN = 1;
export const BUDGET_MAX = 20;
/** Longest poll title (the column's check). */
export const POLL_TITLE_MAX = 200;
/** Longest ballot label stored; longer idea texts are cut with an ellipsis. */
export const POLL_LABEL_MAX = 500;

export type PollSubject = "ideas" | "prototypes";
export const POLL_SUBJECTS: readonly PollSubject[] = ["ideas", "prototypes"];

/** Where a poll is: people vote while open; results appear only once revealed. */
export type PollStatus = "open" | "closed" | "revealed";

export interface BallotItem {
  id: string;
  label: string;
}

/** One item of a revealed poll's ranking. */
export interface RankedItem extends BallotItem {
  dots: number;
  /** Competition ranking: two items with the most dots are both 1, the next is 3. */
  rank: number;
  /** Another item has the same number of dots. */
  tied: boolean;
}

/** The poll's results after the reveal; the same for everyone who reads them. */
export interface PollResults {
  ranking: RankedItem[];
  /** Items ranked first with at least one dot (more than one on a tie). */
  winners: BallotItem[];
  /** The decider's supervote, counted apart from dots (it never changes the ranking). */
  supervote: BallotItem | null;
  dotsCast: number;
  voters: number;
}

/** "2 of 3 dots left", for the aria-live budget line. */
export function dotsLeftLabel(budget: number, used: number): string {
  return `${dotsLeft(budget, used)} of ${budget} ${budget === 1 ? "dot" : "dots"} left`;
}

export function dotsLeft(budget: number, used: number): number {
  return Math.max(0, budget - used);
}

/** The refusal when someone tries to place a dot over their budget. */
export function overBudgetMessage(budget: number): string {
  return budget === 1 ? "You have used your only dot." : `You have used all ${budget} of your dots.`;
}

/** The refusal for a second dot on one item in a one-dot-per-item poll. */
export function secondDotMessage(label: string): string {
  return `You already put a dot on “${label}”; this vote allows one dot per item.`;
}

/**
 * Why a person may not add a dot to an item, or null when they may. `myDots` is how many of their
 * own dots are on each item; the server asks this under a lock on the poll, the panel to disable.
 */
export function dotRefusal(poll: { budget: number; onePerItem: boolean }, myDots: Record<string, number>, item: BallotItem): string | null {
  const used = Object.values(myDots).reduce((sum, n) => sum + n, 0);
  if (used >= poll.budget) return overBudgetMessage(poll.budget);
  if (poll.onePerItem && (myDots[item.id] ?? 0) > 0) return secondDotMessage(item.label);
  return null;
}

/**
 * Ranks a ballot by dots (most first); equal counts share a rank and are marked tied, and keep the
 * ballot's order among themselves so everyone sees the same list.
 */
export function rankItems(items: BallotItem[], dots: Record<string, number>): RankedItem[] {
  const counted = items.map((item, index) => ({ ...item, dots: dots[item.id] ?? 0, index }));
  counted.sort((a, b) => b.dots - a.dots || a.index - b.index);
  const perCount = new Map<number, number>();
  for (const item of counted) perCount.set(item.dots, (perCount.get(item.dots) ?? 0) + 1);
  let rank = 0;
  return counted.map(({ index: _index, ...item }, position) => {
    if (position === 0 || counted[position - 1].dots !== item.dots) rank = position + 1;
    return { ...item, rank, tied: (perCount.get(item.dots) ?? 0) > 1 };
  });
}

/** A revealed poll's results from its ballot, the dots per item and the supervote. */
export function pollResults(items: BallotItem[], dots: Record<string, number>, supervoteItemId: string | null, voters: number): PollResults {
  const ranking = rankItems(items, dots);
  const winners = ranking.filter((item) => item.rank === 1 && item.dots > 0).map(({ id, label }) => ({ id, label }));
  const superItem = supervoteItemId ? items.find((item) => item.id === supervoteItemId) ?? null : null;
  return {
    ranking,
    winners,
    supervote: superItem ? { id: superItem.id, label: superItem.label } : null,
    dotsCast: ranking.reduce((sum, item) => sum + item.dots, 0),
    voters,
  };
}

/** A label that fits the ballot column: whitespace collapsed, cut with an ellipsis. */
export function ballotLabel(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > POLL_LABEL_MAX ? `${flat.slice(0, POLL_LABEL_MAX - 1)}…` : flat;
}

/**
 * One poll as one viewer may see it. Before the reveal it carries only the viewer's own dots and the
 * total number of dots cast (so the room sees that voting progresses), never a count per item or who
 * voted; `results` is null until the facilitator reveals.
 */
export interface PollView {
  id: string;
  subject: PollSubject;
  title: string;
  budget: number;
  onePerItem: boolean;
  status: PollStatus;
  openedAt: string;
  closedAt: string | null;
  revealedAt: string | null;
  items: BallotItem[];
  /** The viewer's own dots per item. */
  myDots: Record<string, number>;
  /** The item the viewer (when decider) gave the supervote, if any. */
  mySupervote: string | null;
  /** Dots cast by everyone, all items together. */
  dotsCast: number;
  results: PollResults | null;
}

/** What the vote panel of one viewer loads: their abilities and the sprint's polls, newest first. */
export interface VotesView {
  sprintId: string;
  canFacilitate: boolean;
  /** May place dots (a participant or facilitator of a sprint that hasn't ended). */
  canVote: boolean;
  /** Is the decider, who may cast one supervote per poll. */
  isDecider: boolean;
  ended: boolean;
  polls: PollView[];
}
