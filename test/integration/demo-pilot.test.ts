import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { loginClient } from "../helpers/factories.js";
import { connectProvider, synced, type CollabClient } from "../helpers/collab.js";
import type { HttpClient } from "../helpers/http.js";
import { visibleText } from "../helpers/pages.js";
import { DEMO_EMAIL, DEMO_PASSWORD } from "../../server/seed.js";
import { readCards } from "../../app/lib/experiments/cards.js";
import { decodeAnchor, resolveRange } from "../../app/lib/comments/anchors.js";
import { DOCUMENT_FIELD } from "../../app/lib/editor/extensions.js";
import { loadDocumentState } from "../../server/collab/updateLog.js";
import * as Y from "yjs";

/**
 * The demo workspace's piloting prototype: its leadership review (an approval decision, comment
 * threads, inbox items) and its evidence loop (cards, runs, the pulse form and the binding) are
 * stored as the product would have stored them, so the board, the lists, the results, the comment
 * panel and the collaboration server's experiment lock all take them as they are.
 */

const SALES = "Sales onboarding bootcamp in the flow of work";

let app: TestServer;
let client: HttpClient;
let workspaceId: string;
let prototypeId: string;
let writer: CollabClient | null = null;

beforeAll(async () => {
  app = await startTestServer({ seed: true });
  client = await loginClient(app, DEMO_EMAIL, DEMO_PASSWORD);
  [{ id: workspaceId }] = await app.db.sql<{ id: string }[]>`select id from workspaces where name = 'Northwind Learning Lab'`;
  [{ id: prototypeId }] = await app.db.sql<{ id: string }[]>`select id from prototypes where title = ${SALES}`;
});
afterAll(async () => {
  writer?.destroy();
  await app?.close();
});

