/** Binding an experiment card's success criterion to a feedback question, over HTTP. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { HttpClient } from "../helpers/http.js";
import { createPrototype, createUser, createWorkspace, memberClient } from "../helpers/factories.js";
import type { QuestionInput } from "../../server/services/feedback.js";
import { makeForm, questionInput } from "../helpers/feedback.js";

let app: TestServer;
let ws: { id: string };
let owner: { id: string };
let prototypeId: string;
let editor: HttpClient;
let viewer: HttpClient;
let rating: string;
let choice: { id: string; yes: string };
let otherQuestion: string;

async function formWith(protoId: string, kinds: QuestionInput["kind"][]) {
  const made = await makeForm(app, { workspaceId: ws.id, prototypeId: protoId, userId: owner.id }, kinds.map((kind) => questionInput(kind)), { open: false, title: "Reaction" });
  return made.questions;
}

beforeAll(async () => {
  app = await startTestServer();
  owner = await createUser(app);
  ws = await createWorkspace(app, owner.id);
  prototypeId = (await createPrototype(app, ws.id, { title: "Coaching circles" })).id;
  editor = (await memberClient(app, ws.id, "editor")).client;
  viewer = (await memberClient(app, ws.id, "viewer")).client;
  const questions = await formWith(prototypeId, ["rating", "single", "text"]);
  rating = questions[0].id;
  choice = { id: questions[1].id, yes: questions[1].choices[0].id };
  // A question of another prototype of the same workspace.
  const other = (await createPrototype(app, ws.id, { title: "Manager nudges" })).id;
  otherQuestion = (await formWith(other, ["rating"]))[0].id;
});
afterAll(async () => {
  await app?.close();
});

const bindingPath = (cardId: string, proto = prototypeId) => `/w/${ws.id}/prototypes/${proto}/experiments/${cardId}/binding`;
const bindForm = (extra: Record<string, string> = {}) => ({ intent: "bind", questionId: rating, rule: "mean_gte", threshold: "4", choiceId: "", minResponses: "20", ...extra });

async function bindingsOf(cardId: string) {
  return app.db.sql<{ question_id: string; rule: string; threshold: string; choice_id: string | null; min_responses: number }[]>`
    select question_id, rule, threshold::text, choice_id, min_responses from criterion_bindings where prototype_id = ${prototypeId} and card_id = ${cardId}`;
}

async function startCard(cardId: string) {
  await app.services.experiments.recordStart({
    prototypeId,
    cardId,
    name: "Started card",
    hypothesis: "h",
    test: "t",
    metric: "m",
    criterion: "c",
    startedBy: owner.id,
    startedAt: new Date(),
    docSeq: 0,
    docState: new Uint8Array(),
  });
}

async function refusalOf(res: Response) {
  expect(res.headers.get("content-type")).toMatch(/json/);
  return (await res.json()) as { ok: boolean; fieldErrors: Record<string, string>; formError: string | null };
}

describe("binding a card's criterion over HTTP", () => {
  it("an editor binds a criterion to a rating question, changes it, and unbinds it", async () => {
    const card = randomUUID();
    const res = await editor.post(bindingPath(card), bindForm({ minResponses: "3" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, intent: "bind" });
    expect(await bindingsOf(card)).toEqual([{ question_id: rating, rule: "mean_gte", threshold: "4", choice_id: null, min_responses: 3 }]);

    const changed = await editor.post(bindingPath(card), bindForm({ questionId: choice.id, rule: "share_gte", threshold: "60", choiceId: choice.yes }));
    expect(changed.status).toBe(200);
    expect(await bindingsOf(card)).toEqual([{ question_id: choice.id, rule: "share_gte", threshold: "60", choice_id: choice.yes, min_responses: 20 }]);
    // The page's loader sees it with its evaluation.
    const [binding] = (await app.services.feedback.bindings({ workspaceId: ws.id, prototypeId })).filter((b) => b.cardId === card);
    expect(binding).toMatchObject({ choiceLabel: "Yes", evaluation: { n: 0, met: null, verdict: null } });

    const unbound = await editor.post(bindingPath(card), { intent: "unbind" });
    expect(unbound.status).toBe(200);
    expect(await bindingsOf(card)).toEqual([]);
  });

  it("refuses a viewer with 403 and stores nothing", async () => {
    const card = randomUUID();
    const res = await viewer.post(bindingPath(card), bindForm());
    expect(res.status).toBe(403);
    expect(await bindingsOf(card)).toEqual([]);

    // Nor can a viewer remove an editor's binding.
    await editor.post(bindingPath(card), bindForm());
    expect(await bindingsOf(card)).toHaveLength(1);
    expect((await viewer.post(bindingPath(card), { intent: "unbind" })).status).toBe(403);
    expect(await bindingsOf(card)).toHaveLength(1);
  });

  it.each([
    ["a threshold above the scale", { threshold: "6" }, "threshold", /from 1 to 5/],
    ["a threshold that is not a number", { threshold: "lots" }, "threshold", /number/],
    ["a rule that doesn't fit the question", { rule: "nps_gte" }, "rule", /doesn't fit/],
    ["an unknown rule", { rule: "median_gte" }, "rule", /rule/i],
    ["a question that doesn't exist", { questionId: randomUUID() }, "questionId", /Choose a question/],
    ["a question that isn't a uuid", { questionId: "x" }, "questionId", /Choose a question/],
    ["a question of another prototype", { questionId: "other" }, "questionId", /this prototype/],
    ["an option that isn't the question's", { questionId: "choice", rule: "share_gte", threshold: "50", choiceId: "nope" }, "choiceId", /options/],
    ["a minimum of zero responses", { minResponses: "0" }, "minResponses", /At least 1/],
    ["a fractional minimum", { minResponses: "2.5" }, "minResponses", /whole number/],
  ])("refuses %s with 400, a message, and stores nothing", async (_name, extra, field, message) => {
    const card = randomUUID();
    const resolved: Record<string, string> = { ...extra };
    if (resolved.questionId === "other") resolved.questionId = otherQuestion;
    if (resolved.questionId === "choice") resolved.questionId = choice.id;
    const res = await editor.post(bindingPath(card), bindForm(resolved));
    expect(res.status).toBe(400);
    const body = await refusalOf(res);
    expect(body.ok).toBe(false);
    expect(body.fieldErrors[field]).toMatch(message);
    expect(await bindingsOf(card)).toEqual([]);
  });

  it("refuses an unknown intent with 400", async () => {
    const card = randomUUID();
    const res = await editor.post(bindingPath(card), bindForm({ intent: "explode" }));
    expect(res.status).toBe(400);
    expect((await refusalOf(res)).formError).toMatch(/isn't available/);
    expect(await bindingsOf(card)).toEqual([]);
  });

  it("refuses to bind, rebind or unbind once the card has started, saying the criterion is locked", async () => {
    const card = randomUUID();
    await startCard(card);
    const res = await editor.post(bindingPath(card), bindForm());
    expect(res.status).toBe(409);
    expect((await refusalOf(res)).formError).toMatch(/has started.*locked/);
    expect(await bindingsOf(card)).toEqual([]);

    const bound = randomUUID();
    expect((await editor.post(bindingPath(bound), bindForm({ minResponses: "5" }))).status).toBe(200);
    await startCard(bound);
    const rebind = await editor.post(bindingPath(bound), bindForm({ threshold: "2" }));
    expect(rebind.status).toBe(409);
    const unbind = await editor.post(bindingPath(bound), { intent: "unbind" });
    expect(unbind.status).toBe(409);
    expect((await refusalOf(unbind)).formError).toMatch(/locked/);
    expect(await bindingsOf(bound)).toEqual([{ question_id: rating, rule: "mean_gte", threshold: "4", choice_id: null, min_responses: 5 }]);
  });

  it("answers 404 for a prototype of another workspace or a malformed card id, and stores nothing", async () => {
    const elsewhere = await createWorkspace(app, owner.id);
    const foreign = (await createPrototype(app, elsewhere.id)).id;
    expect((await editor.post(`/w/${ws.id}/prototypes/${foreign}/experiments/${randomUUID()}/binding`, bindForm())).status).toBe(404);
    expect((await editor.post(bindingPath("bad id!"), bindForm())).status).toBe(404);
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from criterion_bindings where prototype_id = ${foreign}`;
    expect(n).toBe(0);
  });

  it("the prototype page shows a bound card's rule and offers the prototype's questions", async () => {
    const res = await editor.get(`/w/${ws.id}/prototypes/${prototypeId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    // The loader's data carries the bindable questions (rating and choice, not open text).
    expect(html).toContain("How about rating?");
    expect(html).toContain("How about single?");
  });
});
