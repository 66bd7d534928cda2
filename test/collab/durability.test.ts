import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { CollabLimits } from "../../server/collab/constants.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, storedDoc, synced, type CollabClient } from "../helpers/collab.js";
import { countRows, newPrototype, sameState, sleep, upgradeStatus } from "./support.js";

/** One database for the file; each test starts (and stops) its own server on it. */
let db: TestDatabase;
const servers: TestServer[] = [];
const clients: CollabClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const s of servers) await s.close();
  await db?.close();
});

async function server(collabLimits: Partial<CollabLimits> = {}): Promise<TestServer> {
  const s = await startTestServer({ db, collabLimits });
  servers.push(s);
  return s;
}
async function stop(s: TestServer) {
  await s.close();
  servers.splice(servers.indexOf(s), 1);
}
function connect(app: TestServer, member: { client: Parameters<typeof connectProvider>[1] }, docName: string) {
  const c = connectProvider(app, member.client, docName);
  clients.push(c);
  return c;
}

/** The paragraph texts of the Tiptap field. */
function paragraphs(doc: Y.Doc): string[] {
  return doc
    .getXmlFragment("default")
    .toArray()
    .map((n) => (n instanceof Y.XmlElement ? n.toArray().map((t) => (t instanceof Y.XmlText ? t.toString() : "")).join("") : ""));
}
function appendParagraph(doc: Y.Doc, text: string) {
  const p = new Y.XmlElement("paragraph");
  p.insert(0, [new Y.XmlText(text)]);
  const fragment = doc.getXmlFragment("default");
  fragment.insert(fragment.length, [p]);
}
async function docText(app: TestServer, prototypeId: string): Promise<string> {
  const [row] = await app.db.sql<{ doc_text: string }[]>`select doc_text from prototypes where id = ${prototypeId}`;
  return row.doc_text;
}

it("a restarted server reloads identical state", async () => {
  let app = await server();
  const { workspace, docName } = await newPrototype(app);
  const a = await memberClient(app, workspace.id, "editor");
  const b = await memberClient(app, workspace.id, "editor");
  const ca = connect(app, a, docName);
  const cb = connect(app, b, docName);
  await Promise.all([synced(ca.provider), synced(cb.provider)]);
  for (let i = 0; i < 10; i++) {
    ca.doc.getText("t").insert(0, `a${i} `);
    cb.doc.getText("t").insert(cb.doc.getText("t").length, ` b${i}`);
  }
  ca.doc.getText("t").delete(0, 3);
  appendParagraph(cb.doc, "Restart me");
  ca.doc.getMap("m").set("k", { nested: [1, 2, 3] });
  await eventually(() => sameState(ca.doc, cb.doc) && ca.doc.getMap("m").has("k") && paragraphs(ca.doc).includes("Restart me"), "a and b converge");
  await eventually(() => sameState(app.collab.registry.loaded(docName)!.doc, ca.doc), "server has it all");
  const before = new Y.Doc();
  Y.applyUpdate(before, Y.encodeStateAsUpdate(app.collab.registry.loaded(docName)!.doc));
  ca.destroy();
  cb.destroy();
  await stop(app);

  app = await server();
  expect(app.collab.registry.size).toBe(0);
  const c = await memberClient(app, workspace.id, "viewer");
  const cc = connect(app, c, docName);
  await synced(cc.provider);
  const reloaded = app.collab.registry.loaded(docName)!.doc;
  for (const doc of [cc.doc, reloaded]) {
    expect(sameState(doc, before)).toBe(true);
    expect(doc.getXmlFragment("default").toString()).toBe(before.getXmlFragment("default").toString());
    expect(doc.getMap("m").toJSON()).toEqual(before.getMap("m").toJSON());
  }
  cc.destroy();
  await stop(app);
});

