/**
 * A sprint's phases: the design-sprint defaults a facilitator starts from, and the rules an edited
 * list must keep (shared by the form, which shows them, and the service, which enforces them).
 */

export const PHASE_KINDS = ["understand", "diverge", "decide", "prototype", "test"] as const;
export type PhaseKind = (typeof PHASE_KINDS)[number];

/** What each kind of phase is for, in the room and the phases editor. */
export const PHASE_KIND_LABELS: Record<PhaseKind, string> = {
  understand: "Understand",
  diverge: "Diverge (ideas)",
  decide: "Decide (votes)",
  prototype: "Prototype",
  test: "Test",
};

/** Limits of a sprint's own fields (the sprints table's checks). */
export const SPRINT_NAME_MAX = 200;
export const SPRINT_TEXT_MAX = 2000;

/** Limits of the sprint_phases columns. */
export const PHASES_MAX = 20;
export const PHASE_NAME_MAX = 80;
export const PHASE_INSTRUCTIONS_MAX = 2000;
export const PHASE_MINUTES_MIN = 1;
export const PHASE_MINUTES_MAX = 480;

export interface Phase {
  name: string;
  kind: PhaseKind;
  instructions: string;
  durationSeconds: number;
}

/** The design-sprint pattern (map, sketch, decide, prototype, test), shortened to a workshop. */
export const DEFAULT_PHASES: readonly Phase[] = [
  {
    name: "Map",
    kind: "understand",
    durationSeconds: 30 * 60,
    instructions: "Agree on the challenge, the learners and the business goal. Map what happens on the job today and write “How might we…” questions.",
  },
  {
    name: "Sketch",
    kind: "diverge",
    durationSeconds: 20 * 60,
    instructions: "Alone, together: add as many ideas as you can, one per note. Build on others' notes, then group similar ideas into clusters.",
  },
  {
    name: "Decide",
    kind: "decide",
    durationSeconds: 15 * 60,
    instructions: "Read every idea in silence, then place your dots. The decider makes the final call with a supervote.",
  },
  {
    name: "Prototype",
    kind: "prototype",
    durationSeconds: 45 * 60,
    instructions: "Turn the chosen ideas into prototypes and draft just enough of each pilot to put it in front of learners.",
  },
  {
    name: "Test",
    kind: "test",
    durationSeconds: 30 * 60,
    instructions: "Write an experiment card for each prototype's riskiest assumption and plan who you will test it with.",
  },
];

export function isPhaseKind(value: unknown): value is PhaseKind {
  return typeof value === "string" && (PHASE_KINDS as readonly string[]).includes(value);
}

/** One phase as typed in a form (minutes as text). */
export interface PhaseDraft {
  name: string;
  kind: string;
  instructions: string;
  minutes: string;
}

export type PhasesResult = { ok: true; phases: Phase[] } | { ok: false; message: string; index: number | null };

/** Checks an edited list of phases; the first problem, with the phase's position, or the clean list. */
export function validatePhases(drafts: readonly PhaseDraft[]): PhasesResult {
  if (drafts.length === 0) return { ok: false, message: "Add at least one phase.", index: null };
  if (drafts.length > PHASES_MAX) return { ok: false, message: `A sprint has at most ${PHASES_MAX} phases.`, index: null };
  const phases: Phase[] = [];
  for (const [index, draft] of drafts.entries()) {
    const n = index + 1;
    const name = draft.name.trim();
    if (!name) return { ok: false, message: `Phase ${n} needs a name.`, index };
    if (name.length > PHASE_NAME_MAX) return { ok: false, message: `Phase ${n}'s name must be at most ${PHASE_NAME_MAX} characters.`, index };
    if (!isPhaseKind(draft.kind)) return { ok: false, message: `Choose what phase ${n} is for.`, index };
    const instructions = draft.instructions.trim();
    if (instructions.length > PHASE_INSTRUCTIONS_MAX) {
      return { ok: false, message: `Phase ${n}'s instructions must be at most ${PHASE_INSTRUCTIONS_MAX} characters.`, index };
    }
    const minutes = Number(draft.minutes.trim());
    if (!draft.minutes.trim() || !Number.isInteger(minutes) || minutes < PHASE_MINUTES_MIN || minutes > PHASE_MINUTES_MAX) {
      return { ok: false, message: `Phase ${n} lasts ${PHASE_MINUTES_MIN} to ${PHASE_MINUTES_MAX} whole minutes.`, index };
    }
    phases.push({ name, kind: draft.kind, instructions, durationSeconds: minutes * 60 });
  }
  return { ok: true, phases };
}

/** A phase as the form shows it. */
export function phaseDraft(phase: Phase): PhaseDraft {
  return { name: phase.name, kind: phase.kind, instructions: phase.instructions, minutes: String(Math.round(phase.durationSeconds / 60)) };
}
