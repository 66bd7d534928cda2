/**
 * Experiment cards over the real collaboration server and database: concurrent edits and moves
 * converge, and the lock on a started card holds for every replica and in Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, storedDoc, synced, type CollabClient } from "../helpers/collab.js";
import { newPrototype, readMetric } from "./support.js";
import { EARLY_STATE_MIN_BYTES } from "../../server/collab/index.js";
import { cardsMap, cardText, column, createCard, moveCard, readCards, setCardValue, type Card } from "../../app/lib/experiments/cards.js";

let app: TestServer;
const open: CollabClient[] = [];

beforeAll(async () => {
  app = await startTestServer({ collabLimits: { projectionDelayMs: 50 } });
});
afterAll(async () => {
  for (const c of open) c.destroy();
  await app?.close();
});

const CARD = "c0ffee00-0000-4000-8000-000000000001";

/** A fresh prototype with two connected editors (different users). */
async function twoEditors() {
  const { workspace, prototype, docName } = await newPrototype(app);
  const alice = await memberClient(app, workspace.id, "editor");
  const bob = await memberClient(app, workspace.id, "editor");
  const a = connectProvider(app, alice.client, docName);
  const b = connectProvider(app, bob.client, docName);
  open.push(a, b);
  await Promise.all([synced(a.provider), synced(b.provider)]);
  return { workspace, prototype, docName, alice, bob, a, b };
}

function card(doc: Y.Doc, id = CARD): Card {
  const found = readCards(doc).find((c) => c.id === id);
  if (!found) throw new Error(`no card ${id}`);
  return found;
}

/** The card if this replica has it yet (for polling). */
const peek = (doc: Y.Doc, id = CARD): Card | undefined => readCards(doc).find((c) => c.id === id);

/** The server's copy; an empty doc while it is not (yet) loaded, which never counts as converged. */
function serverDoc(docName: string): Y.Doc {
  return app.collab.registry.loaded(docName)?.doc ?? new Y.Doc();
}

function setText(doc: Y.Doc, field: "hypothesis" | "test" | "metric" | "criterion" | "name", value: string) {
  const text = cardText(doc, CARD, field)!;
  doc.transact(() => {
    text.delete(0, text.length);
    text.insert(0, value);
  });
}

/** Fills a test card the way a team would, in `doc`. */
function fill(doc: Y.Doc) {
  setText(doc, "hypothesis", "Managers who coach weekly lift team engagement");
  setText(doc, "test", "Run a 6-week coaching circle with 12 managers");
  setText(doc, "metric", "Pulse engagement score");
  setText(doc, "criterion", "Score rises by 5 points");
}

async function runRow(prototypeId: string) {
  const rows = await app.db.sql<{ hypothesis: string; test: string; metric: string; criterion: string; started_by: string; verdict: string | null; decision: string | null; doc_seq: string; doc_state: Buffer }[]>`
    select * from experiment_runs where prototype_id = ${prototypeId} and card_id = ${CARD}`;
  return rows[0] ?? null;
}

const converged = (...docs: Y.Doc[]) => docs.every((d) => JSON.stringify(readCards(d)) === JSON.stringify(readCards(docs[0])));

