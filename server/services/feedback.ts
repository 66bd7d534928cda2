import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Sql } from "../db/index.js";
import { ServiceError, pgCode } from "./errors.js";
import {
  LEVELS,
  MAX_CHOICES,
  MAX_QUESTIONS,
  SUBMISSIONS_PER_IP_PER_MINUTE,
  scale,
  validateAnswers,
  type AnswerErrors,
  type Choice,
  type FormStatus,
  type Level,
  type Question,
  type QuestionKind,
} from "../../app/lib/feedback/questions.js";
import { buildStatements, type Statement } from "../feedback/xapi.js";
import { CSV_BOM, csvLine } from "../feedback/csv.js";
import { evaluate, rulesFor, thresholdRange, type Evaluation, type EvidenceData, type Rule } from "../../app/lib/feedback/criteria.js";
import { extractThemes, type Theme } from "../../app/lib/feedback/themes.js";
import { MIN_SAMPLE, nps, share, summarize, type NpsSummary, type NumericSummary } from "../../app/lib/feedback/stats.js";

export interface FeedbackForm {
  id: string;
  workspaceId: string;
  prototypeId: string;
  prototypeTitle: string;
  cardId: string | null;
  followsFormId: string | null;
  followsFormTitle: string | null;
  title: string;
  intro: string;
  status: FormStatus;
  publicToken: string | null;
  onePerBrowser: boolean;
  createdAt: Date;
  updatedAt: Date;
  openedAt: Date | null;
  closedAt: Date | null;
  responseCount: number;
  lastResponseAt: Date | null;
}

export interface FormInput {
  title: string;
  intro: string;
  cardId: string | null;
  followsFormId: string | null;
  onePerBrowser: boolean;
}

export interface QuestionInput {
  kind: QuestionKind;
  prompt: string;
  help: string;
  required: boolean;
  level: Level;
  /** Choices in order; `id` set for choices that already exist. */
  choices: { id?: string; label: string }[];
  lowLabel: string;
  highLabel: string;
}

export interface PublicForm {
  id: string;
  title: string;
  intro: string;
  status: FormStatus;
  onePerBrowser: boolean;
  prototypeTitle: string;
  questions: Question[];
}

export type SubmitResult =
  | { ok: true; responseId: string; formId: string }
  | { ok: false; status: 400 | 404 | 409 | 410 | 429; formError: string | null; errors: AnswerErrors };

export interface QuestionResult {
  question: Question;
  /** People who answered it. */
  answered: number;
  numeric: NumericSummary | null;
  nps: NpsSummary | null;
  /** value → count, every value of the scale present (0 when nobody chose it). */
  distribution: { value: number; count: number }[];
  choices: { id: string; label: string; count: number; share: number }[];
  /** Newest first (up to TEXTS_ANALYSED); NPS "why?" answers for NPS questions. */
  texts: { text: string; submittedAt: Date }[];
  /** Recurring themes in `texts`; each theme's `answers` index into `texts`. */
  themes: Theme[];
}

export interface FormResults {
  responses: number;
  perDay: { day: string; count: number }[];
  questions: QuestionResult[];
}

/** Newest open-text answers per question that results show and find themes in (export has them all). */
const TEXTS_ANALYSED = 2000;

export const newPublicToken = () => randomBytes(24).toString("base64url");
const hash = (value: string) => createHash("sha256").update(value).digest("hex");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface QuestionRow {
  id: string;
  kind: QuestionKind;
  prompt: string;
  help: string;
  required: boolean;
  level: number;
  choices: Choice[];
  lowLabel: string;
  highLabel: string;
}
interface BindingRow {
  cardId: string;
  questionId: string;
  rule: Rule;
  threshold: number;
  choiceId: string | null;
  minResponses: number;
  prompt: string;
  kind: QuestionKind;
  choices: Choice[];
  formId: string;
  formTitle: string;
}

export interface CriterionBinding extends Omit<BindingRow, "choices"> {
  choiceLabel: string | null;
  evaluation: Evaluation;
}

export interface EvidenceStep {
  level: Level;
  forms: number;
  questions: number;
  respondents: number;
  answers: number;
  enough: boolean;
}

interface ExportRow {
  id: string;
  submittedAt: Date;
  cursor: string;
  answers: { q: string; n: number | null; c: string[] | null; t: string | null }[];
}

export interface LrsSettings {
  endpoint: string;
  username: string;
  hasPassword: boolean;
  enabled: boolean;
  updatedAt: Date;
}

export interface LrsStatus {
  pending: number;
  sent: number;
  retrying: number;
  lastSentAt: Date | null;
  nextAttemptAt: Date | null;
  lastError: string | null;
}

interface FormHead {
  id: string;
  status: FormStatus;
  onePerBrowser: boolean;
  workspaceId: string;
  title: string;
  prototypeId: string;
  prototypeTitle: string;
}

const toQuestion = (r: QuestionRow): Question => ({ ...r, level: r.level as Level });