it("compaction under concurrent edits loses nothing", async () => {
  const compactAfterUpdates = 15;
  let app = await server({ compactAfterUpdates });
  const { workspace, docName } = await newPrototype(app);
  const members = await Promise.all([0, 1, 2].map(() => memberClient(app, workspace.id, "editor")));
  const cs = members.map((m) => connect(app, m, docName));
  await Promise.all(cs.map((c) => synced(c.provider)));

  const perClient = 40;
  const expected: string[] = [];
  await Promise.all(
    cs.map(async (c, i) => {
      for (let n = 0; n < perClient; n++) {
        const token = `<c${i}.${n}>`;
        expected.push(token);
        const t = c.doc.getText("t");
        // At either end, so no insert ever lands inside another client's token.
        t.insert(Math.random() < 0.5 ? 0 : t.length, token);
        if (n % 10 === 9) appendParagraph(c.doc, `para ${i}.${n}`);
        await sleep(Math.random() * 12);
      }
    }),
  );
  const hasAll = (doc: Y.Doc) => {
    const text = doc.getText("t").toString();
    return expected.every((tok) => text.includes(tok));
  };
  await eventually(() => cs.every((c) => hasAll(c.doc)) && sameState(cs[0].doc, cs[1].doc) && sameState(cs[1].doc, cs[2].doc), "clients converge", 20_000);
  const shared = app.collab.registry.loaded(docName)!;
  await eventually(() => hasAll(shared.doc), "server has every edit");
  await shared.persisted();
  await shared.compact();

  const stored = await storedDoc(app, docName);
  expect(hasAll(stored)).toBe(true);
  expect(sameState(stored, cs[0].doc)).toBe(true);
  expect(paragraphs(stored).filter((p) => p.startsWith("para "))).toHaveLength(12);
  stored.destroy();
  // Snapshots were taken and the log was trimmed (>= 120 updates went through it).
  expect(await countRows(app, "doc_snapshots", docName)).toBe(1);
  expect(await countRows(app, "doc_updates", docName)).toBeLessThan(compactAfterUpdates);

  // And a restart loads the same state from snapshot + log.
  for (const c of cs) c.destroy();
  const expectedState = new Y.Doc();
  Y.applyUpdate(expectedState, Y.encodeStateAsUpdate(shared.doc));
  await stop(app);
  app = await server({ compactAfterUpdates });
  const fresh = connect(app, members[0], docName);
  await synced(fresh.provider);
  expect(hasAll(fresh.doc)).toBe(true);
  expect(sameState(fresh.doc, expectedState)).toBe(true);
  fresh.destroy();
  await stop(app);
});

describe("idle documents", () => {
  it("unload after the last client leaves, and a new client gets the full state", async () => {
    const app = await server({ idleUnloadMs: 200 });
    const { workspace, prototype, docName } = await newPrototype(app);
    const m = await memberClient(app, workspace.id, "editor");
    const c1 = connect(app, m, docName);
    await synced(c1.provider);
    c1.doc.getText("t").insert(0, "idle test");
    appendParagraph(c1.doc, "Ocelot paragraph");
    await eventually(() => app.collab.registry.loaded(docName)?.doc.getText("t").toString() === "idle test", "server has it");
    // Still in use: never unloaded, however long it waits.
    await sleep(500);
    expect(app.collab.registry.loaded(docName)).toBeDefined();
    c1.destroy();
    await eventually(() => app.collab.registry.size === 0, "document unloaded", 5000);
    // Unloading stored it: snapshot and text projection.
    expect(await countRows(app, "doc_snapshots", docName)).toBe(1);
    expect(await docText(app, prototype.id)).toContain("Ocelot paragraph");

    const c2 = connect(app, m, docName);
    await synced(c2.provider);
    expect(c2.doc.getText("t").toString()).toBe("idle test");
    expect(paragraphs(c2.doc)).toContain("Ocelot paragraph");
    expect(app.collab.registry.size).toBe(1);
    c2.destroy();
    await stop(app);
  });

  it("clients coming and going around the idle deadline lose nothing", async () => {
    const app = await server({ idleUnloadMs: 150 });
    const { workspace, docName } = await newPrototype(app);
    const m = await memberClient(app, workspace.id, "editor");
    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) {
      const c = connect(app, m, docName);
      await synced(c.provider);
      const token = `[${i}]`;
      tokens.push(token);
      c.doc.getText("t").insert(c.doc.getText("t").length, token);
      await eventually(() => app.collab.registry.loaded(docName)?.doc.getText("t").toString().includes(token) ?? false, `server has ${token}`);
      c.destroy();
      // Around the deadline: sometimes before the unload, sometimes during it, sometimes after.
      await sleep(100 + Math.random() * 120);
    }
    const last = connect(app, m, docName);
    await synced(last.provider);
    expect(last.doc.getText("t").toString()).toBe(tokens.join(""));
    last.destroy();
    await eventually(() => app.collab.registry.size === 0, "document unloaded");
    const stored = await storedDoc(app, docName);
    expect(stored.getText("t").toString()).toBe(tokens.join(""));
    stored.destroy();
    await stop(app);
  });
});