describe("co-editing cards", () => {
  it("concurrent edits to different fields of one card merge for everyone", async () => {
    const { a, b, docName } = await twoEditors();
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: "x" });
    await eventually(() => readCards(b.doc).length === 1, "b sees the new card");
    setText(a.doc, "hypothesis", "Managers coach weekly");
    setText(b.doc, "metric", "Engagement pulse");
    setCardValue(b.doc, CARD, "critical", 3);
    setCardValue(a.doc, CARD, "deadline", "2027-01-31");
    await eventually(() => converged(a.doc, b.doc, serverDoc(docName)) && card(a.doc).metric !== "" && card(b.doc).hypothesis !== "", "all converge");
    expect(card(a.doc)).toMatchObject({ hypothesis: "Managers coach weekly", metric: "Engagement pulse", deadline: "2027-01-31" });
    expect(card(a.doc).ratings.critical).toBe(3);
  });

  it("concurrent moves converge to one order on every client and the server", async () => {
    const { a, b, docName } = await twoEditors();
    const ids = [1, 2, 3, 4].map((n) => `c0ffee00-0000-4000-8000-00000000000${n}`);
    for (const id of ids) createCard(a.doc, { id, name: id.slice(-1), createdBy: "x" });
    await eventually(() => readCards(b.doc).length === 4, "b has every card");
    // Both reorder at once, each from its own view, while the other's move is in flight.
    b.provider.disconnect();
    moveCard(a.doc, ids[3], "planned", 0);
    moveCard(a.doc, ids[0], "planned", 4);
    moveCard(b.doc, ids[3], "planned", 2);
    moveCard(b.doc, ids[1], "planned", 0);
    b.provider.connect();
    await synced(b.provider);
    const order = (d: Y.Doc) => column(readCards(d), "planned").map((c) => c.id);
    await eventually(() => JSON.stringify(order(a.doc)) === JSON.stringify(order(b.doc)) && JSON.stringify(order(serverDoc(docName))) === JSON.stringify(order(a.doc)), "one order everywhere");
    expect(new Set(order(a.doc))).toEqual(new Set(ids));
  });
});

