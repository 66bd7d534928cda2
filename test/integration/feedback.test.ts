/** The feedback service against a real database: forms, public submission rules, results. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace } from "../helpers/factories.js";
import { answerField, whyField, SUBMISSIONS_PER_IP_PER_MINUTE } from "../../app/lib/feedback/questions.js";
import type { QuestionInput as ServiceQuestionInput } from "../../server/services/feedback.js";
import { answerValues, makeForm, questionInput } from "../helpers/feedback.js";

let app: TestServer;
let ws: { id: string };
let owner: { id: string };
let prototypeId: string;

beforeAll(async () => {
  app = await startTestServer();
  owner = await createUser(app);
  ws = await createWorkspace(app, owner.id);
  prototypeId = (await createPrototype(app, ws.id, { title: "Coaching circles" })).id;
});
afterAll(async () => {
  await app?.close();
});

const feedback = () => app.services.feedback;
const question = questionInput;

async function openForm(questions: ServiceQuestionInput[], options: { onePerBrowser?: boolean } = {}) {
  const made = await makeForm(app, { workspaceId: ws.id, prototypeId, userId: owner.id }, questions, options);
  return { ...made, token: made.token! };
}

const values = answerValues;
let ipCounter = 0;
const freshIp = () => `10.1.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
const submit = (token: string, v: Map<string, string[]>, extra: { ip?: string; browserId?: string | null; submissionId?: string } = {}) =>
  feedback().submit({ token, values: v, submissionId: extra.submissionId ?? randomUUID(), ip: extra.ip ?? freshIp(), browserId: extra.browserId ?? null });

async function counts(formId: string) {
  const [row] = await app.db.sql<{ responses: number; answers: number }[]>`
    select (select count(*)::int from feedback_responses where form_id = ${formId}) as responses,
           (select count(*)::int from feedback_answers where form_id = ${formId}) as answers`;
  return row;
}

describe("building forms", () => {
  it("opens only with questions, and opening mints an unguessable public link", async () => {
    const { id } = await feedback().create({
      workspaceId: ws.id,
      prototypeId,
      userId: owner.id,
      input: { title: "Empty", intro: "", cardId: null, followsFormId: null, onePerBrowser: false },
    });
    await expect(feedback().setStatus({ workspaceId: ws.id, formId: id, status: "open" })).rejects.toThrow(/at least one question/);
    await feedback().addQuestion({ workspaceId: ws.id, formId: id, input: question("rating") });
    await feedback().setStatus({ workspaceId: ws.id, formId: id, status: "open" });
    const { form } = await feedback().get({ workspaceId: ws.id, formId: id });
    expect(form.status).toBe("open");
    expect(form.publicToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await feedback().publicForm(form.publicToken!))?.questions).toHaveLength(1);
  });

  it("refuses choice questions without two options and follow-ups of another prototype's form", async () => {
    const { formId } = await openForm([question("text")]);
    await expect(feedback().addQuestion({ workspaceId: ws.id, formId, input: question("single", { choices: [{ label: "Only" }] }) })).rejects.toThrow(/two options/);
    const otherProto = (await createPrototype(app, ws.id)).id;
    const { id: foreign } = await feedback().create({
      workspaceId: ws.id,
      prototypeId: otherProto,
      userId: owner.id,
      input: { title: "Other", intro: "", cardId: null, followsFormId: null, onePerBrowser: false },
    });
    await expect(
      feedback().create({
        workspaceId: ws.id,
        prototypeId,
        userId: owner.id,
        input: { title: "Follow-up", intro: "", cardId: null, followsFormId: foreign, onePerBrowser: false },
      }),
    ).rejects.toThrow(/form of this prototype/);
    const followUp = await feedback().create({
      workspaceId: ws.id,
      prototypeId,
      userId: owner.id,
      input: { title: "60-day check", intro: "", cardId: null, followsFormId: formId, onePerBrowser: false },
    });
    expect((await feedback().get({ workspaceId: ws.id, formId: followUp.id })).form.followsFormTitle).toBe("Week 1 reaction");
  });

  it("keeps answers meaningful once there are responses", async () => {
    const { formId, token, ids, questions } = await openForm([question("single"), question("rating")]);
    expect((await submit(token, values([[answerField(ids[0]), questions[0].choices[0].id]]))).ok).toBe(true);
    await expect(feedback().removeQuestion({ workspaceId: ws.id, formId, questionId: ids[1] })).rejects.toThrow(/can't be removed/);
    await expect(feedback().updateQuestion({ workspaceId: ws.id, formId, questionId: ids[1], input: question("nps") })).rejects.toThrow(/type can't change/);
    const kept = questions[0].choices;
    await expect(
      feedback().updateQuestion({ workspaceId: ws.id, formId, questionId: ids[0], input: question("single", { choices: kept.slice(1) }) }),
    ).rejects.toThrow(/not removed/);
    // Renaming and adding is fine, and ids stay.
    await feedback().updateQuestion({
      workspaceId: ws.id,
      formId,
      questionId: ids[0],
      input: question("single", { choices: [{ id: kept[0].id, label: "Yes, definitely" }, ...kept.slice(1), { label: "Maybe later" }] }),
    });
    const after = (await feedback().get({ workspaceId: ws.id, formId })).questions[0].choices;
    expect(after.map((c) => c.label)).toEqual(["Yes, definitely", "No", "Not sure", "Maybe later"]);
    expect(after[0].id).toBe(kept[0].id);
  });

  it("forms of another workspace are not found", async () => {
    const { formId } = await openForm([question("text")]);
    const stranger = await createUser(app);
    const theirs = await createWorkspace(app, stranger.id);
    await expect(feedback().get({ workspaceId: theirs.id, formId })).rejects.toThrow(/doesn't exist/);
    await expect(feedback().setStatus({ workspaceId: theirs.id, formId, status: "closed" })).rejects.toThrow(/doesn't exist/);
  });
});

describe("public submissions", () => {
  it("stores a valid response whole", async () => {
    const { formId, token, ids, questions } = await openForm([question("rating", { required: true }), question("nps"), question("multiple"), question("text")]);
    const result = await submit(
      token,
      values([
        [answerField(ids[0]), "5"],
        [answerField(ids[1]), "10"],
        [whyField(ids[1]), "Très utile — ça marche"],
        [answerField(ids[2]), [questions[2].choices[0].id, questions[2].choices[2].id]],
        [answerField(ids[3]), "I now run a weekly 1:1"],
      ]),
    );
    expect(result.ok).toBe(true);
    expect(await counts(formId)).toEqual({ responses: 1, answers: 4 });
    const [nps] = await app.db.sql<{ number_value: number; text_value: string }[]>`select number_value, text_value from feedback_answers where question_id = ${ids[1]}`;
    expect(nps).toEqual({ number_value: 10, text_value: "Très utile — ça marche" });
  });

  it("a response with any invalid answer is refused with every error and stores nothing", async () => {
    const { formId, token, ids } = await openForm([question("rating", { required: true }), question("text"), question("single")]);
    const result = await submit(token, values([[answerField(ids[1]), "y".repeat(5001)], [answerField(ids[2]), "not-an-option"]]));
    expect(result).toMatchObject({ ok: false, status: 400 });
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([answerField(ids[0]), answerField(ids[1]), answerField(ids[2])].sort());
    expect(await counts(formId)).toEqual({ responses: 0, answers: 0 });
  });

  it("refuses wrong, revoked and closed links with their own message", async () => {
    const { formId, token, ids } = await openForm([question("rating")]);
    const answer = values([[answerField(ids[0]), "3"]]);
    expect(await submit("x".repeat(40), answer)).toMatchObject({ ok: false, status: 404 });
    expect(await submit("../../etc", answer)).toMatchObject({ ok: false, status: 404 });
    await feedback().setStatus({ workspaceId: ws.id, formId, status: "closed" });
    expect(await submit(token, answer)).toMatchObject({ ok: false, status: 410, formError: expect.stringMatching(/closed/) });
    await feedback().setStatus({ workspaceId: ws.id, formId, status: "open" });
    expect((await submit(token, answer)).ok).toBe(true);
    await feedback().setLink({ workspaceId: ws.id, formId, link: "revoke" });
    expect(await submit(token, answer)).toMatchObject({ ok: false, status: 404 });
    expect(await feedback().publicForm(token)).toBeNull();
    await feedback().setLink({ workspaceId: ws.id, formId, link: "rotate" });
    const fresh = (await feedback().get({ workspaceId: ws.id, formId })).form.publicToken!;
    expect(fresh).not.toBe(token);
    expect((await submit(fresh, answer)).ok).toBe(true);
    expect((await counts(formId)).responses).toBe(2);
  });

  it("a repeated submission of the same page is stored once", async () => {
    const { formId, token, ids } = await openForm([question("rating")]);
    const submissionId = randomUUID();
    const answer = values([[answerField(ids[0]), "4"]]);
    const results = await Promise.all([1, 2, 3].map(() => submit(token, answer, { submissionId })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.status === 409)).toBe(true);
    expect(await counts(formId)).toEqual({ responses: 1, answers: 1 });
  });

  it("one response per browser when the form asks for it", async () => {
    const { formId, token, ids } = await openForm([question("rating")], { onePerBrowser: true });
    const answer = values([[answerField(ids[0]), "4"]]);
    expect((await submit(token, answer, { browserId: "browser-1" })).ok).toBe(true);
    expect(await submit(token, answer, { browserId: "browser-1" })).toMatchObject({ ok: false, status: 409, formError: expect.stringMatching(/this browser/) });
    expect((await submit(token, answer, { browserId: "browser-2" })).ok).toBe(true);
    expect((await counts(formId)).responses).toBe(2);
  });

  it("limits submissions per IP address", async () => {
    const { formId, token, ids } = await openForm([question("rating")]);
    const answer = values([[answerField(ids[0]), "4"]]);
    const ip = "203.0.113.77";
    for (let i = 0; i < SUBMISSIONS_PER_IP_PER_MINUTE; i++) expect((await submit(token, answer, { ip })).ok).toBe(true);
    expect(await submit(token, answer, { ip })).toMatchObject({ ok: false, status: 429 });
    expect((await submit(token, answer, { ip: "203.0.113.78" })).ok).toBe(true);
    expect((await counts(formId)).responses).toBe(SUBMISSIONS_PER_IP_PER_MINUTE + 1);
  });

  it("stored responses are append-only", async () => {
    const { formId, token, ids } = await openForm([question("rating")]);
    await submit(token, values([[answerField(ids[0]), "4"]]));
    await expect(app.db.sql`update feedback_answers set number_value = 1 where form_id = ${formId}`).rejects.toThrow(/append-only/);
    await expect(app.db.sql`update feedback_responses set submitted_at = now() where form_id = ${formId}`).rejects.toThrow(/append-only/);
  });
});

describe("results", () => {
  it("match hand-computed statistics", async () => {
    const { formId, token, ids, questions } = await openForm([question("rating"), question("nps"), question("single"), question("text")]);
    const ratings = [2, 4, 4, 4, 5, 5, 1, 3];
    const scores = [0, 3, 6, 6, 7, 8, 9, 9, 10, 10];
    const [yes, no] = questions[2].choices;
    for (let i = 0; i < 10; i++) {
      const entries: [string, string | string[]][] = [[answerField(ids[1]), String(scores[i])]];
      if (i < ratings.length) entries.push([answerField(ids[0]), String(ratings[i])]);
      if (i < 5) entries.push([answerField(ids[2]), i < 3 ? yes.id : no.id]);
      if (i === 0) entries.push([answerField(ids[3]), "Too long"]);
      expect((await submit(token, values(entries))).ok).toBe(true);
    }
    const results = await feedback().results({ workspaceId: ws.id, formId });
    expect(results.responses).toBe(10);
    expect(results.perDay.reduce((s, d) => s + d.count, 0)).toBe(10);
    const [rating, nps, single, text] = results.questions;
    // ratings: sum 28, n 8, mean 3.5; squares: 2.25+0.25*3+2.25*2+6.25+0.25 = 14 → sd = sqrt(2) = 1.41421
    expect(rating.numeric).toMatchObject({ n: 8, mean: 3.5 });
    expect(rating.numeric!.sd).toBeCloseTo(Math.SQRT2, 5);
    expect(rating.numeric!.ci![0]).toBeCloseTo(3.5 - (2.365 * Math.SQRT2) / Math.sqrt(8), 5);
    expect(rating.distribution).toEqual([1, 2, 3, 4, 5].map((value) => ({ value, count: ratings.filter((r) => r === value).length })));
    expect(nps.nps).toEqual({ n: 10, promoters: 4, passives: 2, detractors: 4, score: 0 });
    expect(nps.distribution).toHaveLength(11);
    expect(single.answered).toBe(5);
    expect(single.choices.map((c) => [c.label, c.count, c.share])).toEqual([
      ["Yes", 3, 0.6],
      ["No", 2, 0.4],
      ["Not sure", 0, 0],
    ]);
    expect(text.texts.map((t) => t.text)).toEqual(["Too long"]);
  });
});

describe("evidence and themes", () => {
  it("the evidence ladder counts people per Kirkpatrick level, and says when there is enough", async () => {
    const proto = (await createPrototype(app, ws.id)).id;
    const make = async (title: string, questions: ServiceQuestionInput[], followsFormId: string | null = null) => {
      const { id } = await feedback().create({ workspaceId: ws.id, prototypeId: proto, userId: owner.id, input: { title, intro: "", cardId: null, followsFormId, onePerBrowser: false } });
      const ids: string[] = [];
      for (const input of questions) ids.push((await feedback().addQuestion({ workspaceId: ws.id, formId: id, input })).id);
      await feedback().setStatus({ workspaceId: ws.id, formId: id, status: "open" });
      return { id, ids, token: (await feedback().get({ workspaceId: ws.id, formId: id })).form.publicToken! };
    };
    const reaction = await make("Reaction", [question("rating", { level: 1 }), question("text", { level: 2 })]);
    const followUp = await make("60 days later", [question("rating", { level: 3 })], reaction.id);
    for (let i = 0; i < 6; i++) await submit(reaction.token, values([[answerField(reaction.ids[0]), "4"], ...(i < 2 ? ([[answerField(reaction.ids[1]), "ok"]] as [string, string][]) : [])]));
    for (let i = 0; i < 3; i++) await submit(followUp.token, values([[answerField(followUp.ids[0]), "3"]]));
    const ladder = await feedback().evidence({ workspaceId: ws.id, prototypeId: proto });
    expect(ladder.map(({ level, forms, questions, respondents, enough }) => ({ level, forms, questions, respondents, enough }))).toEqual([
      { level: 1, forms: 1, questions: 1, respondents: 6, enough: true },
      { level: 2, forms: 1, questions: 1, respondents: 2, enough: false },
      { level: 3, forms: 1, questions: 1, respondents: 3, enough: false },
      { level: 4, forms: 0, questions: 0, respondents: 0, enough: false },
    ]);
  });

  it("results carry the themes of open-text answers, pointing at the answers", async () => {
    const { formId, token, ids } = await openForm([question("text")]);
    for (const text of ["More role play please", "Role play felt awkward", "Slides were long", "Less slides, more role play"]) {
      expect((await submit(token, values([[answerField(ids[0]), text]]))).ok).toBe(true);
    }
    const [textResult] = (await feedback().results({ workspaceId: ws.id, formId })).questions;
    const rolePlay = textResult.themes.find((t) => t.key === "role play")!;
    expect(rolePlay.count).toBe(3);
    expect(rolePlay.answers.map((i) => textResult.texts[i].text).sort()).toEqual(["Less slides, more role play", "More role play please", "Role play felt awkward"]);
    expect(textResult.themes.find((t) => t.key === "slide")?.count).toBe(2);
  });
});
