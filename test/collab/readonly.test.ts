import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, storedDoc, synced } from "../helpers/collab.js";
import {
  countRows,
  MSG_AWARENESS,
  MSG_SYNC,
  newPrototype,
  queryAwarenessMessage,
  RawClient,
  readMetric,
  syncStep2Message,
  syncUpdateMessage,
  textUpdate,
} from "./support.js";

const REFUSED = "pilotlab_collab_writes_refused_total";

let app: TestServer;
const open: { destroy(): void }[] = [];
function track<T extends { destroy(): void }>(c: T): T {
  open.push(c);
  return c;
}
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  for (const c of open) c.destroy();
  await app?.close();
});

/** Stored text of Y.Text "t", after every update the server applied so far is durable. */
async function storedText(docName: string): Promise<string> {
  await app.collab.registry.loaded(docName)?.persisted();
  const doc = await storedDoc(app, docName);
  const text = doc.getText("t").toString();
  doc.destroy();
  return text;
}

describe.each(["viewer", "commenter"] as const)("a %s", (role) => {
  it("gets the document and live updates, but its sync step 2 and updates are dropped and counted", async () => {
    const { workspace, docName } = await newPrototype(app);
    const editor = await memberClient(app, workspace.id, "editor");
    const reader = await memberClient(app, workspace.id, role);

    const ce = track(connectProvider(app, editor.client, docName));
    await synced(ce.provider);
    ce.doc.getText("t").insert(0, "editor-1 ");
    await eventually(async () => (await storedText(docName)).includes("editor-1"), "editor's first edit stored");

    // The reader edits while offline, so its answer to the server's sync step 1 carries a write.
    const cr = track(connectProvider(app, reader.client, docName, { connect: false }));
    cr.doc.getText("t").insert(0, "offline-write ");
    const refused0 = await readMetric(app, REFUSED);
    cr.provider.connect();
    await synced(cr.provider);
    // It gets the document...
    await eventually(() => cr.doc.getText("t").toString().includes("editor-1"), "reader has the document");
    // ...and its sync step 2 was refused (and counted).
    await eventually(async () => (await readMetric(app, REFUSED)) >= refused0 + 1, "sync step 2 write counted as refused");

    // Live updates reach it.
    ce.doc.getText("t").insert(ce.doc.getText("t").length, "editor-2 ");
    await eventually(() => cr.doc.getText("t").toString().includes("editor-2"), "reader sees live edits");

    // Its own typing (update messages) is dropped and counted.
    const refused1 = await readMetric(app, REFUSED);
    cr.doc.getText("t").insert(0, "typed-write ");
    cr.doc.getMap("m").set("x", 1);
    await eventually(async () => (await readMetric(app, REFUSED)) >= refused1 + 2, "update writes counted as refused");

    // A later editor edit is a sync point: once it is stored and seen, anything from the reader would be too.
    ce.doc.getText("t").insert(ce.doc.getText("t").length, "editor-3");
    await eventually(() => cr.doc.getText("t").toString().includes("editor-3"), "reader sees the marker");
    const stored = await storedText(docName);
    expect(stored).toContain("editor-3");
    for (const text of [stored, ce.doc.getText("t").toString(), app.collab.registry.loaded(docName)!.doc.getText("t").toString()]) {
      expect(text).not.toContain("offline-write");
      expect(text).not.toContain("typed-write");
    }
    expect(ce.doc.getMap("m").size).toBe(0);
    expect(app.collab.registry.loaded(docName)!.doc.getMap("m").size).toBe(0);
    // The reader is not disconnected for trying (its editor UI is read-only; this is a backstop).
    expect(cr.provider.wsconnected).toBe(true);
    // Nothing from the reader's client id ever reached the log.
    const serverSv = Y.decodeStateVector(Y.encodeStateVector(app.collab.registry.loaded(docName)!.doc));
    expect(serverSv.has(cr.doc.clientID)).toBe(false);
    const storedFull = await storedDoc(app, docName);
    expect(Y.decodeStateVector(Y.encodeStateVector(storedFull)).has(cr.doc.clientID)).toBe(false);
    storedFull.destroy();
    ce.destroy();
    cr.destroy();
  });

  it("raw protocol writes (step 2 and update) are dropped one for one, and the connection stays usable", async () => {
    const { workspace, docName } = await newPrototype(app);
    const editor = await memberClient(app, workspace.id, "editor");
    const reader = await memberClient(app, workspace.id, role);
    const ce = track(connectProvider(app, editor.client, docName));
    await synced(ce.provider);
    const raw = track(await RawClient.connect(app, docName, { cookie: reader.client.cookieHeader }));
    const rowsBefore = await countRows(app, "doc_updates", docName);
    const stateBefore = Buffer.from(Y.encodeStateAsUpdate(app.collab.registry.loaded(docName)!.doc));

    const r0 = await readMetric(app, REFUSED);
    raw.send(syncStep2Message(textUpdate(raw.doc, "raw-step2")));
    await eventually(async () => (await readMetric(app, REFUSED)) === r0 + 1, "step 2 refused");
    raw.send(syncUpdateMessage(textUpdate(raw.doc, "raw-update")));
    await eventually(async () => (await readMetric(app, REFUSED)) === r0 + 2, "update refused");

    expect(Buffer.from(Y.encodeStateAsUpdate(app.collab.registry.loaded(docName)!.doc)).equals(stateBefore)).toBe(true);
    expect(await countRows(app, "doc_updates", docName)).toBe(rowsBefore);
    expect(raw.isOpen).toBe(true);
    // Still live: an editor's edit reaches the raw reader.
    ce.doc.getText("t").insert(0, "still-live");
    await eventually(() => raw.doc.getText("t").toString().includes("still-live"), "reader still receives updates");
    expect(ce.doc.getText("t").toString()).not.toContain("raw-");
    raw.destroy();
    ce.destroy();
  });
});

