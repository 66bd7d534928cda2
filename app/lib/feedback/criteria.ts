/**
 * Success criteria bound to evidence: a rule over one feedback question ("mean ≥ 4.0 with at
 * least 20 responses", "NPS ≥ 30", "≥ 60% choose Yes") and its evaluation. Shared by the card UI
 * (what can be bound, how it reads) and the server (which computes the verdict).
 */
import type { QuestionKind } from "./questions";

export const RULES = ["mean_gte", "nps_gte", "share_gte"] as const;
export type Rule = (typeof RULES)[number];

export const RULE_LABELS: Record<Rule, string> = {
  mean_gte: "Average score at least",
  nps_gte: "NPS at least",
  share_gte: "Share choosing an option at least (%)",
};

export function isRule(value: unknown): value is Rule {
  return typeof value === "string" && (RULES as readonly string[]).includes(value);
}

/** Rules that make sense for a question kind. */
export function rulesFor(kind: QuestionKind): Rule[] {
  switch (kind) {
    case "rating":
      return ["mean_gte"];
    case "nps":
      return ["nps_gte", "mean_gte"];
    case "single":
    case "multiple":
      return ["share_gte"];
    default:
      return [];
  }
}

/** Allowed thresholds of a rule for a question kind. */
export function thresholdRange(rule: Rule, kind: QuestionKind): { min: number; max: number; step: number } {
  if (rule === "nps_gte") return { min: -100, max: 100, step: 1 };
  if (rule === "share_gte") return { min: 0, max: 100, step: 1 };
  return kind === "nps" ? { min: 0, max: 10, step: 0.1 } : { min: 1, max: 5, step: 0.1 };
}

export interface BindingRule {
  rule: Rule;
  threshold: number;
  minResponses: number;
}

/** What the answers so far say about the criterion. */
export interface Evaluation {
  /** Mean, NPS (−100..100) or share in % ; null without answers. */
  value: number | null;
  /** Answers counted. */
  n: number;
  /** Whether the criterion is met; null while n < minResponses ("not enough data yet"). */
  met: boolean | null;
  verdict: "validated" | "invalidated" | null;
}

/** The numbers a computed verdict was recorded with (experiment_runs.evidence). */
export interface RecordedEvidence {
  value: number | null;
  n: number;
  met: boolean | null;
  rule: Rule;
  threshold: number;
  minResponses: number;
}

/** Evidence for a rule: numeric distribution (value → count), or the chosen option's count. */
export interface EvidenceData {
  distribution: ReadonlyMap<number, number>;
  /** People who answered the question (choice questions). */
  answered: number;
  /** People who chose the bound option (choice questions). */
  chosen: number;
}

const EPSILON = 1e-9;

/** Evaluates exactly: comparisons are cross-multiplied, so 3 of 5 is 60% with no rounding surprise. */
export function evaluate(binding: BindingRule, data: EvidenceData): Evaluation {
  let n = 0;
  let value: number | null = null;
  let met: boolean;
  if (binding.rule === "share_gte") {
    n = data.answered;
    value = n ? (data.chosen / n) * 100 : null;
    met = data.chosen * 100 - binding.threshold * n >= -EPSILON;
  } else if (binding.rule === "nps_gte") {
    let promoters = 0;
    let detractors = 0;
    for (const [v, count] of data.distribution) {
      n += count;
      if (v >= 9) promoters += count;
      else if (v <= 6) detractors += count;
    }
    value = n ? ((promoters - detractors) / n) * 100 : null;
    met = (promoters - detractors) * 100 - binding.threshold * n >= -EPSILON;
  } else {
    let sum = 0;
    for (const [v, count] of data.distribution) {
      n += count;
      sum += v * count;
    }
    value = n ? sum / n : null;
    met = sum - binding.threshold * n >= -EPSILON;
  }
  if (n < binding.minResponses || n === 0) return { value, n, met: null, verdict: null };
  return { value, n, met, verdict: met ? "validated" : "invalidated" };
}

/** "Average score ≥ 4 with at least 20 responses" */
export function describeRule(binding: BindingRule & { choiceLabel?: string | null }): string {
  const t = Number.isInteger(binding.threshold) ? String(binding.threshold) : binding.threshold.toFixed(1);
  const what =
    binding.rule === "mean_gte"
      ? `Average score ≥ ${t}`
      : binding.rule === "nps_gte"
        ? `NPS ≥ ${t}`
        : `≥ ${t}% choose “${binding.choiceLabel ?? "the option"}”`;
  return `${what}, with at least ${binding.minResponses} response${binding.minResponses === 1 ? "" : "s"}`;
}
