/** Domain vocabulary shared by UI and server. */

export const STAGES = ["idea", "prototyping", "piloting", "scaling", "retired"] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_LABELS: Record<Stage, string> = {
  idea: "Idea",
  prototyping: "Prototyping",
  piloting: "Piloting",
  scaling: "Scaling",
  retired: "Retired",
};

export function isStage(value: unknown): value is Stage {
  return typeof value === "string" && (STAGES as readonly string[]).includes(value);
}
