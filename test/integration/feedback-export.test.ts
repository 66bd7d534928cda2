/**
 * Exports and the LRS: CSV of responses, xAPI statements checked against the spec's required
 * properties, and sending to a real local HTTP "LRS" that can fail, time out or lose replies.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace, loginClient, memberClient } from "../helpers/factories.js";
import { HttpClient } from "../helpers/http.js";
import { answerField, whyField } from "../../app/lib/feedback/questions.js";
import type { QuestionInput } from "../../server/services/feedback.js";
import { answerValues, makeForm, questionInput } from "../helpers/feedback.js";
import type { Statement } from "../../server/feedback/xapi.js";
import { parseCsv } from "../helpers/csv.js";

let app: TestServer;

beforeAll(async () => {
  app = await startTestServer({ lrsOptions: { intervalMs: 3_600_000, retryBaseMs: 1, timeoutMs: 1000, batchSize: 4 } });
});
afterAll(async () => {
  await app?.close();
});

const values = answerValues;
const q = (kind: QuestionInput["kind"], prompt: string, level: 1 | 2 | 3 | 4 = 1) =>
  questionInput(kind, { prompt, level, choices: kind === "multiple" ? [{ label: "Slides" }, { label: "Role play" }, { label: "=Other" }] : [] });

/** A workspace with an open form of every question kind. */
async function setup() {
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const proto = await createPrototype(app, ws.id, { title: "Coaching circles" });
  const f = app.services.feedback;
  const { formId, token, questions } = await makeForm(
    app,
    { workspaceId: ws.id, prototypeId: proto.id, userId: owner.id },
    [q("rating", "How useful?"), q("nps", "Recommend?"), q("multiple", "What helped?", 2), q("text", "What will you do differently?", 3)],
    { title: "Week 1" },
  );
  let n = 0;
  const answer = (rating: number, score: number, choices: number[], text: string) =>
    f.submit({
      token: token!,
      submissionId: randomUUID(),
      ip: `192.0.2.${++n}`,
      browserId: null,
      values: values([
        [answerField(questions[0].id), String(rating)],
        [answerField(questions[1].id), String(score)],
        [whyField(questions[1].id), "because"],
        [answerField(questions[2].id), choices.map((i) => questions[2].choices[i].id)],
        [answerField(questions[3].id), text],
      ]),
    });
  return { ws, proto, formId, questions, answer };
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe("CSV export", () => {
  it("has one row per response, every answer readable, formulas neutralised", async () => {
    const { ws, formId, answer } = await setup();
    expect((await answer(5, 10, [0, 2], '=cmd|" /C calc"!A0')).ok).toBe(true);
    expect((await answer(2, 3, [1], "Plan 1:1s,\nweekly — «bien»")).ok).toBe(true);
    const text = (await collect(app.services.feedback.csv({ workspaceId: ws.id, formId }))).join("");
    expect(text.startsWith("\uFEFF")).toBe(true);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual(["Response", "Submitted at (UTC)", "How useful? [L1]", "Recommend? [L1]", "Recommend? — why?", "What helped? [L2]", "What will you do differently? [L3]"]);
    expect(rows).toHaveLength(3);
    const body = rows.slice(1).map((r) => r.slice(2));
    expect(body).toContainEqual(["5", "10", "because", "Slides; =Other", `'=cmd|" /C calc"!A0`]);
    expect(body).toContainEqual(["2", "3", "because", "Role play", "Plan 1:1s,\nweekly — «bien»"]);
  });

  it("pages through responses without repeating or skipping any", async () => {
    const { ws, formId, answer } = await setup();
    for (let i = 0; i < 7; i++) await answer(1 + (i % 5), i, [0], `answer ${i}`);
    const pages = await collect(app.services.feedback.responsePages({ workspaceId: ws.id, formId, pageSize: 3 }));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const ids = pages.flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(7);
  });
});

describe("downloads over HTTP", () => {
  it("any member downloads the CSV and the xAPI statements; others can't", async () => {
    const { ws, proto, formId, answer } = await setup();
    await answer(4, 9, [0], "=1+1 «ok»");
    const viewer = await memberClient(app, ws.id, "viewer");
    const base = `/w/${ws.id}/prototypes/${proto.id}/feedback/${formId}`;

    const csv = await viewer.client.get(`${base}/responses.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="week-1-responses.csv"');
    const rows = parseCsv((await csv.text()).replace(/^\uFEFF/, ""));
    expect(rows).toHaveLength(2);
    expect(rows[1].at(-1)).toBe("'=1+1 «ok»");

    const xapi = await viewer.client.get(`${base}/xapi.json`);
    expect(xapi.status).toBe(200);
    const statements = (await xapi.json()) as Statement[];
    expect(statements).toHaveLength(4);
    for (const s of statements) expect(specProblems(s)).toEqual([]);

    // A stranger learns nothing; a wrong prototype in the path is not found; signed out goes to login.
    const stranger = await createUser(app);
    const strangerClient = await loginClient(app, stranger.email);
    expect((await strangerClient.get(`${base}/responses.csv`)).status).toBe(404);
    const otherProto = await createPrototype(app, ws.id);
    expect((await viewer.client.get(`/w/${ws.id}/prototypes/${otherProto.id}/feedback/${formId}/responses.csv`)).status).toBe(404);
    const anonymous = await new HttpClient(app.url).get(`${base}/xapi.json`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
  });
});

const IRI = /^[a-z][a-z0-9+.-]*:[^\s]+$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The xAPI 1.0.3 requirements a statement must meet (Data section 2.4), as far as we use them. */
function specProblems(s: Statement): string[] {
  const p: string[] = [];
  const st = s as unknown as Record<string, any>;
  if (!UUID.test(st.id)) p.push("id must be a UUID (RFC 4122 variant)");
  const actor = st.actor;
  if (!actor || (actor.objectType && actor.objectType !== "Agent")) p.push("actor must be an Agent");
  const ifis = ["mbox", "mbox_sha1sum", "openid", "account"].filter((k) => actor && k in actor);
  if (ifis.length !== 1) p.push("actor must have exactly one inverse functional identifier");
  if (actor?.account && (!/^https?:\/\//.test(actor.account.homePage) || typeof actor.account.name !== "string" || !actor.account.name)) p.push("account needs homePage IRL and name");
  if (!IRI.test(st.verb?.id ?? "")) p.push("verb.id must be an IRI");
  if (st.verb?.display && Object.values(st.verb.display).some((v) => typeof v !== "string")) p.push("verb.display is a language map");
  if (st.object?.objectType !== "Activity" || !IRI.test(st.object?.id ?? "")) p.push("object must be an Activity with an IRI id");
  const def = st.object?.definition;
  if (def?.type && !IRI.test(def.type)) p.push("definition.type must be an IRI");
  if (def?.interactionType && !["true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert", "numeric", "other"].includes(def.interactionType))
    p.push("unknown interactionType");
  const score = st.result?.score;
  if (score) {
    if (!(score.scaled >= -1 && score.scaled <= 1)) p.push("score.scaled must be in [-1, 1]");
    if (score.min !== undefined && score.max !== undefined && !(score.min < score.max)) p.push("score.min < score.max");
    if (score.raw !== undefined && !(score.raw >= score.min && score.raw <= score.max)) p.push("score.raw within min..max");
  }
  if (st.result && "response" in st.result && typeof st.result.response !== "string") p.push("result.response is a string");
  for (const key of ["parent", "grouping", "category", "other"]) {
    const list = st.context?.contextActivities?.[key];
    if (list && (!Array.isArray(list) || list.some((a: any) => !IRI.test(a.id)))) p.push(`contextActivities.${key} must be activities with IRI ids`);
  }
  for (const key of Object.keys(st.context?.extensions ?? {})) if (!IRI.test(key)) p.push("extension keys must be IRIs");
  if (!ISO8601.test(st.timestamp)) p.push("timestamp must be ISO 8601");
  if (st.version && !/^1\.0\.\d+$/.test(st.version)) p.push("version must be 1.0.x");
  return p;
}

describe("xAPI statements", () => {
  it("one statement per answer, meeting the spec's required properties", async () => {
    const { ws, proto, formId, questions, answer } = await setup();
    await answer(4, 9, [0, 1], "Coach weekly");
    const [statements] = await collect(app.services.feedback.statements({ workspaceId: ws.id, formId }));
    expect(statements).toHaveLength(4);
    for (const s of statements) expect(specProblems(s), JSON.stringify(s)).toEqual([]);
    const [rating, nps, multiple, text] = statements;
    expect(rating.result).toEqual({ response: "4", score: { scaled: 0.75, raw: 4, min: 1, max: 5 } });
    expect(nps.result.score?.scaled).toBe(0.9);
    expect(multiple.result.response).toBe(`${questions[2].choices[0].id}[,]${questions[2].choices[1].id}`);
    expect(multiple.object.definition.interactionType).toBe("choice");
    expect(text.result.response).toBe("Coach weekly");
    expect(text.context.contextActivities.parent[0].id).toMatch(new RegExp(`/xapi/prototypes/${proto.id}$`));
    expect(Object.values(text.context.extensions)).toEqual([3]);
    // The same anonymous actor for one response; the same ids when exported again.
    expect(new Set(statements.map((s) => s.actor.account.name)).size).toBe(1);
    const [again] = await collect(app.services.feedback.statements({ workspaceId: ws.id, formId }));
    expect(again.map((s) => s.id)).toEqual(statements.map((s) => s.id));
  });

  it("a statement is invalid by this check when a required property is broken (the check itself works)", () => {
    const broken = { id: "nope", actor: { objectType: "Agent" }, verb: { id: "answered" }, object: { objectType: "Activity", id: "x" }, timestamp: "yesterday" };
    expect(specProblems(broken as unknown as Statement).length).toBeGreaterThanOrEqual(5);
  });
});

/** A local LRS: records statements by id; can fail, hang, or drop its reply after storing. */
function startLrs() {
  const received = new Map<string, unknown>();
  const requests: { auth: string | undefined; version: string | undefined; count: number }[] = [];
  const mode = { failNext: 0, hangNext: 0, storeThenFail: 0 };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/xapi/statements") {
        res.writeHead(404).end();
        return;
      }
      const batch = JSON.parse(body) as { id: string }[];
      requests.push({ auth: req.headers.authorization, version: req.headers["x-experience-api-version"] as string, count: batch.length });
      if (mode.hangNext > 0) {
        mode.hangNext--;
        return; // never answers: the sender times out
      }
      if (mode.failNext > 0) {
        mode.failNext--;
        res.writeHead(503, { "content-type": "text/plain" }).end("LRS overloaded");
        return;
      }
      for (const s of batch) received.set(s.id, s);
      if (mode.storeThenFail > 0) {
        mode.storeThenFail--;
        res.writeHead(502).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(batch.map((s) => s.id)));
    });
  });
  return new Promise<{ url: string; received: typeof received; requests: typeof requests; mode: typeof mode; close(): Promise<void> }>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/xapi/`,
        received,
        requests,
        mode,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

async function outbox(workspaceId: string) {
  return app.db.sql<{ status: string; attempts: number }[]>`select status, attempts from xapi_outbox where workspace_id = ${workspaceId}`;
}

/** Runs sender passes until nothing is pending (each pass waits for due retries). */
async function drain(workspaceId: string, maxPasses = 30) {
  for (let i = 0; i < maxPasses; i++) {
    await app.lrs.tick();
    if ((await outbox(workspaceId)).every((r) => r.status === "sent")) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("sending to an LRS", () => {
  it("queues statements with each response and delivers them with auth and the xAPI version header", async () => {
    const lrs = await startLrs();
    try {
      const { ws, answer } = await setup();
      // Before an LRS is set, nothing is queued.
      await answer(3, 7, [0], "before");
      expect(await outbox(ws.id)).toEqual([]);
      await app.services.feedback.setLrs({ workspaceId: ws.id, input: { endpoint: lrs.url, username: "key", password: "secret", enabled: true } });
      await answer(4, 9, [1], "after");
      await answer(5, 10, [2], "after again");
      expect((await outbox(ws.id)).map((r) => r.status)).toEqual(Array(8).fill("pending"));
      await drain(ws.id);
      expect(lrs.received.size).toBe(8);
      expect(lrs.requests.every((r) => r.auth === `Basic ${Buffer.from("key:secret").toString("base64")}` && r.version === "1.0.3")).toBe(true);
      expect(lrs.requests.every((r) => r.count <= 4)).toBe(true);
      expect(await app.services.feedback.lrsStatus(ws.id)).toMatchObject({ pending: 0, sent: 8, retrying: 0, lastError: null });
      // The password is never read back.
      expect(await app.services.feedback.lrs(ws.id)).toMatchObject({ endpoint: lrs.url, username: "key", hasPassword: true });
      expect(JSON.stringify(await app.services.feedback.lrs(ws.id))).not.toContain("secret");
    } finally {
      await lrs.close();
    }
  });

  it("a failing, hanging or unreachable LRS loses no statement; a resend carries the same ids", async () => {
    const lrs = await startLrs();
    try {
      const { ws, answer } = await setup();
      await app.services.feedback.setLrs({ workspaceId: ws.id, input: { endpoint: lrs.url, username: "", password: "", enabled: true } });
      for (let i = 0; i < 3; i++) await answer(4, 8, [0], `r${i}`);
      // Unreachable first: nothing listens on this port.
      await app.services.feedback.setLrs({ workspaceId: ws.id, input: { endpoint: "http://127.0.0.1:9/xapi", username: "", password: "", enabled: true } });
      await app.lrs.tick();
      const status = await app.services.feedback.lrsStatus(ws.id);
      expect(status).toMatchObject({ pending: 12, sent: 0 });
      expect(status.retrying).toBeGreaterThan(0);
      expect(status.lastError).toMatch(/fetch failed|ECONNREFUSED|TypeError/);
      // Back to the real LRS, which now fails twice, hangs once, and once stores but loses its reply.
      await app.services.feedback.setLrs({ workspaceId: ws.id, input: { endpoint: lrs.url, username: "", password: null, enabled: true } });
      Object.assign(lrs.mode, { failNext: 2, hangNext: 1, storeThenFail: 1 });
      await drain(ws.id);
      expect(await app.services.feedback.lrsStatus(ws.id)).toMatchObject({ pending: 0, sent: 12 });
      expect(lrs.received.size).toBe(12);
      const rows = await outbox(ws.id);
      expect(rows.some((r) => r.attempts > 1)).toBe(true);
    } finally {
      await lrs.close();
    }
  });

  it("a disabled LRS keeps statements waiting until it is enabled again", async () => {
    const lrs = await startLrs();
    try {
      const { ws, answer } = await setup();
      await app.services.feedback.setLrs({ workspaceId: ws.id, input: { endpoint: lrs.url, username: "", password: "", enabled: true } });
      await answer(4, 8, [0], "kept");
      await app.services.feedback.setLrs({ workspaceId: ws.id, input: { endpoint: lrs.url, username: "", password: null, enabled: false } });
      await app.lrs.tick();
      expect(lrs.requests).toHaveLength(0);
      expect((await app.services.feedback.lrsStatus(ws.id)).pending).toBe(4);
      await app.services.feedback.setLrs({ workspaceId: ws.id, input: { endpoint: lrs.url, username: "", password: null, enabled: true } });
      await drain(ws.id);
      expect(lrs.received.size).toBe(4);
    } finally {
      await lrs.close();
    }
  });
});
