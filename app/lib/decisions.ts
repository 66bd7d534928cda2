/** The decision lane's vocabulary, shared by the server and the page. */

export const DECISION_KINDS = ["approve_pilot", "request_changes", "ask_evidence", "fund_next_phase"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export const DECISION_LABELS: Record<DecisionKind, string> = {
  approve_pilot: "Approve for pilot",
  request_changes: "Request changes",
  ask_evidence: "Ask for evidence",
  fund_next_phase: "Fund next phase",
};

/** Longest decision note, in characters (the table's check says the same). */
export const DECISION_NOTE_MAX = 5000;

export function isDecisionKind(value: unknown): value is DecisionKind {
  return typeof value === "string" && (DECISION_KINDS as readonly string[]).includes(value);
}
