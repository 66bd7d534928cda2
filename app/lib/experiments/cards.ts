/**
 * Experiment cards: their shape in a prototype's Yjs document, how they are read (validated and
 * clipped, whatever a client wrote), ordered, created and moved. Shared by the browser (the board)
 * and the server (lock enforcement, the Postgres projection).
 *
 * Shape: the root Y.Map `experiments` holds one Y.Map per card, keyed by the card's id. Free-text
 * fields are Y.Text (co-edited character by character); everything else is a plain value, last
 * writer wins per key. Order within a status column is a fractional rank string, so a move writes
 * one card only and concurrent moves converge (ties broken by id).
 */
import * as Y from "yjs";

export const CARDS_FIELD = "experiments";

export const CARD_STATUSES = ["planned", "running", "validated", "invalidated", "inconclusive"] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];
export const VERDICTS = ["validated", "invalidated", "inconclusive"] as const;
export type Verdict = (typeof VERDICTS)[number];

export const STATUS_LABELS: Record<CardStatus, string> = {
  planned: "Planned",
  running: "Running",
  validated: "Validated",
  invalidated: "Invalidated",
  inconclusive: "Inconclusive",
};

export const DECISIONS = ["persevere", "pivot", "retire", "continue"] as const;
export type Decision = (typeof DECISIONS)[number];
export const DECISION_LABELS: Record<Decision, string> = {
  persevere: "Persevere",
  pivot: "Pivot",
  retire: "Retire",
  continue: "Continue testing",
};

/** Test-card fields, in the order of the Strategyzer Test Card. */
export const TEST_FIELDS = ["hypothesis", "test", "metric", "criterion"] as const;
/** Learning-card fields. */
export const LEARNING_FIELDS = ["believed", "observed", "learned", "therefore"] as const;
export const TEXT_FIELDS = ["name", ...TEST_FIELDS, ...LEARNING_FIELDS] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/** Frozen once a card starts: the result is judged against these. */
export const LOCKED_FIELDS = ["hypothesis", "metric", "criterion"] as const;
export type LockedField = (typeof LOCKED_FIELDS)[number];

export const FIELD_LABELS: Record<TextField, string> = {
  name: "Name",
  hypothesis: "We believe that…",
  test: "To verify that, we will…",
  metric: "And measure…",
  criterion: "We are right if…",
  believed: "We believed that…",
  observed: "We observed…",
  learned: "From that we learned that…",
  therefore: "Therefore, we will…",
};

/** Strategyzer's four test-card ratings, each 1 (low) to 3 (high); 0 is "not rated". */
export const RATINGS = ["critical", "cost", "reliability", "time"] as const;
export type Rating = (typeof RATINGS)[number];
export const RATING_LABELS: Record<Rating, string> = {
  critical: "Critical",
  cost: "Test cost",
  reliability: "Data reliability",
  time: "Time required",
};
export const RATING_MAX = 3;

export const CARD_NAME_MAX = 200;
export const CARD_TEXT_MAX = 4000;
/** Cards per prototype: a board, not a database. */
export const MAX_CARDS = 200;

/** Server-written keys: when the card was started and by whom (the run record holds the version). */
export const STARTED_KEYS = ["startedAt", "startedBy"] as const;

export interface Card {
  id: string;
  name: string;
  status: CardStatus;
  rank: string;
  owner: string | null;
  /** YYYY-MM-DD */
  deadline: string | null;
  hypothesis: string;
  test: string;
  metric: string;
  criterion: string;
  believed: string;
  observed: string;
  learned: string;
  therefore: string;
  ratings: Record<Rating, number>;
  decision: Decision | null;
  createdAt: number | null;
  createdBy: string | null;
  startedAt: number | null;
  startedBy: string | null;
}

const ID = /^[0-9a-z-]{8,64}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isCardStatus(value: unknown): value is CardStatus {
  return typeof value === "string" && (CARD_STATUSES as readonly string[]).includes(value);
}
export function isVerdict(value: unknown): value is Verdict {
  return typeof value === "string" && (VERDICTS as readonly string[]).includes(value);
}
export function isDecision(value: unknown): value is Decision {
  return typeof value === "string" && (DECISIONS as readonly string[]).includes(value);
}
export function isCardId(value: unknown): value is string {
  return typeof value === "string" && ID.test(value);
}

/** The cards map of a document (created on first use; every replica creates the same root). */
export function cardsMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap<Y.Map<unknown>>(CARDS_FIELD);
}