describe("starting a card locks its test", () => {
  it("records the test card in Postgres and stamps the start in the document", async () => {
    const { a, b, prototype, docName, alice } = await twoEditors();
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: alice.user.id });
    fill(a.doc);
    moveCard(a.doc, CARD, "running", 0);
    await eventually(async () => (await runRow(prototype.id)) !== null, "run recorded");
    const row = (await runRow(prototype.id))!;
    expect(row).toMatchObject({
      hypothesis: "Managers who coach weekly lift team engagement",
      test: "Run a 6-week coaching circle with 12 managers",
      metric: "Pulse engagement score",
      criterion: "Score rises by 5 points",
      started_by: alice.user.id,
      verdict: null,
    });
    // The recorded version is the document as it was started: it has the card, running.
    const version = new Y.Doc();
    Y.applyUpdate(version, new Uint8Array(row.doc_state));
    expect(card(version)).toMatchObject({ status: "running", hypothesis: "Managers who coach weekly lift team engagement" });
    expect(Number(row.doc_seq)).toBeGreaterThan(0);
    await eventually(() => card(b.doc).startedAt !== null && card(a.doc).startedAt !== null, "start stamped for everyone");
    expect(card(b.doc).startedBy).toBe(alice.user.id);
    expect(converged(a.doc, b.doc, serverDoc(docName))).toBe(true);
  });

  it("an edit of a locked field is undone for every client, the writer included; the record stays", async () => {
    const { a, b, prototype, docName } = await twoEditors();
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: "x" });
    fill(a.doc);
    moveCard(a.doc, CARD, "running", 0);
    await eventually(async () => (await runRow(prototype.id)) !== null && card(b.doc).startedAt !== null, "started");
    const locked = card(a.doc);

    // b moves the goalposts three ways: edits in place, replaces the text, and edits the unlocked test.
    cardText(b.doc, CARD, "criterion")!.insert(0, "Roughly: ");
    (cardsMap(b.doc).get(CARD) as Y.Map<unknown>).set("metric", new Y.Text("Something easier"));
    setText(b.doc, "test", "Run it with 20 managers instead");
    await eventually(
      () => converged(a.doc, b.doc, serverDoc(docName)) && card(b.doc).test === "Run it with 20 managers instead",
      "every replica converges",
    );
    for (const doc of [a.doc, b.doc, serverDoc(docName)]) {
      expect(card(doc)).toMatchObject({ hypothesis: locked.hypothesis, metric: locked.metric, criterion: locked.criterion });
    }
    // And it stays that way in storage.
    await app.collab.registry.loaded(docName)!.persisted();
    expect(card(await storedDoc(app, docName))).toMatchObject({ metric: locked.metric, criterion: locked.criterion });
    expect(await runRow(prototype.id)).toMatchObject({ metric: "Pulse engagement score", criterion: "Score rises by 5 points", test: locked.test });
  });

  it("an offline edit replayed after the lock is undone too", async () => {
    const { a, b, prototype, docName } = await twoEditors();
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: "x" });
    fill(a.doc);
    await eventually(() => peek(b.doc)?.criterion === "Score rises by 5 points", "b has the card");

    b.provider.disconnect();
    setText(b.doc, "hypothesis", "Managers will love it");
    setText(b.doc, "criterion", "Anyone says it was nice");
    // Meanwhile a starts the test.
    moveCard(a.doc, CARD, "running", 0);
    await eventually(async () => (await runRow(prototype.id)) !== null, "run recorded");

    b.provider.connect();
    await synced(b.provider);
    await eventually(() => converged(a.doc, b.doc, serverDoc(docName)) && card(b.doc).startedAt !== null, "b converges after replaying");
    for (const doc of [a.doc, b.doc]) {
      expect(card(doc)).toMatchObject({ status: "running", hypothesis: "Managers who coach weekly lift team engagement", criterion: "Score rises by 5 points" });
    }
    expect(await runRow(prototype.id)).toMatchObject({ criterion: "Score rises by 5 points" });
  });

  it("a card started while its editor was offline locks what that editor had when it started", async () => {
    const { a, b, prototype, docName } = await twoEditors();
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: "x" });
    fill(a.doc);
    await eventually(() => peek(b.doc)?.criterion === "Score rises by 5 points", "b has the card");
    b.provider.disconnect();
    setText(b.doc, "criterion", "Score rises by 8 points");
    moveCard(b.doc, CARD, "running", 0);
    b.provider.connect();
    await eventually(async () => (await runRow(prototype.id)) !== null, "run recorded on reconnect");
    expect(await runRow(prototype.id)).toMatchObject({ criterion: "Score rises by 8 points" });
    await eventually(() => converged(a.doc, b.doc, serverDoc(docName)) && card(a.doc).startedAt !== null, "converged");
    setText(a.doc, "criterion", "Score rises by 1 point");
    await eventually(() => converged(a.doc, b.doc, serverDoc(docName)) && card(a.doc).criterion === "Score rises by 8 points", "a's edit reverted");
  });

  it("a started card can't go back to planned, be deleted or lose its start stamp", async () => {
    const { a, b, prototype, docName } = await twoEditors();
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: "x" });
    fill(a.doc);
    moveCard(a.doc, CARD, "running", 0);
    await eventually(async () => (await runRow(prototype.id)) !== null && card(b.doc).startedAt !== null, "started");
    const started = card(a.doc);

    (cardsMap(b.doc).get(CARD) as Y.Map<unknown>).set("status", "planned");
    await eventually(() => converged(a.doc, b.doc, serverDoc(docName)) && card(b.doc).status === "running", "back to running");

    (cardsMap(b.doc).get(CARD) as Y.Map<unknown>).set("startedAt", 1);
    await eventually(() => converged(a.doc, b.doc) && card(b.doc).startedAt === started.startedAt, "stamp restored");

    cardsMap(b.doc).delete(CARD);
    await eventually(() => converged(a.doc, b.doc, serverDoc(docName)) && readCards(b.doc).length === 1, "card restored");
    expect(card(a.doc)).toMatchObject({ name: started.name, status: "running", hypothesis: started.hypothesis, startedAt: started.startedAt });
  });

  it("concluding records the verdict and decision; the lock survives an unload and reload", async () => {
    const { a, b, prototype, docName } = await twoEditors();
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: "x" });
    fill(a.doc);
    moveCard(a.doc, CARD, "running", 0);
    await eventually(async () => (await runRow(prototype.id)) !== null, "started");
    moveCard(b.doc, CARD, "invalidated", 0);
    setCardValue(b.doc, CARD, "decision", "pivot");
    await eventually(async () => (await runRow(prototype.id))?.decision === "pivot", "conclusion recorded");
    expect(await runRow(prototype.id)).toMatchObject({ verdict: "invalidated", decision: "pivot" });
    expect(card(a.doc).believed).toBe("Managers who coach weekly lift team engagement");

    // Everyone leaves; the document is stored and unloaded; the guard reloads its locks from Postgres.
    a.destroy();
    b.destroy();
    await app.collab.registry.unload(app.collab.registry.loaded(docName)!);
    expect(app.collab.registry.loaded(docName)).toBeUndefined();
    const { workspace } = await app.db.sql<{ workspace_id: string }[]>`select workspace_id from prototypes where id = ${prototype.id}`.then(([r]) => ({ workspace: r.workspace_id }));
    const carol = await memberClient(app, workspace, "editor");
    const c = connectProvider(app, carol.client, docName);
    open.push(c);
    await synced(c.provider);
    setText(c.doc, "metric", "Vibes");
    moveCard(c.doc, CARD, "running", 0); // reopening is allowed
    await eventually(() => converged(c.doc, serverDoc(docName)) && card(c.doc).metric === "Pulse engagement score" && card(c.doc).status === "running", "lock holds after reload");
    await eventually(async () => (await runRow(prototype.id))?.verdict === null, "reopen recorded");
  });
});

