/** Feedback forms for tests: question inputs, forms made through the service, answer values. */
import type { TestServer } from "./server.js";
import type { QuestionInput } from "../../server/services/feedback.js";
import type { Question } from "../../app/lib/feedback/questions.js";

/** A question of `kind` with plain defaults (choice questions get Yes / No / Not sure). */
export function questionInput(kind: QuestionInput["kind"], extra: Partial<QuestionInput> = {}): QuestionInput {
  return {
    kind,
    prompt: `How about ${kind}?`,
    help: "",
    required: false,
    level: 1,
    choices: kind === "single" || kind === "multiple" ? [{ label: "Yes" }, { label: "No" }, { label: "Not sure" }] : [],
    lowLabel: "",
    highLabel: "",
    ...extra,
  };
}

export interface MadeForm {
  formId: string;
  /** The public link token (null while the form is a draft). */
  token: string | null;
  /** Question ids, in order. */
  ids: string[];
  questions: Question[];
}

/** A form with `questions` on a prototype, made through the service and opened unless `open: false`. */
export async function makeForm(
  app: TestServer,
  target: { workspaceId: string; prototypeId: string; userId: string },
  questions: QuestionInput[],
  options: { open?: boolean; onePerBrowser?: boolean; title?: string; intro?: string; cardId?: string | null; followsFormId?: string | null } = {},
): Promise<MadeForm> {
  const f = app.services.feedback;
  const { id: formId } = await f.create({
    ...target,
    input: {
      title: options.title ?? "Week 1 reaction",
      intro: options.intro ?? "",
      cardId: options.cardId ?? null,
      followsFormId: options.followsFormId ?? null,
      onePerBrowser: options.onePerBrowser ?? false,
    },
  });
  const ids: string[] = [];
  for (const input of questions) ids.push((await f.addQuestion({ workspaceId: target.workspaceId, formId, input })).id);
  if (options.open ?? true) await f.setStatus({ workspaceId: target.workspaceId, formId, status: "open" });
  const { form, questions: stored } = await f.get({ workspaceId: target.workspaceId, formId });
  return { formId, token: form.publicToken, ids, questions: stored };
}

/** Submitted values as the service takes them: field → every value sent for it. */
export const answerValues = (entries: [string, string | string[]][]) => new Map(entries.map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