it("the document cap evicts an idle document, and refuses with 503 when all are in use", async () => {
  const app = await server({ maxDocuments: 2, idleUnloadMs: 60_000 });
  const protos = [await newPrototype(app), await newPrototype(app), await newPrototype(app)];
  const [A, B, C] = protos.map((p) => p.docName);
  const members = await Promise.all(protos.map((p) => memberClient(app, p.workspace.id, "editor")));

  async function edit(i: number, text: string) {
    const c = connect(app, members[i], protos[i].docName);
    await synced(c.provider);
    c.doc.getText("t").insert(c.doc.getText("t").length, text);
    await eventually(() => app.collab.registry.loaded(protos[i].docName)?.doc.getText("t").toString().includes(text) ?? false, `server has ${text}`);
    return c;
  }

  (await edit(0, "A1")).destroy();
  await sleep(20); // so A is the least recently used
  (await edit(1, "B1")).destroy();
  await eventually(() => app.collab.registry.loaded(A)!.peers.size === 0 && app.collab.registry.loaded(B)!.peers.size === 0, "A and B idle");
  expect(app.collab.registry.size).toBe(2);

  // A third document: the least recently used idle one (A) is stored and evicted.
  const cc = await edit(2, "C1");
  expect(app.collab.registry.size).toBe(2);
  expect(app.collab.registry.loaded(A)).toBeUndefined();
  expect(app.collab.registry.loaded(B)).toBeDefined();
  expect(app.collab.registry.loaded(C)).toBeDefined();
  const storedA = await storedDoc(app, A);
  expect(storedA.getText("t").toString()).toBe("A1");
  storedA.destroy();

  // B and C in use: opening A is refused with 503 and nothing is evicted.
  const cb = connect(app, members[1], B);
  await synced(cb.provider);
  expect(await upgradeStatus(app, `/collab/${A}`, { origin: app.url, cookie: members[0].client.cookieHeader })).toBe(503);
  expect(app.collab.registry.size).toBe(2);
  expect(app.collab.registry.loaded(A)).toBeUndefined();

  // Once B is let go of, A opens again (evicting B) with its content.
  cb.destroy();
  await eventually(() => app.collab.registry.loaded(B)!.peers.size === 0, "B idle");
  const ca = connect(app, members[0], A);
  await synced(ca.provider);
  expect(ca.doc.getText("t").toString()).toBe("A1");
  expect(app.collab.registry.size).toBe(2);
  expect(app.collab.registry.loaded(B)).toBeUndefined();
  ca.destroy();
  cc.destroy();
  await stop(app);
});