describe("a large document opened from its snapshot before being built", () => {
  it("still holds the lock of a started card once a write builds it", async () => {
    const { a, b, prototype, workspace, docName } = await twoEditors();
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: "x" });
    fill(a.doc);
    moveCard(a.doc, CARD, "running", 0);
    // Large enough that its next opener is sent the stored state first and the build waits.
    a.doc.getText("notes").insert(0, "pilot notes ".repeat(Math.ceil(EARLY_STATE_MIN_BYTES / 12)));
    await eventually(async () => (await runRow(prototype.id)) !== null && card(b.doc).startedAt !== null, "started");
    const shared = app.collab.registry.loaded(docName)!;
    await eventually(() => converged(a.doc, b.doc, shared.doc) && shared.doc.getText("notes").length > 0, "server has everything");
    a.destroy();
    b.destroy();
    await app.collab.registry.unload(shared);
    expect(app.collab.registry.loaded(docName)).toBeUndefined();

    const opensBefore = await readMetric(app, "pilotlab_collab_documents_opened_unbuilt_total");
    const carol = await memberClient(app, workspace.id, "editor");
    const c = connectProvider(app, carol.client, docName);
    open.push(c);
    await synced(c.provider);
    expect(await readMetric(app, "pilotlab_collab_documents_opened_unbuilt_total")).toBe(opensBefore + 1);
    setText(c.doc, "metric", "Vibes");
    await eventually(() => converged(c.doc, serverDoc(docName)) && card(c.doc).metric === "Pulse engagement score", "lock holds");
    expect(app.collab.registry.loaded(docName)!.built).toBe(true);
  });
});

describe("the projection", () => {
  it("matches the document after it is stored", async () => {
    const { a, workspace, prototype, docName, alice } = await twoEditors();
    for (const [n, name] of ["Coaching circles", "Peer feedback", "Micro-lessons"].entries()) {
      createCard(a.doc, { id: `c0ffee00-0000-4000-8000-00000000001${n}`, name, createdBy: alice.user.id });
    }
    moveCard(a.doc, "c0ffee00-0000-4000-8000-000000000011", "running", 0);
    setCardValue(a.doc, "c0ffee00-0000-4000-8000-000000000012", "deadline", "2020-01-01");
    setCardValue(a.doc, "c0ffee00-0000-4000-8000-000000000010", "owner", "not-a-member");
    await eventually(() => converged(a.doc, serverDoc(docName)), "server has it");
    await app.collab.registry.loaded(docName)!.compact();
    const rows = await app.db.sql<{ card_id: string; name: string; status: string; owner_id: string | null; deadline: string | null; workspace_id: string }[]>`
      select card_id, name, status, owner_id, to_char(deadline, 'YYYY-MM-DD') as deadline, workspace_id
      from experiment_cards where prototype_id = ${prototype.id} order by card_id`;
    const cards = readCards(serverDoc(docName)).sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(rows.map((r) => [r.card_id, r.name, r.status, r.deadline])).toEqual(cards.map((c) => [c.id, c.name, c.status, c.deadline]));
    expect(rows.every((r) => r.workspace_id === workspace.id)).toBe(true);
    // An owner who is not a member of the workspace is not projected.
    expect(rows.map((r) => r.owner_id)).toEqual([null, alice.user.id, alice.user.id]);

    // Removing a planned card removes its row on the next store.
    cardsMap(a.doc).delete("c0ffee00-0000-4000-8000-000000000012");
    await eventually(async () => (await app.db.sql`select 1 from experiment_cards where prototype_id = ${prototype.id}`).length === 2, "projection refreshed after the change");
  });
});

