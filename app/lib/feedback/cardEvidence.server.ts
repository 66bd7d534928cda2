import type { AppLoadContext } from "@remix-run/node";
import { isRule, rulesFor, type RecordedEvidence, type Rule } from "./criteria";

/**
 * What the prototype page's experiment cards need about evidence: the questions a criterion can be
 * bound to, each card's binding with its current evaluation, and the numbers recorded verdicts used.
 */
export async function loadCardEvidence(context: AppLoadContext, { workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }) {
  const [forms, bindings, runs] = await Promise.all([
    context.services.feedback.questionsByForm({ workspaceId, prototypeId }),
    context.services.feedback.bindings({ workspaceId, prototypeId }),
    context.services.experiments.runs(prototypeId),
  ]);
  const recorded: Record<string, RecordedEvidence> = {};
  for (const run of runs) {
    const e = run.evidence as Partial<RecordedEvidence> | null;
    if (!e || !isRule(e.rule) || typeof e.n !== "number") continue;
    recorded[run.cardId] = {
      value: typeof e.value === "number" ? e.value : null,
      n: e.n,
      met: typeof e.met === "boolean" ? e.met : null,
      rule: e.rule,
      threshold: Number(e.threshold),
      minResponses: Number(e.minResponses),
    };
  }
  return {
    forms: forms
      .map((f) => ({
        formId: f.formId,
        formTitle: f.formTitle,
        questions: f.questions.filter((q) => rulesFor(q.kind).length > 0).map((q) => ({ id: q.id, prompt: q.prompt, kind: q.kind, choices: q.choices })),
      }))
      .filter((f) => f.questions.length > 0),
    bindings: bindings.map((b) => ({
      cardId: b.cardId,
      questionId: b.questionId,
      rule: b.rule,
      threshold: b.threshold,
      choiceId: b.choiceId,
      choiceLabel: b.choiceLabel,
      minResponses: b.minResponses,
      prompt: b.prompt,
      kind: b.kind,
      formId: b.formId,
      formTitle: b.formTitle,
      evaluation: b.evaluation,
    })),
    recorded,
  };
}
