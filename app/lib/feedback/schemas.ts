/** Zod schemas of the form builder's forms (the participant's answers use validateAnswers). */
import { z } from "zod";
import { optionalId, requiredText } from "../forms";
import {
  CHOICE_LABEL_MAX,
  FORM_INTRO_MAX,
  FORM_TITLE_MAX,
  HELP_MAX,
  MAX_CHOICES,
  PROMPT_MAX,
  QUESTION_KINDS,
  SCALE_LABEL_MAX,
  type Level,
} from "./questions";

const optionalText = (label: string, max: number) =>
  z
    .string()
    .optional()
    .default("")
    .pipe(z.string().max(max, `${label} must be at most ${max} characters.`));

/** An HTML checkbox: present (any value) is true, absent is false. */
const checkbox = z
  .string()
  .optional()
  .transform((v) => v !== undefined && v !== "");

export const feedbackFormSchema = z.object({
  title: requiredText("Title", FORM_TITLE_MAX),
  intro: optionalText("Introduction", FORM_INTRO_MAX),
  cardId: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .pipe(z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "Choose an experiment card from the list.").nullable()),
  followsFormId: optionalId("Choose a form of this prototype from the list."),
  onePerBrowser: checkbox,
});

export const questionSchema = z.object({
  kind: z.enum(QUESTION_KINDS, { message: "Choose a question type." }),
  prompt: requiredText("Question", PROMPT_MAX),
  help: optionalText("Help text", HELP_MAX),
  required: checkbox,
  level: z.coerce
    .number({ message: "Choose a Kirkpatrick level." })
    .int("Choose a Kirkpatrick level.")
    .min(1, "Choose a Kirkpatrick level.")
    .max(4, "Choose a Kirkpatrick level.")
    .transform((n) => n as Level),
  lowLabel: optionalText("Low end label", SCALE_LABEL_MAX),
  highLabel: optionalText("High end label", SCALE_LABEL_MAX),
});

/**
 * The options of a choice question: existing ones arrive as pairs of `choiceId`/`choiceLabel`
 * fields (an emptied label removes it), new ones one per line in `newChoices`.
 */
export function readChoices(formData: FormData): { ok: true; choices: { id?: string; label: string }[] } | { ok: false; error: string } {
  const ids = formData.getAll("choiceId").map(String);
  const labels = formData.getAll("choiceLabel").map(String);
  if (ids.length !== labels.length) return { ok: false, error: "The options could not be read. Please reload the page." };
  const choices: { id?: string; label: string }[] = [];
  for (const [i, label] of labels.entries()) if (label.trim()) choices.push({ id: ids[i], label: label.trim() });
  const added = String(formData.get("newChoices") ?? "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const label of added) choices.push({ label });
  if (choices.length > MAX_CHOICES) return { ok: false, error: `Give at most ${MAX_CHOICES} options.` };
  const tooLong = choices.find((c) => c.label.length > CHOICE_LABEL_MAX);
  if (tooLong) return { ok: false, error: `Each option must be at most ${CHOICE_LABEL_MAX} characters.` };
  return { ok: true, choices };
}