export function createFeedback({ sql, xapiBase }: { sql: Sql; xapiBase: string }) {
  const selectForm = sql`
    select f.id, f.workspace_id as "workspaceId", f.prototype_id as "prototypeId", p.title as "prototypeTitle",
           f.card_id as "cardId", f.follows_form_id as "followsFormId", pf.title as "followsFormTitle",
           f.title, f.intro, f.status, f.public_token as "publicToken", f.one_per_browser as "onePerBrowser",
           f.created_at as "createdAt", f.updated_at as "updatedAt", f.opened_at as "openedAt", f.closed_at as "closedAt",
           (select count(*)::int from feedback_responses r where r.form_id = f.id) as "responseCount",
           (select max(r.submitted_at) from feedback_responses r where r.form_id = f.id) as "lastResponseAt"
    from feedback_forms f
    join prototypes p on p.id = f.prototype_id
    left join feedback_forms pf on pf.id = f.follows_form_id`;

  const questionsOf = (formId: string) => sql<QuestionRow[]>`
    select id, kind, prompt, help, required, level, choices, low_label as "lowLabel", high_label as "highLabel"
    from feedback_questions where form_id = ${formId} order by position, created_at, id`;

  async function requireForm(workspaceId: string, formId: string): Promise<FeedbackForm> {
    if (!UUID.test(formId)) throw new ServiceError("not_found", "This form doesn't exist.");
    const [form] = await sql<FeedbackForm[]>`${selectForm} where f.id = ${formId} and f.workspace_id = ${workspaceId}`;
    if (!form) throw new ServiceError("not_found", "This form doesn't exist.");
    return form;
  }

  async function checkLinks(workspaceId: string, prototypeId: string, input: FormInput, formId?: string) {
    if (input.followsFormId) {
      if (input.followsFormId === formId) throw new ServiceError("invalid", "A form can't follow up on itself.", "followsFormId");
      const [earlier] = await sql`select 1 from feedback_forms where id = ${input.followsFormId} and prototype_id = ${prototypeId} and workspace_id = ${workspaceId}`;
      if (!earlier) throw new ServiceError("invalid", "Choose a form of this prototype to follow up on.", "followsFormId");
    }
  }

  /** Gives each choice a stable id; existing ids are kept, new ones minted. */
  function choicesFor(input: QuestionInput, existing: Choice[]): Choice[] {
    if (input.kind !== "single" && input.kind !== "multiple") return [];
    const labels = input.choices.map((c) => ({ id: c.id, label: c.label.trim() })).filter((c) => c.label);
    if (labels.length < 2) throw new ServiceError("invalid", "Give at least two options.", "choices");
    if (labels.length > MAX_CHOICES) throw new ServiceError("invalid", `Give at most ${MAX_CHOICES} options.`, "choices");
    const known = new Set(existing.map((c) => c.id));
    return labels.map((c) => ({ id: c.id && known.has(c.id) ? c.id : randomBytes(6).toString("base64url"), label: c.label }));
  }

  /** Adds what the answers to the bound question say now. */
  async function withEvaluation(row: BindingRow): Promise<CriterionBinding> {
    let data: EvidenceData;
    if (row.rule === "share_gte") {
      const [counts] = await sql<{ answered: number; chosen: number }[]>`
        select count(*)::int as answered, count(*) filter (where ${row.choiceId} = any(choice_ids))::int as chosen
        from feedback_answers where question_id = ${row.questionId} and choice_ids is not null`;
      data = { distribution: new Map(), ...counts };
    } else {
      const dist = await sql<{ value: number; count: number }[]>`
        select number_value as value, count(*)::int as count from feedback_answers
        where question_id = ${row.questionId} and number_value is not null group by 1`;
      data = { distribution: new Map(dist.map((d) => [Number(d.value), d.count])), answered: 0, chosen: 0 };
    }
    const { choices, ...rest } = row;
    const choiceLabel = row.choiceId ? (choices.find((c) => c.id === row.choiceId)?.label ?? null) : null;
    return { ...rest, choiceLabel, evaluation: evaluate(row, data) };
  }

  async function getForm({ workspaceId, formId }: { workspaceId: string; formId: string }): Promise<{ form: FeedbackForm; questions: Question[] }> {
    const form = await requireForm(workspaceId, formId);
    return { form, questions: (await questionsOf(form.id)).map(toQuestion) };
  }

  /** Responses of a form, oldest first, a page at a time (each page is one short query). */
  // The cursor stays text on its way back: postgres.js would send a timestamptz parameter through a
  // JS Date and drop the microseconds, repeating the last row of every page.
  async function* responsePages({ workspaceId, formId, pageSize = 1000 }: { workspaceId: string; formId: string; pageSize?: number }) {
    const form = await requireForm(workspaceId, formId);
    let after: { at: string; id: string } | null = null;
    for (;;) {
      const rows: ExportRow[] = await sql<ExportRow[]>`
        select r.id, r.submitted_at as "submittedAt", r.submitted_at::text as cursor,
               coalesce(json_agg(json_build_object('q', a.question_id, 'n', a.number_value, 'c', a.choice_ids, 't', a.text_value))
                        filter (where a.question_id is not null), '[]') as answers
        from feedback_responses r left join feedback_answers a on a.response_id = r.id
        where r.form_id = ${form.id}
          ${after ? sql`and (r.submitted_at, r.id) > (${after.at}::text::timestamptz, ${after.id}::uuid)` : sql``}
        group by r.id order by r.submitted_at, r.id limit ${pageSize}`;
      if (!rows.length) return;
      yield rows;
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1];
      after = { at: last.cursor, id: last.id };
    }
  }

  return {
    async list({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<FeedbackForm[]> {
      return sql<FeedbackForm[]>`${selectForm} where f.workspace_id = ${workspaceId} and f.prototype_id = ${prototypeId} order by f.created_at, f.id`;
    },

    get: getForm,

    /** The prototype's experiment cards (from their projection), to tie a form to one. */
    async cards({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<{ cardId: string; name: string }[]> {
      return sql<{ cardId: string; name: string }[]>`
        select card_id as "cardId", name from experiment_cards
        where workspace_id = ${workspaceId} and prototype_id = ${prototypeId} order by rank, card_id`;
    },

    /** The prototype's forms with their questions (kind and options), to bind a card's criterion to one. */
    async questionsByForm({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<{ formId: string; formTitle: string; questions: Question[] }[]> {
      const rows = await sql<(QuestionRow & { formId: string; formTitle: string })[]>`
        select f.id as "formId", f.title as "formTitle", q.id, q.kind, q.prompt, q.help, q.required, q.level, q.choices,
               q.low_label as "lowLabel", q.high_label as "highLabel"
        from feedback_forms f join feedback_questions q on q.form_id = f.id
        where f.workspace_id = ${workspaceId} and f.prototype_id = ${prototypeId}
        order by f.created_at, f.id, q.position, q.created_at, q.id`;
      const forms = new Map<string, { formId: string; formTitle: string; questions: Question[] }>();
      for (const { formId, formTitle, ...q } of rows) {
        let form = forms.get(formId);
        if (!form) forms.set(formId, (form = { formId, formTitle, questions: [] }));
        form.questions.push(toQuestion(q));
      }
      return [...forms.values()];
    },

    async create({ workspaceId, prototypeId, userId, input }: { workspaceId: string; prototypeId: string; userId: string; input: FormInput }): Promise<{ id: string }> {
      const [proto] = await sql`select 1 from prototypes where id = ${prototypeId} and workspace_id = ${workspaceId}`;
      if (!proto) throw new ServiceError("not_found", "This prototype doesn't exist in this workspace.");
      await checkLinks(workspaceId, prototypeId, input);
      const [row] = await sql<{ id: string }[]>`
        insert into feedback_forms (workspace_id, prototype_id, card_id, follows_form_id, title, intro, one_per_browser, created_by)
        values (${workspaceId}, ${prototypeId}, ${input.cardId}, ${input.followsFormId}, ${input.title.trim()}, ${input.intro.trim()},
                ${input.onePerBrowser}, ${userId})
        returning id`;
      return row;
    },

    async update({ workspaceId, formId, input }: { workspaceId: string; formId: string; input: FormInput }): Promise<void> {
      const form = await requireForm(workspaceId, formId);
      await checkLinks(workspaceId, form.prototypeId, input, formId);
      await sql`
        update feedback_forms set title = ${input.title.trim()}, intro = ${input.intro.trim()}, card_id = ${input.cardId},
          follows_form_id = ${input.followsFormId}, one_per_browser = ${input.onePerBrowser}, updated_at = now()
        where id = ${formId}`;
    },

    async addQuestion({ workspaceId, formId, input }: { workspaceId: string; formId: string; input: QuestionInput }): Promise<{ id: string }> {
      await requireForm(workspaceId, formId);
      const choices = choicesFor(input, []);
      return sql.begin(async (tx) => {
        await tx`select id from feedback_forms where id = ${formId} for update`;
        const [{ count, next }] = await tx<{ count: number; next: number }[]>`
          select count(*)::int as count, coalesce(max(position), 0) + 1 as next from feedback_questions where form_id = ${formId}`;
        if (count >= MAX_QUESTIONS) throw new ServiceError("invalid", `A form can have at most ${MAX_QUESTIONS} questions.`);
        const [row] = await tx<{ id: string }[]>`
          insert into feedback_questions (form_id, position, kind, prompt, help, required, level, choices, low_label, high_label)
          values (${formId}, ${next}, ${input.kind}, ${input.prompt.trim()}, ${input.help.trim()}, ${input.required}, ${input.level},
                  ${tx.json(choices as never)}, ${scale(input.kind) ? input.lowLabel.trim() : ""}, ${scale(input.kind) ? input.highLabel.trim() : ""})
          returning id`;
        await tx`update feedback_forms set updated_at = now() where id = ${formId}`;
        return row;
      });
    },

    /**
     * Edits a question. Once the form has responses, answers must keep their meaning: the kind
     * can't change and existing options can't be removed (relabelled or added to, yes).
     */
    async updateQuestion({ workspaceId, formId, questionId, input }: { workspaceId: string; formId: string; questionId: string; input: QuestionInput }): Promise<void> {
      const form = await requireForm(workspaceId, formId);
      const [current] = await sql<QuestionRow[]>`
        select id, kind, prompt, help, required, level, choices, low_label as "lowLabel", high_label as "highLabel"
        from feedback_questions where id = ${UUID.test(questionId) ? questionId : null} and form_id = ${formId}`;
      if (!current) throw new ServiceError("not_found", "This question doesn't exist.");
      const choices = choicesFor(input, current.choices);
      if (form.responseCount > 0) {
        if (input.kind !== current.kind) throw new ServiceError("invalid", "This form has responses: a question's type can't change.", "kind");
        const kept = new Set(choices.map((c) => c.id));
        if (current.choices.some((c) => !kept.has(c.id)))
          throw new ServiceError("invalid", "This form has responses: options can be renamed or added, not removed.", "choices");
      }
      await sql`
        update feedback_questions set kind = ${input.kind}, prompt = ${input.prompt.trim()}, help = ${input.help.trim()},
          required = ${input.required}, level = ${input.level}, choices = ${sql.json(choices as never)},
          low_label = ${scale(input.kind) ? input.lowLabel.trim() : ""}, high_label = ${scale(input.kind) ? input.highLabel.trim() : ""}
        where id = ${questionId}`;
      await sql`update feedback_forms set updated_at = now() where id = ${formId}`;
    },

    async moveQuestion({ workspaceId, formId, questionId, by }: { workspaceId: string; formId: string; questionId: string; by: -1 | 1 }): Promise<void> {
      await requireForm(workspaceId, formId);
      await sql.begin(async (tx) => {
        const rows = await tx<{ id: string }[]>`select id from feedback_questions where form_id = ${formId} order by position, created_at, id for update`;
        const at = rows.findIndex((r) => r.id === questionId);
        if (at < 0) throw new ServiceError("not_found", "This question doesn't exist.");
        const to = at + by;
        if (to < 0 || to >= rows.length) return;
        const order = rows.map((r) => r.id);
        [order[at], order[to]] = [order[to], order[at]];
        for (const [i, id] of order.entries()) await tx`update feedback_questions set position = ${i + 1} where id = ${id}`;
      });
    },

    async removeQuestion({ workspaceId, formId, questionId }: { workspaceId: string; formId: string; questionId: string }): Promise<void> {
      await sql.begin(async (tx) => {
        const [form] = await tx<{ id: string }[]>`select id from feedback_forms where id = ${UUID.test(formId) ? formId : null} and workspace_id = ${workspaceId} for update`;
        if (!form) throw new ServiceError("not_found", "This form doesn't exist.");
        const [{ responses }] = await tx<{ responses: number }[]>`select count(*)::int as responses from feedback_responses where form_id = ${formId}`;
        if (responses > 0) throw new ServiceError("conflict", "This form has responses, so its questions can't be removed. Close it and create a new version instead.");
        const rows = await tx`delete from feedback_questions where id = ${UUID.test(questionId) ? questionId : null} and form_id = ${formId} returning id`;
        if (!rows.length) throw new ServiceError("not_found", "This question doesn't exist.");
      });
    },

    /** Opens (minting a public link if there is none) or closes a form. */
    async setStatus({ workspaceId, formId, status }: { workspaceId: string; formId: string; status: "open" | "closed" }): Promise<void> {
      const form = await requireForm(workspaceId, formId);
      if (status === "open") {
        const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from feedback_questions where form_id = ${formId}`;
        if (count === 0) throw new ServiceError("invalid", "Add at least one question before opening the form.");
        await sql`
          update feedback_forms set status = 'open', opened_at = coalesce(opened_at, now()), closed_at = null,
            public_token = coalesce(public_token, ${newPublicToken()}), updated_at = now()
          where id = ${form.id}`;
      } else {
        await sql`update feedback_forms set status = 'closed', closed_at = now(), updated_at = now() where id = ${form.id}`;
      }
    },

    /** A new public link (the old one stops working), or none at all. */
    async setLink({ workspaceId, formId, link }: { workspaceId: string; formId: string; link: "rotate" | "revoke" }): Promise<void> {
      const form = await requireForm(workspaceId, formId);
      await sql`update feedback_forms set public_token = ${link === "rotate" ? newPublicToken() : null}, updated_at = now() where id = ${form.id}`;
    },

    async remove({ workspaceId, formId }: { workspaceId: string; formId: string }): Promise<void> {
      const form = await requireForm(workspaceId, formId);
      if (form.responseCount > 0) throw new ServiceError("conflict", "This form has responses; close it instead of deleting it.");
      await sql`delete from feedback_forms where id = ${form.id}`;
    },

    /** The form behind a public link, or null when the link is wrong or revoked. */
    async publicForm(token: string): Promise<PublicForm | null> {
      if (!/^[A-Za-z0-9_-]{32,64}$/.test(token)) return null;
      const [form] = await sql<Omit<PublicForm, "questions">[]>`
        select f.id, f.title, f.intro, f.status, f.one_per_browser as "onePerBrowser", p.title as "prototypeTitle"
        from feedback_forms f join prototypes p on p.id = f.prototype_id
        where f.public_token = ${token} and p.archived_at is null`;
      if (!form) return null;
      return { ...form, questions: (await questionsOf(form.id)).map(toQuestion) };
    },

    /**
     * Stores one response, whole or not at all. Checks, in order: the link, the form being open,
     * the sender's rate, the answers, a repeated submission of the same page, one per browser.
     */
    async submit(input: { token: string; values: Map<string, string[]>; submissionId: string; ip: string; browserId: string | null }): Promise<SubmitResult> {
      const fail = (status: 400 | 404 | 409 | 410 | 429, formError: string | null, errors: AnswerErrors = {}): SubmitResult => ({ ok: false, status, formError, errors });
      if (!/^[A-Za-z0-9_-]{32,64}$/.test(input.token)) return fail(404, "This feedback link is not valid. Check that you copied the whole link.");
      if (!UUID.test(input.submissionId)) return fail(400, "This page is out of date. Please reload it and answer again.");
      const ipHash = hash(`ip:${input.ip}`);
      // Two round trips: one read for every check, then one statement that stores the response, its
      // answers and its xAPI statements together, and only while the form is still open.
      const [form] = await sql<(FormHead & { recent: number; lrs: boolean; questions: QuestionRow[] })[]>`
        select f.id, f.status, f.one_per_browser as "onePerBrowser", f.workspace_id as "workspaceId", f.title,
               f.prototype_id as "prototypeId", p.title as "prototypeTitle",
               (select count(*)::int from feedback_responses r
                 where r.ip_hash = ${ipHash} and r.submitted_at > now() - interval '1 minute') as recent,
               coalesce((select s.enabled from lrs_settings s where s.workspace_id = f.workspace_id), false) as lrs,
               (select coalesce(json_agg(json_build_object(
                         'id', q.id, 'kind', q.kind, 'prompt', q.prompt, 'help', q.help, 'required', q.required, 'level', q.level,
                         'choices', q.choices, 'lowLabel', q.low_label, 'highLabel', q.high_label)
                       order by q.position, q.created_at, q.id), '[]')
                from feedback_questions q where q.form_id = f.id) as questions
        from feedback_forms f join prototypes p on p.id = f.prototype_id
        where f.public_token = ${input.token} and p.archived_at is null`;
      if (!form) return fail(404, "This feedback link is not valid or has been turned off by the team.");
      const closed = () => fail(410, form.status === "draft" ? "This form is not open yet." : "This form is closed and no longer takes answers. Thank you for your interest.");
      if (form.status !== "open") return closed();
      if (form.recent >= SUBMISSIONS_PER_IP_PER_MINUTE) return fail(429, "Too many answers from your network in the last minute. Please wait a minute and try again.");
      const questions = form.questions.map(toQuestion);
      const checked = validateAnswers(questions, input.values);
      if (!checked.ok) return fail(400, checked.formError ?? "Some answers need another look.", checked.errors);
      const browserKey = form.onePerBrowser && input.browserId ? hash(`browser:${form.id}:${input.browserId}`) : null;
      const responseId = randomUUID();
      const answers = checked.answers.map((a) => ({ question_id: a.questionId, number_value: a.number, choice_ids: a.choices, text_value: a.text }));
      // Statements for the workspace's LRS go into the outbox with the response: both or neither.
      const statements = form.lrs
        ? buildStatements({
            base: xapiBase,
            form: { id: form.id, title: form.title },
            prototype: { id: form.prototypeId, title: form.prototypeTitle },
            questions,
            response: { id: responseId, submittedAt: new Date() },
            answers: checked.answers,
          }).map((st) => ({ id: st.id, statement: st }))
        : [];
      try {
        // FOR SHARE: concurrent answers proceed together, a concurrent close waits for them; an
        // answer arriving after a close finds no open form and stores nothing. Answers' submitted_at
        // defaults to now(), this statement's time, the same as the response's.
        const [outcome] = await sql<{ open: number; stored: number }[]>`
          with open_form as (
            select id from feedback_forms where id = ${form.id} and status = 'open' for share
          ), response as (
            insert into feedback_responses (id, form_id, submission_id, browser_key, ip_hash)
            select ${responseId}, open_form.id, ${input.submissionId}, ${browserKey}, ${ipHash} from open_form
            on conflict (form_id, submission_id) do nothing
            returning id
          ), answers as (
            insert into feedback_answers (response_id, question_id, form_id, number_value, choice_ids, text_value)
            select response.id, a.question_id, ${form.id}, a.number_value, a.choice_ids, a.text_value
            from response cross join jsonb_to_recordset(${sql.json(answers as never)}::jsonb)
              as a(question_id uuid, number_value smallint, choice_ids text[], text_value text)
          ), outbox as (
            insert into xapi_outbox (id, workspace_id, form_id, response_id, statement)
            select s.id, ${form.workspaceId}, ${form.id}, response.id, s.statement
            from response cross join jsonb_to_recordset(${sql.json(statements as never)}::jsonb) as s(id uuid, statement jsonb)
          )
          select (select count(*) from open_form)::int as open, (select count(*) from response)::int as stored`;
        if (!outcome.open) return closed();
        if (!outcome.stored) return fail(409, "We already have this response; it was not stored twice. Thank you!");
        return { ok: true, responseId, formId: form.id };
      } catch (error) {
        if (pgCode(error) === "23505") return fail(409, "You have already answered this form from this browser. Thank you!");
        throw error;
      }
    },

    responsePages,

    /** The form's responses as CSV, produced page by page (stream it; never all in memory). */
    async *csv({ workspaceId, formId }: { workspaceId: string; formId: string }): AsyncGenerator<string> {
      const { questions } = await getForm({ workspaceId, formId });
      const header = ["Response", "Submitted at (UTC)"];
      for (const q of questions) {
        header.push(`${q.prompt} [L${q.level}]`);
        if (q.kind === "nps") header.push(`${q.prompt} — why?`);
      }
      yield CSV_BOM + csvLine(header);
      for await (const page of responsePages({ workspaceId, formId })) {
        let chunk = "";
        for (const row of page) {
          const byQuestion = new Map(row.answers.map((a) => [a.q, a]));
          const cells: (string | number | null)[] = [row.id, row.submittedAt.toISOString()];
          for (const q of questions) {
            const a = byQuestion.get(q.id);
            if (q.kind === "rating" || q.kind === "nps") {
              cells.push(a?.n ?? null);
              if (q.kind === "nps") cells.push(a?.t ?? null);
            } else if (q.kind === "text") {
              cells.push(a?.t ?? null);
            } else {
              const labels = new Map(q.choices.map((c) => [c.id, c.label]));
              cells.push(a?.c ? a.c.map((id) => labels.get(id) ?? id).join("; ") : null);
            }
          }
          chunk += csvLine(cells);
        }
        yield chunk;
      }
    },

    /** Every answer of a form as xAPI statements, a page of responses at a time. */
    async *statements({ workspaceId, formId }: { workspaceId: string; formId: string }): AsyncGenerator<Statement[]> {
      const { form, questions } = await getForm({ workspaceId, formId });
      for await (const page of responsePages({ workspaceId, formId })) {
        yield page.flatMap((row) =>
          buildStatements({
            base: xapiBase,
            form: { id: form.id, title: form.title },
            prototype: { id: form.prototypeId, title: form.prototypeTitle },
            questions,
            response: { id: row.id, submittedAt: row.submittedAt },
            answers: row.answers.map((a) => ({ questionId: a.q, number: a.n, choices: a.c, text: a.t })),
          }),
        );
      }
    },

    async lrs(workspaceId: string): Promise<LrsSettings | null> {
      const [row] = await sql<(LrsSettings & { password: string })[]>`
        select endpoint, username, password, enabled, updated_at as "updatedAt" from lrs_settings where workspace_id = ${workspaceId}`;
      if (!row) return null;
      const { password, ...rest } = row;
      return { ...rest, hasPassword: password !== "" };
    },

    /** Saves the LRS connection; a null password keeps the stored one. */
    async setLrs({ workspaceId, input }: { workspaceId: string; input: { endpoint: string; username: string; password: string | null; enabled: boolean } }): Promise<void> {
      let endpoint: URL;
      try {
        endpoint = new URL(input.endpoint.trim());
      } catch {
        throw new ServiceError("invalid", "Enter the LRS endpoint as a URL, e.g. https://lrs.example.com/xapi/", "endpoint");
      }
      if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") throw new ServiceError("invalid", "The endpoint must start with https:// or http://", "endpoint");
      const url = endpoint.toString();
      await sql`
        insert into lrs_settings (workspace_id, endpoint, username, password, enabled)
        values (${workspaceId}, ${url}, ${input.username.trim()}, ${input.password ?? ""}, ${input.enabled})
        on conflict (workspace_id) do update set endpoint = excluded.endpoint, username = excluded.username,
          password = ${input.password === null ? sql`lrs_settings.password` : sql`excluded.password`}, enabled = excluded.enabled, updated_at = now()`;
    },

    async removeLrs(workspaceId: string): Promise<void> {
      await sql`delete from lrs_settings where workspace_id = ${workspaceId}`;
    },

    /** How sending to the LRS is going: what waits, what was sent, the last problem. */
    async lrsStatus(workspaceId: string): Promise<LrsStatus> {
      const [row] = await sql<LrsStatus[]>`
        select count(*) filter (where status = 'pending')::int as pending,
               count(*) filter (where status = 'sent')::int as sent,
               count(*) filter (where status = 'pending' and attempts > 0)::int as retrying,
               max(sent_at) as "lastSentAt",
               min(next_attempt_at) filter (where status = 'pending') as "nextAttemptAt",
               (select last_error from xapi_outbox e where e.workspace_id = ${workspaceId} and e.status = 'pending' and e.last_error is not null
                order by e.next_attempt_at desc limit 1) as "lastError"
        from xapi_outbox where workspace_id = ${workspaceId}`;
      return row;
    },

    /** The criterion bindings of a prototype's cards, each with what the evidence says now. */
    async bindings({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<CriterionBinding[]> {
      const rows = await sql<BindingRow[]>`
        select b.card_id as "cardId", b.question_id as "questionId", b.rule, b.threshold::float8 as threshold, b.choice_id as "choiceId",
               b.min_responses as "minResponses", q.prompt, q.kind, q.choices, f.id as "formId", f.title as "formTitle"
        from criterion_bindings b
        join feedback_questions q on q.id = b.question_id
        join feedback_forms f on f.id = q.form_id
        join prototypes p on p.id = b.prototype_id
        where b.prototype_id = ${prototypeId} and p.workspace_id = ${workspaceId}
        order by b.card_id`;
      return Promise.all(rows.map(withEvaluation));
    },

    /** The binding of one card and its evaluation (the collaboration server computes verdicts with it). */
    async evaluateCard(prototypeId: string, cardId: string): Promise<CriterionBinding | null> {
      const [row] = await sql<BindingRow[]>`
        select b.card_id as "cardId", b.question_id as "questionId", b.rule, b.threshold::float8 as threshold, b.choice_id as "choiceId",
               b.min_responses as "minResponses", q.prompt, q.kind, q.choices, f.id as "formId", f.title as "formTitle"
        from criterion_bindings b
        join feedback_questions q on q.id = b.question_id
        join feedback_forms f on f.id = q.form_id
        where b.prototype_id = ${prototypeId} and b.card_id = ${cardId}`;
      return row ? withEvaluation(row) : null;
    },

    /**
     * Binds a card's success criterion to a question of one of the prototype's forms. Only while
     * the card is planned: once it has started, its criterion is locked, binding included.
     */
    async bind({
      workspaceId,
      prototypeId,
      cardId,
      userId,
      input,
    }: {
      workspaceId: string;
      prototypeId: string;
      cardId: string;
      userId: string;
      input: { questionId: string; rule: Rule; threshold: number; choiceId: string | null; minResponses: number };
    }): Promise<void> {
      if (!/^[0-9a-z-]{8,64}$/i.test(cardId)) throw new ServiceError("not_found", "This card doesn't exist.");
      const [question] = await sql<{ kind: QuestionKind; choices: Choice[] }[]>`
        select q.kind, q.choices from feedback_questions q join feedback_forms f on f.id = q.form_id
        where q.id = ${UUID.test(input.questionId) ? input.questionId : null} and f.prototype_id = ${prototypeId} and f.workspace_id = ${workspaceId}`;
      if (!question) throw new ServiceError("invalid", "Choose a question from one of this prototype's feedback forms.", "questionId");
      if (!rulesFor(question.kind).includes(input.rule)) throw new ServiceError("invalid", "That rule doesn't fit this kind of question.", "rule");
      const range = thresholdRange(input.rule, question.kind);
      if (!Number.isFinite(input.threshold) || input.threshold < range.min || input.threshold > range.max)
        throw new ServiceError("invalid", `Choose a threshold from ${range.min} to ${range.max}.`, "threshold");
      if (!Number.isInteger(input.minResponses) || input.minResponses < 1 || input.minResponses > 100000)
        throw new ServiceError("invalid", "The minimum number of responses must be a whole number from 1 to 100000.", "minResponses");
      const choiceId = input.rule === "share_gte" ? input.choiceId : null;
      if (input.rule === "share_gte" && !question.choices.some((c) => c.id === choiceId)) throw new ServiceError("invalid", "Choose one of the question's options.", "choiceId");
      await sql.begin(async (tx) => {
        const [started] = await tx`select 1 from experiment_runs where prototype_id = ${prototypeId} and card_id = ${cardId}`;
        if (started) throw new ServiceError("conflict", "This test has started: its success criterion is locked, and so is what it is bound to.");
        await tx`
          insert into criterion_bindings (prototype_id, card_id, question_id, rule, threshold, choice_id, min_responses, created_by)
          values (${prototypeId}, ${cardId}, ${input.questionId}, ${input.rule}, ${input.threshold}, ${choiceId}, ${input.minResponses}, ${userId})
          on conflict (prototype_id, card_id) do update set question_id = excluded.question_id, rule = excluded.rule, threshold = excluded.threshold,
            choice_id = excluded.choice_id, min_responses = excluded.min_responses, created_by = excluded.created_by, created_at = now()`;
      });
    },

    async unbind({ workspaceId, prototypeId, cardId }: { workspaceId: string; prototypeId: string; cardId: string }): Promise<void> {
      await sql.begin(async (tx) => {
        const [proto] = await tx`select 1 from prototypes where id = ${prototypeId} and workspace_id = ${workspaceId}`;
        if (!proto) throw new ServiceError("not_found", "This prototype doesn't exist in this workspace.");
        const [started] = await tx`select 1 from experiment_runs where prototype_id = ${prototypeId} and card_id = ${cardId}`;
        if (started) throw new ServiceError("conflict", "This test has started: its success criterion is locked, and so is what it is bound to.");
        await tx`delete from criterion_bindings where prototype_id = ${prototypeId} and card_id = ${cardId}`;
      });
    },

    /** Responses to all of a prototype's forms, per day: the pilot's feedback activity as a whole. */
    async activity({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<{ responses: number; perDay: { day: string; count: number }[] }> {
      const perDay = await sql<{ day: string; count: number }[]>`
        select to_char(day, 'YYYY-MM-DD') as day, count from (
          select date_trunc('day', r.submitted_at) as day, count(*)::int as count
          from feedback_responses r join feedback_forms f on f.id = r.form_id
          where f.workspace_id = ${workspaceId} and f.prototype_id = ${prototypeId}
          group by 1
        ) d order by d.day`;
      return { responses: perDay.reduce((sum, d) => sum + d.count, 0), perDay };
    },

    /**
     * The prototype's evidence ladder: for each Kirkpatrick level, how many forms and questions ask
     * about it and how many people answered; `enough` once MIN_SAMPLE people have.
     */
    async evidence({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<EvidenceStep[]> {
      const rows = await sql<{ level: number; forms: number; questions: number; respondents: number; answers: number }[]>`
        select q.level, count(distinct f.id)::int as forms, count(distinct q.id)::int as questions,
               count(distinct a.response_id)::int as respondents, count(a.response_id)::int as answers
        from feedback_forms f
        join feedback_questions q on q.form_id = f.id
        left join feedback_answers a on a.question_id = q.id
        where f.workspace_id = ${workspaceId} and f.prototype_id = ${prototypeId}
        group by q.level`;
      return LEVELS.map((level) => {
        const row = rows.find((r) => r.level === level);
        const respondents = row?.respondents ?? 0;
        return { level, forms: row?.forms ?? 0, questions: row?.questions ?? 0, respondents, answers: row?.answers ?? 0, enough: respondents >= MIN_SAMPLE };
      });
    },

    /** Counts, distributions, means with 95% intervals, NPS, choice shares and the newest texts. */
    async results({ workspaceId, formId }: { workspaceId: string; formId: string }): Promise<FormResults> {
      if (!UUID.test(formId)) throw new ServiceError("not_found", "This form doesn't exist.");
      const [[form], questionRows, perDay, groups, texts] = await Promise.all([
        sql<{ id: string }[]>`select id from feedback_forms where id = ${formId} and workspace_id = ${workspaceId}`,
        questionsOf(formId),
        // Group first, format the ~dozens of days after.
        sql<{ day: string; count: number }[]>`
          select to_char(day, 'YYYY-MM-DD') as day, count from (
            select date_trunc('day', submitted_at) as day, count(*)::int as count
            from feedback_responses where form_id = ${formId} group by 1
          ) d order by d.day`,
        // One pass over the form's answers: numeric distributions, choice combinations and how many answered each question.
        sql<{ questionId: string; value: number | null; choices: string[] | null; count: number }[]>`
          select question_id as "questionId", number_value as value, choice_ids as choices, count(*)::int as count
          from feedback_answers where form_id = ${formId} group by 1, 2, 3`,
        // The newest open-text answers of each question, straight from an index.
        sql<{ questionId: string; text: string; submittedAt: Date }[]>`
          select q.id as "questionId", t.text, t."submittedAt"
          from feedback_questions q
          cross join lateral (
            select a.text_value as text, a.submitted_at as "submittedAt"
            from feedback_answers a
            where a.question_id = q.id and a.text_value is not null
            order by a.submitted_at desc, a.response_id desc limit ${TEXTS_ANALYSED}
          ) t
          where q.form_id = ${formId}`,
      ]);
      if (!form) throw new ServiceError("not_found", "This form doesn't exist.");
      const questions = questionRows.map(toQuestion);
      const responses = perDay.reduce((sum, d) => sum + d.count, 0);
      return {
        responses,
        perDay,
        questions: questions.map((question): QuestionResult => {
          const range = scale(question.kind);
          const dist = new Map<number, number>();
          const chosen = new Map<string, number>();
          let n = 0;
          for (const g of groups) {
            if (g.questionId !== question.id) continue;
            n += g.count;
            if (g.value !== null) dist.set(Number(g.value), (dist.get(Number(g.value)) ?? 0) + g.count);
            for (const c of g.choices ?? []) chosen.set(c, (chosen.get(c) ?? 0) + g.count);
          }
          const questionTexts = texts.filter((t) => t.questionId === question.id).map(({ text, submittedAt }) => ({ text, submittedAt }));
          return {
            question,
            answered: n,
            numeric: range ? summarize(dist) : null,
            nps: question.kind === "nps" ? nps(dist) : null,
            distribution: range ? Array.from({ length: range.max - range.min + 1 }, (_, i) => ({ value: range.min + i, count: dist.get(range.min + i) ?? 0 })) : [],
            choices: question.choices.map((c) => ({ ...c, count: chosen.get(c.id) ?? 0, share: share(chosen.get(c.id) ?? 0, n) })),
            texts: questionTexts,
            themes: extractThemes(questionTexts.map((t) => t.text)),
          };
        }),
      };
    },
  };
}

export type Feedback = ReturnType<typeof createFeedback>;
