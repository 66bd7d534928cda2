/**
 * A sprint's summary: what it set out to do, what it decided (revealed votes and decision-lane
 * entries), and what came of it (prototypes made from ideas, experiments started on them). The page
 * and the Markdown export render this one shape, so they never disagree; unrevealed polls are never
 * part of it.
 */
import { DECISION_LABELS, type DecisionKind } from "../decisions";
import { PHASE_KIND_LABELS, type PhaseKind } from "./phases";
import type { PollResults, PollSubject } from "./votes";

export interface SummaryPoll {
  id: string;
  title: string;
  subject: PollSubject;
  budget: number;
  revealedAt: string;
  results: PollResults;
}

export interface SummaryDecision {
  id: string;
  prototypeId: string;
  prototypeTitle: string;
  kind: DecisionKind;
  note: string;
  decidedByName: string | null;
  decidedAt: string;
}

export interface SummaryExperiment {
  cardId: string;
  name: string;
  status: string;
  startedAt: string | null;
}

export interface SummaryOutput {
  ideaId: string;
  ideaText: string;
  prototypeId: string;
  prototypeTitle: string;
  stage: string;
  createdAt: string;
  createdByName: string | null;
  experiments: SummaryExperiment[];
}

export interface SprintSummary {
  sprint: { id: string; name: string; challenge: string; goal: string; createdAt: string; endedAt: string | null; deciderName: string | null };
  phases: { position: number; name: string; kind: PhaseKind; durationSeconds: number }[];
  polls: SummaryPoll[];
  decisions: SummaryDecision[];
  outputs: SummaryOutput[];
}

/**
 * User text made inert inside Markdown: one line (newlines would start new blocks), and every
 * character that could open emphasis, a link, code, HTML, a heading, a list or a table cell escaped.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\\`*_{}[\]()<>#+\-.!|~&]/g, (c) => `\\${c}`);
}

const day = (iso: string) => iso.slice(0, 10);
const minutes = (seconds: number) => `${Math.round(seconds / 60)} min`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The summary as a Markdown document (user text escaped, so it can't change the structure). */
export function summaryMarkdown(summary: SprintSummary): string {
  const { sprint } = summary;
  const out: string[] = [];
  out.push(`# Sprint summary: ${escapeMarkdown(sprint.name)}`, "");
  out.push(`- Started: ${day(sprint.createdAt)}${sprint.endedAt ? ` · ended ${day(sprint.endedAt)}` : ""}`);
  if (sprint.deciderName) out.push(`- Decider: ${escapeMarkdown(sprint.deciderName)}`);
  out.push("");
  out.push("## Challenge", "", sprint.challenge.trim() ? escapeMarkdown(sprint.challenge) : "_None given._", "");
  out.push("## Goal", "", sprint.goal.trim() ? escapeMarkdown(sprint.goal) : "_None given._", "");

  out.push("## Phases", "");
  if (summary.phases.length === 0) out.push("_No phases._");
  for (const phase of summary.phases)
    out.push(`${phase.position + 1}\\. ${escapeMarkdown(phase.name)} (${PHASE_KIND_LABELS[phase.kind]}, ${minutes(phase.durationSeconds)})`, "");
  out.push("");

  out.push("## Decisions", "");
  const decided = summary.polls.filter((poll) => poll.results.supervote || poll.results.winners.length);
  if (decided.length === 0 && summary.decisions.length === 0) out.push("_No decisions yet._");
  for (const poll of decided) {
    const winners = poll.results.winners.map((w) => escapeMarkdown(w.label)).join("; ");
    const parts = [
      winners ? `most dots: ${winners}${poll.results.winners.length > 1 ? " (tie)" : ""}` : null,
      poll.results.supervote ? `supervote: ${escapeMarkdown(poll.results.supervote.label)}` : null,
    ];
    out.push(`- Vote “${escapeMarkdown(poll.title)}”: ${parts.filter(Boolean).join(" · ")}`);
  }
  for (const d of summary.decisions) {
    const note = d.note.trim() ? ` — ${escapeMarkdown(d.note)}` : "";
    out.push(
      `- ${DECISION_LABELS[d.kind]} on ${escapeMarkdown(d.prototypeTitle)} (${day(d.decidedAt)}${
        d.decidedByName ? `, ${escapeMarkdown(d.decidedByName)}` : ""
      })${note}`
    );
  }
  out.push("");

  out.push("## Votes", "");
  if (summary.polls.length === 0) out.push("_No revealed votes._", "");
  for (const poll of summary.polls) {
    out.push(`### ${escapeMarkdown(poll.title)}`, "");
    out.push(
      `${poll.subject === "ideas" ? "Ideas" : "Prototypes"} · ${plural(poll.budget, "dot")} per person · ${plural(poll.results.dotsCast, "dot")} from ${plural(
        poll.results.voters,
        "person",
        "people"
      )} · revealed ${day(poll.revealedAt)}`,
      ""
    );
    out.push("| Rank | Item | Dots |", "| ---: | --- | ---: |");
    for (const item of poll.results.ranking) out.push(`| ${item.rank}${item.tied ? " (tie)" : ""} | ${escapeMarkdown(item.label)} | ${item.dots} |`);
    out.push("");
    if (poll.results.supervote) out.push(`Supervote: ${escapeMarkdown(poll.results.supervote.label)}`, "");
  }

  out.push("## Prototypes created", "");
  if (summary.outputs.length === 0) out.push("_No prototypes were created from ideas._");
  for (const o of summary.outputs) {
    out.push(`- ${escapeMarkdown(o.prototypeTitle)} (${o.stage}), from the idea “${escapeMarkdown(o.ideaText || "(removed)")}”`);
    if (o.experiments.length === 0) out.push("  - No experiments started yet.");
    for (const e of o.experiments)
      out.push(`  - Experiment: ${escapeMarkdown(e.name || "Untitled")} — ${e.status}${e.startedAt ? `, started ${day(e.startedAt)}` : ""}`);
  }
  out.push("");
  return out.join("\n");
}