it("the text projection is refreshed on compaction and unload, not on every update", async () => {
  const compactAfterUpdates = 30;
  const app = await server({ compactAfterUpdates, idleUnloadMs: 300 });
  const { workspace, prototype, docName } = await newPrototype(app);
  const initialText = await docText(app, prototype.id);
  const m = await memberClient(app, workspace.id, "editor");
  const c = connect(app, m, docName);
  await synced(c.provider);

  appendParagraph(c.doc, "Zebra crossings");
  for (let i = 0; i < 5; i++) c.doc.getText("t").insert(0, `${i}`);
  const shared = app.collab.registry.loaded(docName)!;
  await eventually(() => paragraphs(shared.doc).includes("Zebra crossings") && shared.doc.getText("t").length === 5, "server has the edits");
  await shared.persisted();
  const stored = await storedDoc(app, docName);
  expect(paragraphs(stored)).toContain("Zebra crossings");
  stored.destroy();
  // Stored in the log, but the projection hasn't been rewritten yet.
  expect(await docText(app, prototype.id)).toBe(initialText);

  // Enough updates to trigger a compaction: the projection follows.
  for (let i = 0; i < compactAfterUpdates; i++) {
    c.doc.getText("t").insert(0, "x");
    await sleep(2);
  }
  await eventually(async () => (await docText(app, prototype.id)).includes("Zebra crossings"), "projection refreshed on compaction");
  expect(await countRows(app, "doc_snapshots", docName)).toBe(1);
  const [found] = await app.db.sql<{ id: string }[]>`select id from prototypes where search @@ plainto_tsquery('english', 'zebra crossing')`;
  expect(found?.id).toBe(prototype.id);

  // A later edit shows up once the document goes idle and is unloaded.
  appendParagraph(c.doc, "Yak shaving");
  await eventually(() => paragraphs(shared.doc).includes("Yak shaving"), "server has the yak");
  await shared.persisted();
  expect(await docText(app, prototype.id)).not.toContain("Yak shaving");
  c.destroy();
  await eventually(() => app.collab.registry.size === 0, "unloaded");
  expect(await docText(app, prototype.id)).toContain("Yak shaving");
  await stop(app);
});

it("graceful shutdown closes clients with 1001 and stores everything, including what was still queued", async () => {
  // A long group-commit window keeps updates queued when the shutdown starts.
  const app = await server({ groupCommitMs: 400 });
  const { workspace, prototype, docName } = await newPrototype(app);
  const members = await Promise.all([0, 1].map(() => memberClient(app, workspace.id, "editor")));
  const cs = members.map((m) => connect(app, m, docName));
  const codes: number[][] = [[], []];
  cs.forEach((c, i) => c.provider.on("connection-close", (event: CloseEvent | null) => codes[i].push(event?.code ?? -1)));
  await Promise.all(cs.map((c) => synced(c.provider)));

  cs[0].doc.getText("t").insert(0, "first ");
  await eventually(() => cs[1].doc.getText("t").toString().includes("first"), "b sees the first edit");
  cs[1].doc.getText("t").insert(0, "queued ");
  appendParagraph(cs[0].doc, "Shutdown paragraph");
  const shared = app.collab.registry.loaded(docName)!;
  await eventually(() => shared.doc.getText("t").toString().includes("queued") && paragraphs(shared.doc).includes("Shutdown paragraph"), "server applied both");
  expect(app.collab.updateLog.pending).toBeGreaterThan(0);
  const inMemory = new Y.Doc();
  Y.applyUpdate(inMemory, Y.encodeStateAsUpdate(shared.doc));

  await stop(app);
  for (const c of cs) c.provider.disconnect();
  expect(codes[0][0]).toBe(1001);
  expect(codes[1][0]).toBe(1001);
  expect(app.collab.updateLog.pending).toBe(0);

  // Read it back through a fresh server on the same database.
  const next = await server();
  const stored = await storedDoc(next, docName);
  expect(sameState(stored, inMemory)).toBe(true);
  expect(stored.getText("t").toString()).toContain("queued");
  expect(await docText(next, prototype.id)).toContain("Shutdown paragraph");
  stored.destroy();
  for (const c of cs) c.destroy();
  await stop(next);
});