function text(map: Y.Map<unknown>, key: string, max: number): string {
  const value = map.get(key);
  const raw = value instanceof Y.Text ? value.toString() : typeof value === "string" ? value : "";
  return raw.length > max ? raw.slice(0, max) : raw;
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function str(value: unknown, max = 100): string | null {
  return typeof value === "string" && value.length > 0 && value.length <= max ? value : null;
}

/** A card as plain data; anything a client wrote that doesn't fit the shape reads as empty. */
export function readCard(id: string, map: Y.Map<unknown>): Card {
  const ratings = {} as Record<Rating, number>;
  for (const r of RATINGS) {
    const v = map.get(r);
    ratings[r] = typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= RATING_MAX ? v : 0;
  }
  const status = map.get("status");
  const deadline = map.get("deadline");
  const decision = map.get("decision");
  const rank = map.get("rank");
  return {
    id,
    name: text(map, "name", CARD_NAME_MAX),
    status: isCardStatus(status) ? status : "planned",
    rank: typeof rank === "string" && isRank(rank) ? rank : "",
    owner: str(map.get("owner")),
    deadline: typeof deadline === "string" && DATE.test(deadline) ? deadline : null,
    hypothesis: text(map, "hypothesis", CARD_TEXT_MAX),
    test: text(map, "test", CARD_TEXT_MAX),
    metric: text(map, "metric", CARD_TEXT_MAX),
    criterion: text(map, "criterion", CARD_TEXT_MAX),
    believed: text(map, "believed", CARD_TEXT_MAX),
    observed: text(map, "observed", CARD_TEXT_MAX),
    learned: text(map, "learned", CARD_TEXT_MAX),
    therefore: text(map, "therefore", CARD_TEXT_MAX),
    ratings,
    decision: isDecision(decision) ? decision : null,
    createdAt: finite(map.get("createdAt")),
    createdBy: str(map.get("createdBy")),
    startedAt: finite(map.get("startedAt")),
    startedBy: str(map.get("startedBy")),
  };
}

/** Every well-formed card, in board order: by status column, then rank, then id. */
export function readCards(doc: Y.Doc): Card[] {
  const cards: Card[] = [];
  for (const [id, value] of cardsMap(doc)) {
    if (isCardId(id) && value instanceof Y.Map) cards.push(readCard(id, value));
  }
  return cards.sort(compareCards);
}

export function compareCards(a: Card, b: Card): number {
  const byStatus = CARD_STATUSES.indexOf(a.status) - CARD_STATUSES.indexOf(b.status);
  if (byStatus) return byStatus;
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The cards of one column, in priority order. */
export function column(cards: Card[], status: CardStatus): Card[] {
  return cards.filter((c) => c.status === status).sort(compareCards);
}

// ---------------------------------------------------------------------------------------------
// Ranks: strings over an ordered alphabet, compared as plain strings. Between any two different
// ranks there is always another (a longer one), so inserting never renumbers other cards.

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANK = /^[0-9A-Za-z]{1,200}$/;

/** A usable rank: alphabet only, and no trailing "0" (which would leave nothing below it). */
export function isRank(value: string): boolean {
  return RANK.test(value) && !value.endsWith("0");
}

/**
 * A rank strictly between `before` and `after` (null: open end). `before` must sort below
 * `after`; both must satisfy isRank.
 */
export function rankBetween(before: string | null, after: string | null): string {
  const lo = before ?? "";
  if (after !== null && !(lo < after)) throw new Error(`rankBetween: "${lo}" is not below "${after}"`);
  let prefix = "";
  let i = 0;
  // Walk the shared prefix (a missing digit of `lo` counts as the lowest digit).
  for (;;) {
    const a = i < lo.length ? DIGITS.indexOf(lo[i]) : 0;
    const b = after !== null && i < after.length ? DIGITS.indexOf(after[i]) : DIGITS.length;
    if (a === b) {
      prefix += DIGITS[a];
      i++;
      continue;
    }
    if (b - a > 1) return prefix + DIGITS[Math.ceil((a + b) / 2)];
    // Adjacent digits: keep `a` and go one level deeper, where `after` no longer bounds us.
    // (If `after` continues past this digit, its digit alone already sits between.)
    if (after !== null && i + 1 < after.length) return prefix + DIGITS[b];
    prefix += DIGITS[a];
    return prefix + rankAbove(lo.slice(i + 1));
  }
}

/** A rank above `lo` (a suffix; "" means nothing) with no upper bound at this level. */
function rankAbove(lo: string): string {
  let out = "";
  for (let i = 0; ; i++) {
    const a = i < lo.length ? DIGITS.indexOf(lo[i]) : 0;
    if (a < DIGITS.length - 1) return out + DIGITS[Math.ceil((a + DIGITS.length) / 2)];
    out += DIGITS[a];
  }
}

/**
 * The rank that puts a card at `index` of a column (the card itself excluded from `others`).
 * Neighbours with equal ranks (two concurrent moves to one spot) are stepped over.
 */
export function rankAt(others: Card[], index: number): string {
  const sorted = [...others].sort(compareCards);
  const at = Math.max(0, Math.min(index, sorted.length));
  const before = at > 0 ? sorted[at - 1].rank || null : null;
  let after: string | null = null;
  for (let i = at; i < sorted.length; i++) {
    const r = sorted[i].rank;
    if (r && (before === null || r > before)) {
      after = r;
      break;
    }
  }
  return rankBetween(before, after);
}

// ---------------------------------------------------------------------------------------------
// Status rules.

/** Whether a card may go from one status to another (the board offers only these moves). */
export function canMove(from: CardStatus, to: CardStatus): boolean {
  if (from === to) return true;
  if (from === "planned") return to === "running";
  if (from === "running") return isVerdict(to);
  // Concluded: change the verdict, or reopen the test.
  return isVerdict(to) || to === "running";
}

/** A card whose status is past `planned` has started: its locked fields are frozen. */
export function isStarted(status: CardStatus): boolean {
  return status !== "planned";
}

// ---------------------------------------------------------------------------------------------
// Mutations (the board calls these; each is one transaction).

export interface NewCard {
  id: string;
  name: string;
  createdBy: string;
  now?: number;
}

/** A card's Y.Map holding `card` (used to create cards and to restore a deleted started card). */
export function cardToMap(card: Card): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set("status", card.status);
  map.set("rank", card.rank);
  for (const r of RATINGS) map.set(r, card.ratings[r]);
  for (const field of TEXT_FIELDS) map.set(field, new Y.Text(card[field]));
  const optional = { owner: card.owner, deadline: card.deadline, decision: card.decision, createdAt: card.createdAt, createdBy: card.createdBy, startedAt: card.startedAt, startedBy: card.startedBy };
  for (const [key, value] of Object.entries(optional)) if (value !== null) map.set(key, value);
  return map;
}

/** Adds a planned card at the bottom of the planned column. */
export function createCard(doc: Y.Doc, init: NewCard): void {
  const planned = column(readCards(doc), "planned");
  const card: Card = {
    id: init.id,
    name: init.name.slice(0, CARD_NAME_MAX),
    status: "planned",
    rank: rankAt(planned, planned.length),
    owner: init.createdBy,
    deadline: null,
    hypothesis: "",
    test: "",
    metric: "",
    criterion: "",
    believed: "",
    observed: "",
    learned: "",
    therefore: "",
    ratings: { critical: 0, cost: 0, reliability: 0, time: 0 },
    decision: null,
    createdAt: init.now ?? Date.now(),
    createdBy: init.createdBy,
    startedAt: null,
    startedBy: null,
  };
  cardsMap(doc).set(init.id, cardToMap(card));
}

/** A text field's raw content (unclipped), "" when missing. */
export function rawText(map: Y.Map<unknown>, field: TextField): string {
  const value = map.get(field);
  return value instanceof Y.Text ? value.toString() : typeof value === "string" ? value : "";
}

/** Moves a card to `index` of the `status` column; false when the move is not allowed. */
export function moveCard(doc: Y.Doc, id: string, status: CardStatus, index: number): boolean {
  const map = cardsMap(doc).get(id);
  if (!(map instanceof Y.Map)) return false;
  const card = readCard(id, map);
  if (!canMove(card.status, status)) return false;
  const others = column(readCards(doc), status).filter((c) => c.id !== id);
  doc.transact(() => {
    if (card.status !== status) map.set("status", status);
    map.set("rank", rankAt(others, index));
    // A first conclusion starts the learning card from what was believed.
    if (isVerdict(status) && !isVerdict(card.status)) {
      const believed = map.get("believed");
      if (believed instanceof Y.Text && believed.length === 0 && card.hypothesis) believed.insert(0, card.hypothesis);
    }
  });
  return true;
}

/** The Y.Text of a free-text field, created if a client left it out. */
export function cardText(doc: Y.Doc, id: string, field: TextField): Y.Text | null {
  const map = cardsMap(doc).get(id);
  if (!(map instanceof Y.Map)) return null;
  const value = map.get(field);
  if (value instanceof Y.Text) return value;
  const created = new Y.Text(typeof value === "string" ? value : "");
  map.set(field, created);
  return created;
}

export function setCardValue(doc: Y.Doc, id: string, key: "owner" | "deadline" | "decision" | Rating, value: string | number | null): void {
  const map = cardsMap(doc).get(id);
  if (!(map instanceof Y.Map)) return;
  if (value === null) map.delete(key);
  else map.set(key, value);
}

export function deleteCard(doc: Y.Doc, id: string): void {
  cardsMap(doc).delete(id);
}
