/** Feedback forms over HTTP: the builder by role, and the public participant page's rules. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, fakeIp, location } from "../helpers/http.js";
import { createPrototype, createUser, createWorkspace, loginClient, memberClient } from "../helpers/factories.js";
import { snapshotTables } from "../helpers/snapshot.js";
import { alerts, markup, unescapeHtml, uniq, visibleText } from "../helpers/pages.js";
import { ANSWER_TEXT_MAX, HONEYPOT_FIELD, SUBMISSIONS_PER_IP_PER_MINUTE, answerField, whyField } from "../../app/lib/feedback/questions.js";
import { MAX_REQUEST_BODY_BYTES } from "../../app/lib/limits.js";
import type { QuestionInput } from "../../server/services/feedback.js";
import { makeForm as makeFeedbackForm, questionInput } from "../helpers/feedback.js";

let app: TestServer;
let ws: { id: string };
let owner: { id: string };
let prototypeId: string;
let editor: HttpClient;
let viewer: HttpClient;
let commenter: HttpClient;

beforeAll(async () => {
  app = await startTestServer();
  owner = await createUser(app);
  ws = await createWorkspace(app, owner.id);
  prototypeId = (await createPrototype(app, ws.id, { title: "Coaching circles" })).id;
  editor = (await memberClient(app, ws.id, "editor")).client;
  viewer = (await memberClient(app, ws.id, "viewer")).client;
  commenter = (await memberClient(app, ws.id, "commenter")).client;
});
afterAll(async () => {
  await app?.close();
});

const feedback = () => app.services.feedback;
const formsPath = () => `/w/${ws.id}/prototypes/${prototypeId}/feedback`;
const builderPath = (formId: string) => `${formsPath()}/${formId}`;

const question = (kind: QuestionInput["kind"], extra: Partial<QuestionInput> = {}) => questionInput(kind, { lowLabel: "Not at all", highLabel: "Completely", ...extra });

/** A form made through the service (the builder's HTTP path has its own tests). */
const makeForm = (questions: QuestionInput[], options: { open?: boolean; onePerBrowser?: boolean } = {}) =>
  makeFeedbackForm(app, { workspaceId: ws.id, prototypeId, userId: owner.id }, questions, { ...options, title: uniq("Week 1 reaction"), intro: "Tell us how it went." });

async function counts(formId: string) {
  const [row] = await app.db.sql<{ responses: number; answers: number }[]>`
    select (select count(*)::int from feedback_responses where form_id = ${formId}) as responses,
           (select count(*)::int from feedback_answers where form_id = ${formId}) as answers`;
  return row;
}

/** A participant: no account, their own cookies and IP. */
const participant = () => new HttpClient(app.url, app.url, { "x-forwarded-for": fakeIp() });

/** The hidden submission id of a public form page. */
function submissionIdOf(html: string): string {
  const m = /name="submissionId" value="([0-9a-f-]{36})"/.exec(markup(html));
  if (!m) throw new Error("no submissionId in the page");
  return m[1];
}

/** The error shown next to a question of the public form. */
function questionError(html: string, field: string): string | null {
  const m = new RegExp(`<p class="field-error" id="${field}-error">([\\s\\S]*?)</p>`).exec(markup(html));
  return m ? unescapeHtml(m[1].replace(/<[^>]+>/g, "")).trim() : null;
}

