/**
 * Feedback forms: question kinds, Kirkpatrick levels, limits, and the validation of a
 * participant's answers. Shared by the public form page and the service that stores responses, so
 * the page and the server agree on every rule.
 */

export const QUESTION_KINDS = ["rating", "nps", "single", "multiple", "text"] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];
export const QUESTION_KIND_LABELS: Record<QuestionKind, string> = {
  rating: "Rating (1–5)",
  nps: "Net Promoter Score (0–10)",
  single: "Single choice",
  multiple: "Multiple choice",
  text: "Open text",
};

export const LEVELS = [1, 2, 3, 4] as const;
export type Level = (typeof LEVELS)[number];
export const LEVEL_LABELS: Record<Level, string> = {
  1: "Level 1 · Reaction",
  2: "Level 2 · Learning",
  3: "Level 3 · Behaviour on the job",
  4: "Level 4 · Results",
};

export const FORM_STATUSES = ["draft", "open", "closed"] as const;
export type FormStatus = (typeof FORM_STATUSES)[number];

export const FORM_TITLE_MAX = 200;
export const FORM_INTRO_MAX = 2000;
export const PROMPT_MAX = 500;
export const HELP_MAX = 1000;
export const CHOICE_LABEL_MAX = 200;
export const SCALE_LABEL_MAX = 60;
export const MAX_CHOICES = 20;
export const MAX_QUESTIONS = 50;
/** Longest open-text answer (and NPS "why?"). */
export const ANSWER_TEXT_MAX = 5000;
/** Public submissions per IP address per minute, across all forms. */
export const SUBMISSIONS_PER_IP_PER_MINUTE = 30;
/** Name of the hidden field bots fill in and people never see. */
export const HONEYPOT_FIELD = "website";

export interface Choice {
  id: string;
  label: string;
}

export interface Question {
  id: string;
  kind: QuestionKind;
  prompt: string;
  help: string;
  required: boolean;
  level: Level;
  choices: Choice[];
  lowLabel: string;
  highLabel: string;
}

/** One validated answer, ready to store. */
export interface Answer {
  questionId: string;
  number: number | null;
  choices: string[] | null;
  text: string | null;
}

export type AnswerErrors = Record<string, string>;

export function isQuestionKind(value: unknown): value is QuestionKind {
  return typeof value === "string" && (QUESTION_KINDS as readonly string[]).includes(value);
}

export function isLevel(value: unknown): value is Level {
  return typeof value === "number" && (LEVELS as readonly number[]).includes(value);
}

/** Form field names of a question's answer. */
export const answerField = (questionId: string) => `q_${questionId}`;
export const whyField = (questionId: string) => `q_${questionId}_why`;

/** Range of a numeric question. */
export function scale(kind: QuestionKind): { min: number; max: number } | null {
  if (kind === "rating") return { min: 1, max: 5 };
  if (kind === "nps") return { min: 0, max: 10 };
  return null;
}

const INTEGER = /^\d{1,2}$/;

/**
 * Validates submitted values against a form's questions. `values` maps a field name to every
 * value sent for it (a multiple-choice question sends several). Anything not belonging to a
 * question of this form is an error, so a stale or forged page can't slip in answers.
 */
export function validateAnswers(
  questions: Question[],
  values: Map<string, string[]>,
): { ok: true; answers: Answer[] } | { ok: false; errors: AnswerErrors; formError: string | null } {
  const errors: AnswerErrors = {};
  const answers: Answer[] = [];
  const known = new Set<string>();
  for (const q of questions) {
    known.add(answerField(q.id));
    if (q.kind === "nps") known.add(whyField(q.id));
  }
  const unknown = [...values.keys()].filter((key) => key.startsWith("q_") && !known.has(key));
  if (unknown.length) {
    return { ok: false, errors, formError: "This form has changed since the page was loaded. Please reload it and answer again." };
  }

  for (const q of questions) {
    const sent = (values.get(answerField(q.id)) ?? []).map((v) => v.trim()).filter((v) => v !== "");
    const missing = sent.length === 0;
    const range = scale(q.kind);
    if (range) {
      const why = (values.get(whyField(q.id)) ?? []).join("\n").trim();
      if (why.length > ANSWER_TEXT_MAX) {
        errors[whyField(q.id)] = `Keep this to ${ANSWER_TEXT_MAX} characters or fewer.`;
        continue;
      }
      if (missing) {
        if (q.required) errors[answerField(q.id)] = "Please choose a score.";
        else if (why) answers.push({ questionId: q.id, number: null, choices: null, text: why });
        continue;
      }
      const n = INTEGER.test(sent[0]) ? Number(sent[0]) : NaN;
      if (sent.length > 1 || !(n >= range.min && n <= range.max)) {
        errors[answerField(q.id)] = `Choose a score from ${range.min} to ${range.max}.`;
        continue;
      }
      answers.push({ questionId: q.id, number: n, choices: null, text: q.kind === "nps" && why ? why : null });
      continue;
    }
    if (q.kind === "text") {
      const text = sent.join("\n");
      if (missing) {
        if (q.required) errors[answerField(q.id)] = "Please write an answer.";
        continue;
      }
      if (text.length > ANSWER_TEXT_MAX) {
        errors[answerField(q.id)] = `Keep this to ${ANSWER_TEXT_MAX} characters or fewer.`;
        continue;
      }
      answers.push({ questionId: q.id, number: null, choices: null, text });
      continue;
    }
    // single / multiple
    if (missing) {
      if (q.required) errors[answerField(q.id)] = q.kind === "single" ? "Please choose an option." : "Please choose at least one option.";
      continue;
    }
    const ids = new Set(q.choices.map((c) => c.id));
    const chosen = [...new Set(sent)];
    if (chosen.some((c) => !ids.has(c))) {
      errors[answerField(q.id)] = "That option is not part of this question.";
      continue;
    }
    if (q.kind === "single" && chosen.length > 1) {
      errors[answerField(q.id)] = "Choose one option.";
      continue;
    }
    answers.push({ questionId: q.id, number: null, choices: chosen, text: null });
  }
  if (Object.keys(errors).length) return { ok: false, errors, formError: null };
  return { ok: true, answers };
}

/** Collects form data into field → values (every value of a repeated field). */
export function formValues(formData: FormData): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [key, value] of formData.entries()) {
    if (typeof value !== "string") continue;
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return values;
}