describe("the demo's evidence", () => {
  it("lists three cards across the workspace: planned, running and a concluded learning card", async () => {
    const items = await app.services.experiments.list({ workspaceId });
    expect(items.map((i) => [i.name, i.status]).sort()).toEqual([
      ["A product classroom week before any call", "invalidated"],
      ["Deal buddies halve call preparation", "planned"],
      ["Live calls from week 3", "running"],
    ]);
    const concluded = items.find((i) => i.status === "invalidated")!;
    expect(concluded.decision).toBe("pivot");
    expect(concluded.learned).toContain("practice on real calls");
    expect(items.every((i) => i.prototypeId === prototypeId && i.ownerName)).toBe(true);
    expect(items.some((i) => i.overdue)).toBe(false);
  });

  it("has run records for the started cards that match what the document holds", async () => {
    const runs = await app.services.experiments.runs(prototypeId);
    expect(runs.map((r) => [r.name, r.verdict, r.decision]).sort()).toEqual([
      ["A product classroom week before any call", "invalidated", "pivot"],
      ["Live calls from week 3", null, null],
    ]);
    const projected = await app.db.sql<{ cardId: string; hypothesis: string; metric: string; criterion: string; startedAt: Date }[]>`
      select card_id as "cardId", hypothesis, metric, criterion, started_at as "startedAt" from experiment_cards where prototype_id = ${prototypeId}`;
    for (const run of runs) {
      const card = projected.find((c) => c.cardId === run.cardId)!;
      expect({ hypothesis: card.hypothesis, metric: card.metric, criterion: card.criterion }).toEqual({
        hypothesis: run.hypothesis,
        metric: run.metric,
        criterion: run.criterion,
      });
      expect(card.startedAt.getTime()).toBe(run.startedAt.getTime());
      expect(run.startedByName).toBeTruthy();
    }
  });

  it("judges the running card by the pulse answers bound to its criterion: enough answers, criterion met", async () => {
    const [running] = await app.db.sql<{ cardId: string }[]>`select card_id as "cardId" from experiment_cards where status = 'running'`;
    const binding = await app.services.feedback.evaluateCard(prototypeId, running.cardId);
    expect(binding).toMatchObject({ rule: "share_gte", threshold: 60, minResponses: 20, choiceLabel: "Yes" });
    expect(binding!.evaluation.n).toBeGreaterThanOrEqual(20);
    expect(binding!.evaluation.value).toBeGreaterThanOrEqual(60);
    expect(binding!.evaluation).toMatchObject({ met: true, verdict: "validated" });
  });

  it("has an open pulse form whose results cover all four Kirkpatrick levels' questions and open answers with themes", async () => {
    const [form] = await app.services.feedback.list({ workspaceId, prototypeId });
    expect(form).toMatchObject({ title: "Friday pulse: bootcamp sprints", status: "open" });
    const results = await app.services.feedback.results({ workspaceId, formId: form.id });
    expect(results.responses).toBe(26);
    expect(results.perDay.length).toBeGreaterThan(7);
    expect(results.questions.map((q) => q.question.kind)).toEqual(["rating", "nps", "single", "multiple", "text"]);
    const nps = results.questions[1].nps!;
    expect(nps.promoters + nps.passives + nps.detractors).toBe(26);
    expect(nps.detractors).toBeGreaterThan(0);
    const changes = results.questions[4];
    expect(changes.texts.length).toBeGreaterThan(10);
    expect(changes.themes.map((t) => t.label)).toContain("call reviews");
    const evidence = await app.services.feedback.evidence({ workspaceId, prototypeId });
    expect(evidence.filter((step) => step.answers > 0).map((step) => step.level)).toEqual([1, 2, 3]);
    // The public link works for a participant with no account.
    const page = await fetch(`${app.url}/f/${form.publicToken}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Did you run at least one live discovery call this week?");
  });

  it("opens in the collaboration server unchanged: the experiment lock finds nothing to repair", async () => {
    const docName = `prototype.${prototypeId}`;
    const before = await app.db.sql<{ n: number }[]>`select count(*)::int as n from doc_updates where doc_name = ${docName}`;
    writer = connectProvider(app, client, docName);
    await synced(writer.provider);
    const cards = readCards(writer.doc);
    expect(cards.map((c) => c.status).sort()).toEqual(["invalidated", "planned", "running"]);
    // Give the server time to record anything it would repair; it writes nothing.
    await new Promise((r) => setTimeout(r, 500));
    await app.collab.registry.loaded(docName)?.persisted();
    const after = await app.db.sql<{ n: number }[]>`select count(*)::int as n from doc_updates where doc_name = ${docName}`;
    expect(after[0].n).toBe(before[0].n);
    expect(readCards(writer.doc)).toEqual(cards);
  });
});

describe("the demo's review", () => {
  it("records the leader's approval, which moved the prototype into piloting, on a version that opens", async () => {
    const decisions = await app.services.decisions.list({ workspaceId, prototypeId });
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ kind: "approve_pilot", decidedByName: "Marcus Bell", stageFrom: "prototyping", stageTo: "piloting" });
    const version = await app.services.decisions.get({ workspaceId, prototypeId, decisionId: decisions[0].id });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, version!.docState);
    expect(doc.getXmlFragment(DOCUMENT_FIELD).length).toBeGreaterThan(5);
  });

  it("has comment threads anchored on the text they quote in the stored document", async () => {
    const threads = await app.services.comments.threads({ workspaceId, prototypeId });
    expect(threads).toHaveLength(2);
    const stored = await loadDocumentState(app.db.sql, `prototype.${prototypeId}`);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.update!);
    for (const thread of threads) {
      const start = decodeAnchor(thread.anchorStart)!;
      const range = resolveRange(doc, start, decodeAnchor(thread.anchorEnd)!);
      expect(range, thread.quote).not.toBeNull();
      const text = Y.createAbsolutePositionFromRelativePosition(start, doc)!.type as Y.XmlText;
      const plain = (text.toDelta() as { insert: string }[]).map((d) => d.insert).join("");
      expect(plain.slice(range!.from, range!.to)).toBe(thread.quote);
    }
    const answered = threads.find((t) => t.comments.length === 2)!;
    expect(answered.comments.map((c) => c.authorName)).toEqual(["Marcus Bell", "Priya Raman"]);
  });

  it("puts the mention in the demo user's inbox and the reply in the thread author's", async () => {
    const [dana] = await app.db.sql<{ id: string }[]>`select id from users where email = ${DEMO_EMAIL}`;
    const [marcus] = await app.db.sql<{ id: string }[]>`select id from users where email = 'marcus@example.com'`;
    const danaInbox = await app.services.comments.inbox({ userId: dana.id });
    expect(danaInbox.map((i) => [i.kind, i.authorName, i.prototypeTitle])).toEqual([["mention", "Marcus Bell", SALES]]);
    expect(await app.services.comments.unreadCount(dana.id)).toBe(1);
    const marcusInbox = await app.services.comments.inbox({ userId: marcus.id });
    expect(marcusInbox.map((i) => [i.kind, i.authorName])).toEqual([["reply", "Priya Raman"]]);
    // The page shows the mention by name, not as its stored token.
    const inbox = await client.get("/inbox");
    expect(inbox.status).toBe(200);
    const shown = visibleText(await inbox.text());
    expect(shown).toMatch(/@ ?Dana Ortiz can we show it per cohort/);
    expect(shown).not.toContain(`](${dana.id})`);
  });
});