it("a reader that writes nothing is not counted, even on a document with deletions", async () => {
  const { workspace, docName } = await newPrototype(app);
  const editor = await memberClient(app, workspace.id, "editor");
  const reader = await memberClient(app, workspace.id, "viewer");
  const ce = track(connectProvider(app, editor.client, docName));
  await synced(ce.provider);
  ce.doc.getText("t").insert(0, "some text to delete");
  ce.doc.getText("t").delete(0, 5);
  await eventually(async () => (await storedText(docName)) === "text to delete", "edits stored");
  const first = track(await RawClient.connect(app, docName, { cookie: reader.client.cookieHeader }));

  /**
   * Connects a reader whose document starts as `state` (as after a reconnect), lets it answer the
   * server's sync step 1 like the stock client, and returns once the server has processed that
   * answer (a query-awareness sent after it on the same connection has been answered).
   */
  async function readerAnswers(state: Uint8Array) {
    const raw = track(new RawClient(app, docName, { cookie: reader.client.cookieHeader }));
    Y.applyUpdate(raw.doc, state);
    await raw.opened;
    await eventually(() => raw.received.includes(MSG_SYNC), "server's sync step 1 received and answered");
    const answers = raw.received.filter((t) => t === MSG_AWARENESS).length;
    raw.send(queryAwarenessMessage());
    await eventually(() => raw.received.filter((t) => t === MSG_AWARENESS).length > answers, "query answered");
    return raw;
  }

  // Its answer carries the document's delete set (it has the deletions): not a write.
  const before = await readMetric(app, REFUSED);
  const again = await readerAnswers(Y.encodeStateAsUpdate(first.doc));
  expect(await readMetric(app, REFUSED)).toBe(before);
  expect(again.isOpen).toBe(true);

  // Positive control: the same answer with one more (local) deletion is a write and is counted.
  const tampered = new Y.Doc();
  Y.applyUpdate(tampered, Y.encodeStateAsUpdate(first.doc));
  tampered.getText("t").delete(0, 4);
  await readerAnswers(Y.encodeStateAsUpdate(tampered));
  expect(await readMetric(app, REFUSED)).toBe(before + 1);
  expect(app.collab.registry.loaded(docName)!.doc.getText("t").toString()).toBe("text to delete");
  tampered.destroy();
  ce.destroy();
});

describe("an archived prototype", () => {
  it("is read-only for editors too until it is restored", async () => {
    const { workspace, docName } = await newPrototype(app);
    const prototypeId = docName.slice("prototype.".length);
    const editor = await memberClient(app, workspace.id, "editor");
    await app.services.prototypes.setArchived({ workspaceId: workspace.id, prototypeId, archived: true });

    const frozen = track(connectProvider(app, editor.client, docName));
    await synced(frozen.provider);
    const refused = await readMetric(app, REFUSED);
    frozen.doc.getText("t").insert(0, "while-archived ");
    await eventually(async () => (await readMetric(app, REFUSED)) >= refused + 1, "the write to an archived document is refused");
    expect(await storedText(docName)).not.toContain("while-archived");
    frozen.destroy();

    await app.services.prototypes.setArchived({ workspaceId: workspace.id, prototypeId, archived: false });
    const live = track(connectProvider(app, editor.client, docName));
    await synced(live.provider);
    live.doc.getText("t").insert(0, "after-restore ");
    await eventually(async () => (await storedText(docName)).includes("after-restore"), "the restored document takes edits again");
  });
});
