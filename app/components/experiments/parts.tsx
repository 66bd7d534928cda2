import { RATINGS, RATING_LABELS, isVerdict, type Card, type CardStatus } from "~/lib/experiments/cards";
import type { Peer } from "./hooks";

export interface Member {
  userId: string;
  name: string;
}

export function initials(name: string) {
  const parts = name.trim().split(/\s+/);
  return ((parts[0]?.[0] ?? "") + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase() || "?";
}

/** Avatars of the other people who have a card open for editing. */
export function EditorsList({ editors }: { editors: Peer[] }) {
  if (!editors.length) return null;
  const names = editors.map((e) => e.name).join(", ");
  return (
    <span className="card-editors" data-editors={names}>
      <span className="visually-hidden">Also editing: {names}</span>
      {editors.map((e) => (
        <span key={e.id} className="avatar avatar-small" style={{ backgroundColor: e.color }} title={`${e.name} is editing`} aria-hidden="true">
          {initials(e.name)}
        </span>
      ))}
    </span>
  );
}

/** Today as YYYY-MM-DD in the viewer's time zone. */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A deadline is overdue when it has passed and the test has not been concluded. */
export function isOverdue(card: Card, now = today()): boolean {
  return card.deadline !== null && card.deadline < now && !isVerdict(card.status);
}

export function formatDeadline(deadline: string): string {
  const [y, m, d] = deadline.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** "Critical 3 · Test cost 1" for the ratings that are set. */
export function ratingsSummary(card: Card): string {
  return RATINGS.filter((r) => card.ratings[r] > 0)
    .map((r) => `${RATING_LABELS[r]} ${card.ratings[r]}`)
    .join(" · ");
}

/** Why a move between two columns is not allowed (null when it is). */
export function refusal(from: CardStatus, to: CardStatus): string | null {
  if (from === to) return null;
  if (from === "planned" && to !== "running") return "A planned test has to run first: move it to Running to start it.";
  if (to === "planned") return "A started test can't go back to Planned: its hypothesis, metric and criterion are locked.";
  return null;
}
