/**
 * xAPI 1.0.3 statements for feedback answers: one statement per answered question.
 *
 * - actor: an anonymised account (the participant has none): homePage = the app, name = a hash
 *   of the response id, so statements of one response share an actor and reveal nobody;
 * - verb: ADL "answered"; object: the question as a cmi.interaction activity;
 * - result: `response` in the interaction's format, and `score` (scaled to 0..1) for scales;
 * - context: the form as grouping, the prototype as parent activity, the Kirkpatrick level as an
 *   extension.
 */
import { createHash } from "node:crypto";
import { scale, type Answer, type Question } from "../../app/lib/feedback/questions.js";

export const XAPI_VERSION = "1.0.3";
const ANSWERED = { id: "http://adlnet.gov/expapi/verbs/answered", display: { "en-US": "answered" } };
const INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction";

export interface Statement {
  id: string;
  actor: { objectType: "Agent"; account: { homePage: string; name: string } };
  verb: typeof ANSWERED;
  object: {
    objectType: "Activity";
    id: string;
    definition: {
      name: Record<string, string>;
      type: string;
      interactionType: "likert" | "numeric" | "choice" | "long-fill-in";
      choices?: { id: string; description: Record<string, string> }[];
    };
  };
  result: { response: string; score?: { scaled: number; raw: number; min: number; max: number } };
  context: {
    contextActivities: {
      parent: { objectType: "Activity"; id: string; definition: { name: Record<string, string> } }[];
      grouping: { objectType: "Activity"; id: string; definition: { name: Record<string, string> } }[];
    };
    extensions: Record<string, number>;
  };
  timestamp: string;
  version: typeof XAPI_VERSION;
}

export interface StatementSource {
  /** Base IRI of this deployment, e.g. https://pilotlab.example.com */
  base: string;
  form: { id: string; title: string };
  prototype: { id: string; title: string };
  questions: Question[];
  response: { id: string; submittedAt: Date };
  answers: Answer[];
}

/**
 * A statement id derived from the response and question (RFC 4122 layout, version 5 bits): sending
 * or exporting the same answer again yields the same id, so an LRS never stores it twice.
 */
export function statementId(responseId: string, questionId: string): string {
  const h = createHash("sha256").update(`${responseId}:${questionId}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const kirkpatrickExtension = (base: string) => `${base}/xapi/extensions/kirkpatrick-level`;

export function buildStatements(src: StatementSource): Statement[] {
  const base = src.base.replace(/\/$/, "");
  const byId = new Map(src.questions.map((q) => [q.id, q]));
  const actor = {
    objectType: "Agent" as const,
    account: { homePage: base, name: `participant-${createHash("sha256").update(`response:${src.response.id}`).digest("hex").slice(0, 32)}` },
  };
  const formActivity = { objectType: "Activity" as const, id: `${base}/xapi/forms/${src.form.id}`, definition: { name: { "en-US": src.form.title } } };
  const protoActivity = { objectType: "Activity" as const, id: `${base}/xapi/prototypes/${src.prototype.id}`, definition: { name: { "en-US": src.prototype.title } } };
  const statements: Statement[] = [];
  for (const answer of src.answers) {
    const q = byId.get(answer.questionId);
    if (!q) continue;
    const range = scale(q.kind);
    let result: Statement["result"];
    if (range) {
      // An NPS "why?" without a score has nothing to score.
      if (answer.number === null) continue;
      result = {
        response: String(answer.number),
        score: { scaled: (answer.number - range.min) / (range.max - range.min), raw: answer.number, min: range.min, max: range.max },
      };
    } else if (q.kind === "text") {
      result = { response: answer.text ?? "" };
    } else {
      result = { response: (answer.choices ?? []).join("[,]") };
    }
    statements.push({
      id: statementId(src.response.id, q.id),
      actor,
      verb: ANSWERED,
      object: {
        objectType: "Activity",
        id: `${base}/xapi/forms/${src.form.id}/questions/${q.id}`,
        definition: {
          name: { "en-US": q.prompt },
          type: INTERACTION,
          interactionType: q.kind === "rating" ? "likert" : q.kind === "nps" ? "numeric" : q.kind === "text" ? "long-fill-in" : "choice",
          ...(q.kind === "single" || q.kind === "multiple" ? { choices: q.choices.map((c) => ({ id: c.id, description: { "en-US": c.label } })) } : {}),
        },
      },
      result,
      context: {
        contextActivities: { parent: [protoActivity], grouping: [formActivity] },
        extensions: { [kirkpatrickExtension(base)]: q.level },
      },
      timestamp: src.response.submittedAt.toISOString(),
      version: XAPI_VERSION,
    });
  }
  return statements;
}