/** The values of the checked radios or checkboxes of a field, as the page renders them. */
function checkedValues(html: string, field: string): string[] {
  const out: string[] = [];
  for (const [tag] of markup(html).matchAll(/<input\b[^>]*>/g)) {
    if (!tag.includes(`name="${field}"`) || !/\bchecked=""/.test(tag)) continue;
    out.push(/value="([^"]*)"/.exec(tag)![1]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe("the form builder", () => {
  it("an editor creates a form, adds a question of every kind, edits, reorders and opens it", async () => {
    const title = uniq("After the first circle");
    const created = await editor.post(`${formsPath()}?index`, { title, intro: "Five minutes, anonymous.", cardId: "", followsFormId: "", onePerBrowser: "on" });
    expect(created.status).toBe(302);
    const [row] = await app.db.sql<{ id: string; one_per_browser: boolean; status: string }[]>`
      select id, one_per_browser, status from feedback_forms where title = ${title}`;
    expect(row).toMatchObject({ one_per_browser: true, status: "draft" });
    expect(location(created)).toBe(builderPath(row.id));

    const add = (form: Record<string, string>) => editor.post(builderPath(row.id), { intent: "addQuestion", help: "", level: "1", lowLabel: "", highLabel: "", newChoices: "", ...form });
    for (const [kind, extra] of [
      ["rating", { lowLabel: "Useless", highLabel: "Very useful", required: "on" }],
      ["nps", { level: "1" }],
      ["single", { newChoices: "Daily\nWeekly\nNever" }],
      ["multiple", { newChoices: "Coaching\nFeedback", level: "2" }],
      ["text", { level: "3" }],
    ] as const) {
      const res = await add({ kind, prompt: `A ${kind} question`, ...extra });
      expect(res.status, kind).toBe(302);
    }
    let { questions } = await feedback().get({ workspaceId: ws.id, formId: row.id });
    expect(questions.map((q) => q.kind)).toEqual(["rating", "nps", "single", "multiple", "text"]);
    expect(questions[0]).toMatchObject({ required: true, lowLabel: "Useless", highLabel: "Very useful", level: 1 });
    expect(questions[2].choices.map((c) => c.label)).toEqual(["Daily", "Weekly", "Never"]);
    expect(questions[4].level).toBe(3);

    // Editing a choice question keeps the ids of the options it keeps, and adds new ones.
    const single = questions[2];
    const body = new URLSearchParams({ intent: "saveQuestion", questionId: single.id, kind: "single", prompt: "How often?", help: "", level: "3", lowLabel: "", highLabel: "" });
    body.append("choiceId", single.choices[0].id);
    body.append("choiceLabel", "Every day");
    body.append("choiceId", single.choices[1].id);
    body.append("choiceLabel", "Every week");
    body.append("choiceId", single.choices[2].id);
    body.append("choiceLabel", "");
    body.append("newChoices", "Monthly");
    const edited = await editor.request(builderPath(row.id), { method: "POST", body });
    expect(edited.status).toBe(302);
    ({ questions } = await feedback().get({ workspaceId: ws.id, formId: row.id }));
    const after = questions.find((q) => q.id === single.id)!;
    expect(after.prompt).toBe("How often?");
    expect(after.choices.map((c) => c.label)).toEqual(["Every day", "Every week", "Monthly"]);
    expect(after.choices[0].id).toBe(single.choices[0].id);
    expect(after.choices[1].id).toBe(single.choices[1].id);

    // Up and down.
    expect((await editor.post(builderPath(row.id), { intent: "moveUp", questionId: questions[1].id })).status).toBe(302);
    const moved = (await feedback().get({ workspaceId: ws.id, formId: row.id })).questions;
    expect(moved.map((q) => q.kind)).toEqual(["nps", "rating", "single", "multiple", "text"]);
    expect((await editor.post(builderPath(row.id), { intent: "moveDown", questionId: moved[0].id })).status).toBe(302);
    expect((await feedback().get({ workspaceId: ws.id, formId: row.id })).questions.map((q) => q.kind)).toEqual(["rating", "nps", "single", "multiple", "text"]);

    // Remove (no responses yet), then open: a public link appears on the page.
    expect((await editor.post(builderPath(row.id), { intent: "removeQuestion", questionId: questions[3].id })).status).toBe(302);
    expect((await feedback().get({ workspaceId: ws.id, formId: row.id })).questions).toHaveLength(4);
    expect((await editor.post(builderPath(row.id), { intent: "open" })).status).toBe(302);
    const { form } = await feedback().get({ workspaceId: ws.id, formId: row.id });
    expect(form.status).toBe("open");
    const page = await editor.get(builderPath(row.id));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`/f/${form.publicToken}`);
    const pub = await participant().get(`/f/${form.publicToken}`);
    expect(pub.status).toBe(200);
    expect(visibleText(await pub.text())).toContain("How often?");
  });

  it("rotating the link retires the old one; revoking leaves none; closing refuses answers", async () => {
    const { formId, token } = await makeForm([question("rating")]);
    expect((await editor.post(builderPath(formId), { intent: "rotateLink" })).status).toBe(302);
    const rotated = (await feedback().get({ workspaceId: ws.id, formId })).form.publicToken;
    expect(rotated).not.toBe(token);
    expect((await participant().get(`/f/${token}`)).status).toBe(404);
    expect((await participant().get(`/f/${rotated}`)).status).toBe(200);
    expect((await editor.post(builderPath(formId), { intent: "revokeLink" })).status).toBe(302);
    expect((await feedback().get({ workspaceId: ws.id, formId })).form.publicToken).toBeNull();
    expect((await participant().get(`/f/${rotated}`)).status).toBe(404);
    expect((await editor.post(builderPath(formId), { intent: "rotateLink" })).status).toBe(302);
    expect((await editor.post(builderPath(formId), { intent: "close" })).status).toBe(302);
    const closed = (await feedback().get({ workspaceId: ws.id, formId })).form;
    expect(closed.status).toBe("closed");
    const res = await participant().get(`/f/${closed.publicToken}`);
    expect(res.status).toBe(410);
    expect(visibleText(await res.text())).toContain("This form is closed");
  });

  it("refuses a bad question with the reason next to the field, and changes nothing", async () => {
    const { formId } = await makeForm([], { open: false });
    const cases: [Record<string, string>, string][] = [
      [{ kind: "single", prompt: "Pick one", newChoices: "Only one" }, "Give at least two options."],
      [{ kind: "rating", prompt: "   " }, "Question is required."],
      [{ kind: "essay", prompt: "Hm" }, "Choose a question type."],
      [{ kind: "rating", prompt: "x".repeat(501) }, "Question must be at most 500 characters."],
      [{ kind: "rating", prompt: "Level?", level: "7" }, "Choose a Kirkpatrick level."],
    ];
    for (const [form, message] of cases) {
      const before = await snapshotTables(app.db.sql);
      const res = await editor.post(builderPath(formId), { intent: "addQuestion", help: "", level: "1", lowLabel: "", highLabel: "", newChoices: "", ...form });
      expect(res.status, message).toBe(400);
      expect(alerts(await res.text())).toContain(message);
      expect(await snapshotTables(app.db.sql)).toEqual(before);
    }
    // Opening an empty form is refused with the reason.
    const res = await editor.post(builderPath(formId), { intent: "open" });
    expect(res.status).toBe(400);
    expect(alerts(await res.text())).toContain("Add at least one question before opening the form.");
  });

  it("refuses to remove a question once the form has responses, saying why", async () => {
    const { formId, token, questions } = await makeForm([question("rating"), question("text")]);
    const ok = await feedback().submit({ token: token!, values: new Map([[answerField(questions[0].id), ["4"]]]), submissionId: randomUUID(), ip: fakeIp(), browserId: null });
    expect(ok.ok).toBe(true);
    const before = await snapshotTables(app.db.sql);
    const res = await editor.post(builderPath(formId), { intent: "removeQuestion", questionId: questions[1].id });
    expect(res.status).toBe(400);
    expect(alerts(await res.text()).join(" ")).toContain("This form has responses, so its questions can't be removed.");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  const INTENT_FORMS: [string, (q: string) => Record<string, string>][] = [
    ["saveForm", () => ({ title: "Hijacked", intro: "", cardId: "", followsFormId: "" })],
    ["addQuestion", () => ({ kind: "rating", prompt: "Planted?", level: "1" })],
    ["saveQuestion", (q) => ({ questionId: q, kind: "rating", prompt: "Changed?", level: "1" })],
    ["moveDown", (q) => ({ questionId: q })],
    ["removeQuestion", (q) => ({ questionId: q })],
    ["open", () => ({})],
    ["close", () => ({})],
    ["rotateLink", () => ({})],
    ["revokeLink", () => ({})],
    ["deleteForm", () => ({})],
  ];

  it.each([
    ["a viewer", () => viewer],
    ["a commenter", () => commenter],
  ])("%s gets 403 for every builder action and nothing changes, but can read the form and its results", async (_, who) => {
    const client = who();
    const { formId, questions } = await makeForm([question("rating"), question("text")]);
    for (const [intent, form] of INTENT_FORMS) {
      const before = await snapshotTables(app.db.sql);
      const res = await client.post(builderPath(formId), { intent, ...form(questions[0].id) });
      expect(res.status, intent).toBe(403);
      await res.text();
      expect(await snapshotTables(app.db.sql), intent).toEqual(before);
    }
    const before = await snapshotTables(app.db.sql);
    const create = await client.post(`${formsPath()}?index`, { title: "Planted form", intro: "" });
    expect(create.status).toBe(403);
    expect(await snapshotTables(app.db.sql)).toEqual(before);

    const builder = await client.get(builderPath(formId));
    expect(builder.status).toBe(200);
    const text = await builder.text();
    expect(visibleText(text)).toContain(questions[0].prompt);
    expect(text).not.toContain('value="saveForm"');
    const results = await client.get(`${builderPath(formId)}/results`);
    expect(results.status).toBe(200);
    const list = await client.get(formsPath());
    expect(list.status).toBe(200);
    expect(visibleText(await list.text())).not.toContain("Create form");
  });

  it("a form can be tied to one of the prototype's experiment cards, and to no other card", async () => {
    const cardId = `card-${randomUUID().slice(0, 8)}`;
    await app.db.sql`
      insert into experiment_cards (prototype_id, card_id, workspace_id, name, status, rank, hypothesis, test, metric, criterion, believed, observed, learned, therefore)
      values (${prototypeId}, ${cardId}, ${ws.id}, 'Circles build confidence', 'running', 'a0', '', '', '', '', '', '', '', '')`;
    const page = await editor.get(formsPath());
    expect(visibleText(await page.text())).toContain("Circles build confidence");
    const before = await snapshotTables(app.db.sql);
    const refused = await editor.post(`${formsPath()}?index`, { title: uniq("Tied form"), intro: "", cardId: "card-not-here", followsFormId: "" });
    expect(refused.status).toBe(400);
    expect(alerts(await refused.text())).toContain("Choose an experiment card of this prototype.");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
    const title = uniq("Tied form");
    const res = await editor.post(`${formsPath()}?index`, { title, intro: "", cardId, followsFormId: "" });
    expect(res.status).toBe(302);
    const [row] = await app.db.sql<{ card_id: string }[]>`select card_id from feedback_forms where title = ${title}`;
    expect(row.card_id).toBe(cardId);
  });

  it("a form of another prototype is not found through this prototype's URL", async () => {
    const otherProto = await createPrototype(app, ws.id);
    const { id } = await feedback().create({ workspaceId: ws.id, prototypeId: otherProto.id, userId: owner.id, input: { title: "Elsewhere", intro: "", cardId: null, followsFormId: null, onePerBrowser: false } });
    expect((await editor.get(builderPath(id))).status).toBe(404);
    const before = await snapshotTables(app.db.sql);
    expect((await editor.post(builderPath(id), { intent: "saveForm", title: "Moved?", intro: "" })).status).toBe(404);
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------

describe("the public form page", () => {
  let form: Awaited<ReturnType<typeof makeForm>>;
  /** rating (required), nps (required), single, multiple, text (required). */
  let q: { rating: string; nps: string; single: string; multiple: string; text: string };
  let choice: { single: string; multiple: string[] };

  beforeAll(async () => {
    form = await makeForm([
      question("rating", { required: true, prompt: "How useful was the circle?" }),
      question("nps", { required: true, prompt: "Would you recommend it?" }),
      question("single", { prompt: "How often will you use it?" }),
      question("multiple", { prompt: "What helped?" }),
      question("text", { required: true, prompt: "What will you do differently?" }),
    ]);
    const [rating, nps, single, multiple, text] = form.questions;
    q = { rating: rating.id, nps: nps.id, single: single.id, multiple: multiple.id, text: text.id };
    choice = { single: single.choices[0].id, multiple: multiple.choices.map((c) => c.id) };
  });

  const valid = (): Record<string, string> => ({
    [answerField(q.rating)]: "4",
    [answerField(q.nps)]: "9",
    [whyField(q.nps)]: "Practical",
    [answerField(q.single)]: choice.single,
    [answerField(q.text)]: "Ask more questions",
    [HONEYPOT_FIELD]: "",
  });

  /** Loads the page as a participant and posts answers with the page's submission id. */
  async function answer(answers: Record<string, string> | URLSearchParams, client = participant()) {
    const page = await client.get(`/f/${form.token}`);
    expect(page.status).toBe(200);
    const submissionId = submissionIdOf(await page.text());
    const body = new URLSearchParams(answers);
    body.set("submissionId", submissionId);
    const res = await client.request(`/f/${form.token}`, { method: "POST", body });
    return { res, html: await res.text(), submissionId, client };
  }

  it("shows the form without an account, standalone, with a submission id, a hidden honeypot and a browser cookie", async () => {
    const client = participant();
    const res = await client.get(`/f/${form.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("pl_browser="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Max-Age=\d{8}/);
    const html = await res.text();
    const text = visibleText(html);
    for (const p of ["How useful was the circle?", "Would you recommend it?", "What will you do differently?", "Tell us how it went."]) expect(text).toContain(p);
    expect(text).not.toContain("Log out");
    expect(submissionIdOf(html)).toMatch(/^[0-9a-f-]{36}$/);
    expect(markup(html)).toMatch(new RegExp(`<div class="hp" aria-hidden="true">[\\s\\S]*?name="${HONEYPOT_FIELD}"[^>]*tabindex="-1"`, "i"));
    // NPS offers 0..10, rating 1..5.
    expect(markup(html).match(new RegExp(`name="${answerField(q.nps)}"`, "g"))).toHaveLength(11);
    expect(markup(html).match(new RegExp(`name="${answerField(q.rating)}"`, "g"))).toHaveLength(5);
  });

  it("stores a valid response whole and says thank you", async () => {
    const before = await counts(form.formId);
    const body = new URLSearchParams(valid());
    body.append(answerField(q.multiple), choice.multiple[0]);
    body.append(answerField(q.multiple), choice.multiple[1]);
    const { res, client } = await answer(body);
    // Post/redirect/get: the thank-you page is its own URL.
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`/f/${form.token}/thanks`);
    const thanks = await client.get(location(res)!);
    expect(thanks.status).toBe(200);
    expect(visibleText(await thanks.text())).toContain("Thank you!");
    const after = await counts(form.formId);
    expect(after.responses).toBe(before.responses + 1);
    expect(after.answers).toBe(before.answers + 5);
  });

  const invalid: [string, () => Record<string, string>, () => [string, string]][] = [
    ["a missing required rating", () => ({ ...valid(), [answerField(q.rating)]: "" }), () => [answerField(q.rating), "Please choose a score."]],
    ["a missing required text", () => ({ ...valid(), [answerField(q.text)]: "  " }), () => [answerField(q.text), "Please write an answer."]],
    ["a rating out of range", () => ({ ...valid(), [answerField(q.rating)]: "6" }), () => [answerField(q.rating), "Choose a score from 1 to 5."]],
    ["an NPS out of range", () => ({ ...valid(), [answerField(q.nps)]: "11" }), () => [answerField(q.nps), "Choose a score from 0 to 10."]],
    ["a rating that is not a number", () => ({ ...valid(), [answerField(q.rating)]: "four" }), () => [answerField(q.rating), "Choose a score from 1 to 5."]],
    ["an option of another question", () => ({ ...valid(), [answerField(q.single)]: choice.multiple[0] }), () => [answerField(q.single), "That option is not part of this question."]],
    ["an open text one character too long", () => ({ ...valid(), [answerField(q.text)]: "x".repeat(ANSWER_TEXT_MAX + 1) }), () => [answerField(q.text), `Keep this to ${ANSWER_TEXT_MAX} characters or fewer.`]],
    ["an NPS reason one character too long", () => ({ ...valid(), [whyField(q.nps)]: "y".repeat(ANSWER_TEXT_MAX + 1) }), () => [whyField(q.nps), `Keep this to ${ANSWER_TEXT_MAX} characters or fewer.`]],
  ];

  it.each(invalid)("refuses %s with 400, the error next to the question, the answers kept, and stores nothing", async (_, answers, expected) => {
    const before = await snapshotTables(app.db.sql);
    const [field, message] = expected();
    const { res, html } = await answer(answers());
    expect(res.status).toBe(400);
    expect(questionError(html, field)).toBe(message);
    expect(alerts(html).join(" ")).toContain("Some answers need another look.");
    // The other answers are still filled in.
    if (field !== answerField(q.rating)) expect(checkedValues(html, answerField(q.rating))).toEqual(["4"]);
    if (field !== answerField(q.nps)) expect(checkedValues(html, answerField(q.nps))).toEqual(["9"]);
    if (field !== answerField(q.single)) expect(checkedValues(html, answerField(q.single))).toEqual([choice.single]);
    if (field !== answerField(q.text)) expect(markup(html)).toContain(">Ask more questions</textarea>");
    if (field !== whyField(q.nps)) expect(markup(html)).toContain(">Practical</textarea>");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("refuses an answer to a question that is not on the form with 400 and stores nothing", async () => {
    const before = await snapshotTables(app.db.sql);
    const { res, html } = await answer({ ...valid(), [answerField(randomUUID())]: "5" });
    expect(res.status).toBe(400);
    expect(alerts(html).join(" ")).toContain("This form has changed since the page was loaded.");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("stores a page sent twice (same submission id) once, and thanks both times", async () => {
    const before = await counts(form.formId);
    const { res, submissionId, client } = await answer(valid());
    expect(res.status).toBe(303);
    const again = await client.post(`/f/${form.token}`, { ...valid(), submissionId });
    expect(again.status).toBe(303);
    expect(location(again)).toBe(`/f/${form.token}/thanks?note=again`);
    const thanks = visibleText(await (await client.get(location(again)!)).text());
    expect(thanks).toContain("Thank you!");
    expect(thanks).toContain("nothing was stored twice");
    expect((await counts(form.formId)).responses).toBe(before.responses + 1);
  });

  it("a filled honeypot gets a thank-you and stores nothing", async () => {
    const before = await snapshotTables(app.db.sql);
    const { res, html } = await answer({ ...valid(), [HONEYPOT_FIELD]: "http://spam.example" });
    expect(res.status).toBe(200);
    expect(visibleText(html)).toContain("Thank you!");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("a closed form answers 410 and stores nothing", async () => {
    const closed = await makeForm([question("rating")]);
    const client = participant();
    const page = await client.get(`/f/${closed.token}`);
    const submissionId = submissionIdOf(await page.text());
    await feedback().setStatus({ workspaceId: ws.id, formId: closed.formId, status: "closed" });
    const before = await snapshotTables(app.db.sql);
    const res = await client.post(`/f/${closed.token}`, { submissionId, [answerField(closed.questions[0].id)]: "5", [HONEYPOT_FIELD]: "" });
    expect(res.status).toBe(410);
    expect(visibleText(await res.text())).toContain("This form is closed");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("a revoked or wrong link answers 404 to GET and POST and stores nothing", async () => {
    const revoked = await makeForm([question("rating")]);
    const client = participant();
    const submissionId = submissionIdOf(await (await client.get(`/f/${revoked.token}`)).text());
    await feedback().setLink({ workspaceId: ws.id, formId: revoked.formId, link: "revoke" });
    const before = await snapshotTables(app.db.sql);
    for (const token of [revoked.token!, "A".repeat(32), "short", "not a token"]) {
      const path = `/f/${encodeURIComponent(token)}`;
      const get = await client.get(path);
      expect(get.status, token).toBe(404);
      expect(visibleText(await get.text())).toContain("This link doesn't work");
      const post = await client.post(path, { submissionId, [answerField(revoked.questions[0].id)]: "5", [HONEYPOT_FIELD]: "" });
      expect(post.status, token).toBe(404);
      await post.text();
    }
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("refuses an oversized body with 413 before reading it", async () => {
    const before = await snapshotTables(app.db.sql);
    const client = participant();
    const res = await client.post(`/f/${form.token}`, { ...valid(), submissionId: randomUUID(), [answerField(q.text)]: "z".repeat(MAX_REQUEST_BODY_BYTES + 10) });
    expect(res.status).toBe(413);
    await res.text();
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("refuses a cross-site POST (Origin check) with 403", async () => {
    const before = await snapshotTables(app.db.sql);
    const client = new HttpClient(app.url, "https://evil.example", { "x-forwarded-for": fakeIp() });
    const res = await client.post(`/f/${form.token}`, { ...valid(), submissionId: randomUUID() });
    expect(res.status).toBe(403);
    await res.text();
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("a one-per-browser form takes one response per browser cookie", async () => {
    const once = await makeForm([question("rating", { required: true })], { onePerBrowser: true });
    const client = participant();
    const send = async () => {
      const page = await client.get(`/f/${once.token}`);
      const submissionId = submissionIdOf(await page.text());
      const res = await client.post(`/f/${once.token}`, { submissionId, [answerField(once.questions[0].id)]: "5", [HONEYPOT_FIELD]: "" });
      await res.text();
      return { status: res.status, text: res.status === 303 ? visibleText(await (await client.get(location(res)!)).text()) : "" };
    };
    expect((await send()).status).toBe(303);
    const second = await send();
    expect(second.status).toBe(303);
    expect(second.text).toContain("We already have your answers from this page or this browser");
    expect((await counts(once.formId)).responses).toBe(1);
    // Another browser (another cookie) may answer.
    const other = participant();
    const page = await other.get(`/f/${once.token}`);
    const res = await other.post(`/f/${once.token}`, { submissionId: submissionIdOf(await page.text()), [answerField(once.questions[0].id)]: "3", [HONEYPOT_FIELD]: "" });
    expect(res.status).toBe(303);
    await res.text();
    expect((await counts(once.formId)).responses).toBe(2);
  });

  it("past the per-network limit, an answer gets 429 with a message, keeps the answers and stores nothing", async () => {
    const limited = await makeForm([question("text", { required: true })]);
    const field = answerField(limited.questions[0].id);
    const client = participant();
    for (let i = 0; i < SUBMISSIONS_PER_IP_PER_MINUTE; i++) {
      const res = await client.post(`/f/${limited.token}`, { submissionId: randomUUID(), [field]: `Answer ${i}`, [HONEYPOT_FIELD]: "" });
      expect(res.status).toBe(303);
      await res.text();
    }
    const before = await snapshotTables(app.db.sql);
    const res = await client.post(`/f/${limited.token}`, { submissionId: randomUUID(), [field]: "One too many", [HONEYPOT_FIELD]: "" });
    expect(res.status).toBe(429);
    const html = await res.text();
    expect(alerts(html).join(" ")).toContain("Too many answers from your network in the last minute.");
    expect(markup(html)).toContain(">One too many</textarea>");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("the results page shows the counts, the figures once there are enough answers, and the texts", async () => {
    const r = await makeForm([question("rating", { required: true, prompt: "Useful?" }), question("nps", { prompt: "Recommend?" }), question("text", { prompt: "Anything else?" })]);
    const few = await viewer.get(`${formsPath()}/${r.formId}/results`);
    expect(few.status).toBe(200);
    expect(visibleText(await few.text())).toContain("Not enough data yet");
    const scores = [5, 4, 4, 3, 5];
    for (const [i, s] of scores.entries()) {
      const res = await participant().post(`/f/${r.token}`, {
        submissionId: randomUUID(),
        [answerField(r.questions[0].id)]: String(s),
        [answerField(r.questions[1].id)]: String(6 + i),
        [answerField(r.questions[2].id)]: `Comment number ${i}`,
        [HONEYPOT_FIELD]: "",
      });
      expect(res.status).toBe(303);
      await res.text();
    }
    const res = await viewer.get(`${formsPath()}/${r.formId}/results`);
    const text = visibleText(await res.text());
    expect(text).toContain("Responses 5");
    expect(text).toContain("Mean 4.2");
    // NPS of 6,7,8,9,10: 2 promoters, 1 detractor of 5 → 20.
    expect(text).toContain("NPS 20");
    expect(text).toContain("Promoters (9–10): 2 (40%)");
    expect(text).toContain("Comment number 3");
    expect(text).not.toContain("Not enough data yet: 5");
  });
});

// ---------------------------------------------------------------------------------------------

describe("live results", () => {
  /** Reads a server-sent event stream until `text` has arrived (or fails after a timeout). */
  async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string, seen = { buffer: "" }) {
    const decoder = new TextDecoder();
    const deadline = Date.now() + 10_000;
    while (!seen.buffer.includes(text)) {
      if (Date.now() > deadline) throw new Error(`no "${text}" in the stream; got: ${seen.buffer}`);
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before "${text}"; got: ${seen.buffer}`);
      seen.buffer += decoder.decode(value, { stream: true });
    }
    return seen;
  }

  it("a member's event stream announces each stored response, and closes cleanly when the page goes", async () => {
    const { formId, token, questions } = await makeForm([question("rating", { required: true })]);
    const abort = new AbortController();
    const res = await viewer.request(`${builderPath(formId)}/events`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("cache-control")).toContain("no-store");
    const reader = res.body!.getReader();
    const seen = await readUntil(reader, ": connected");
    expect(app.services.feedbackEvents.openStreams).toBeGreaterThan(0);

    // A refused answer announces nothing; a stored one does.
    const bad = await participant().post(`/f/${token}`, { submissionId: randomUUID(), [answerField(questions[0].id)]: "9", [HONEYPOT_FIELD]: "" });
    expect(bad.status).toBe(400);
    await bad.text();
    const good = await participant().post(`/f/${token}`, { submissionId: randomUUID(), [answerField(questions[0].id)]: "5", [HONEYPOT_FIELD]: "" });
    expect(good.status).toBe(303);
    await good.text();
    await readUntil(reader, "event: response", seen);
    const events = seen.buffer.match(/event: response\ndata: (.*)\n\n/g) ?? [];
    expect(events).toHaveLength(1);
    const [{ id }] = await app.db.sql<{ id: string }[]>`select id from feedback_responses where form_id = ${formId}`;
    expect(seen.buffer).toContain(JSON.stringify({ responseId: id }));

    abort.abort();
    await reader.cancel().catch(() => {});
    await expect.poll(() => app.services.feedbackEvents.openStreams, { timeout: 5_000 }).toBe(0);
  });

  it("the stream is for members only: a signed-out visitor is sent to log in, a stranger gets 404", async () => {
    const { formId } = await makeForm([question("rating")]);
    const anonymous = await new HttpClient(app.url).get(`${builderPath(formId)}/events`);
    expect(anonymous.status).toBe(302);
    expect(location(anonymous)).toMatch(/^\/login\?redirectTo=/);
    await anonymous.text();
    const stranger = await createUser(app);
    const outsider = await loginClient(app, stranger.email);
    const res = await outsider.get(`${builderPath(formId)}/events`);
    expect(res.status).toBe(404);
    await res.text();
    expect(app.services.feedbackEvents.openStreams).toBe(0);
  });
});