describe("verdicts from evidence", () => {
  async function boundCard(minResponses: number) {
    const env = await twoEditors();
    const { prototype, workspace, alice, a } = env;
    const f = app.services.feedback;
    const { id: formId } = await f.create({
      workspaceId: workspace.id,
      prototypeId: prototype.id,
      userId: alice.user.id,
      input: { title: "Pilot reaction", intro: "", cardId: CARD, followsFormId: null, onePerBrowser: false },
    });
    const { id: questionId } = await f.addQuestion({
      workspaceId: workspace.id,
      formId,
      input: { kind: "rating", prompt: "How useful was the circle?", help: "", required: true, level: 1, choices: [], lowLabel: "", highLabel: "" },
    });
    await f.setStatus({ workspaceId: workspace.id, formId, status: "open" });
    const token = (await f.get({ workspaceId: workspace.id, formId })).form.publicToken!;
    createCard(a.doc, { id: CARD, name: "Coaching circles", createdBy: alice.user.id });
    fill(a.doc);
    await f.bind({ workspaceId: workspace.id, prototypeId: prototype.id, cardId: CARD, userId: alice.user.id, input: { questionId, rule: "mean_gte", threshold: 4, choiceId: null, minResponses } });
    let ip = 0;
    const answer = (score: number) =>
      f.submit({ token, submissionId: crypto.randomUUID(), ip: `198.51.100.${++ip}`, browserId: null, values: new Map([[`q_${questionId}`, [String(score)]]]) });
    return { ...env, questionId, answer };
  }

  it("concluding a bound card records the verdict the evidence gives, whatever column it was moved to", async () => {
    const { a, b, prototype, docName, answer, workspace } = await boundCard(3);
    moveCard(a.doc, CARD, "running", 0);
    await eventually(async () => (await runRow(prototype.id)) !== null, "started");
    // Binding is locked once the test runs.
    await expect(
      app.services.feedback.unbind({ workspaceId: workspace.id, prototypeId: prototype.id, cardId: CARD }),
    ).rejects.toThrow(/locked/);
    for (const score of [5, 4, 4]) expect((await answer(score)).ok).toBe(true);
    // The team thinks it failed; the evidence (mean 4.33 of 3 ≥ 4) says validated.
    moveCard(b.doc, CARD, "invalidated", 0);
    await eventually(async () => (await runRow(prototype.id))?.verdict === "validated", "computed verdict recorded");
    await eventually(() => converged(a.doc, b.doc, serverDoc(docName)) && card(b.doc).status === "validated", "everyone sees the computed verdict");
    const [row] = await app.db.sql<{ evidence: { n: number; value: number; rule: string; threshold: number; met: boolean } }[]>`
      select evidence from experiment_runs where prototype_id = ${prototype.id} and card_id = ${CARD}`;
    expect(row.evidence).toMatchObject({ n: 3, rule: "mean_gte", threshold: 4, met: true });
    expect(row.evidence.value).toBeCloseTo(13 / 3, 6);
  });

  it("without enough responses the verdict is inconclusive", async () => {
    const { a, prototype, docName, answer } = await boundCard(5);
    moveCard(a.doc, CARD, "running", 0);
    await eventually(async () => (await runRow(prototype.id)) !== null, "started");
    for (const score of [5, 5]) await answer(score);
    moveCard(a.doc, CARD, "validated", 0);
    await eventually(async () => (await runRow(prototype.id))?.verdict === "inconclusive", "inconclusive recorded");
    await eventually(() => converged(a.doc, serverDoc(docName)) && card(a.doc).status === "inconclusive", "doc shows inconclusive");
  });
});
