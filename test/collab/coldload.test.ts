import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, storedDoc, synced } from "../helpers/collab.js";
import { EARLY_STATE_MIN_BYTES } from "../../server/collab/index.js";
import { MSG_AWARENESS, MSG_SYNC, newPrototype, queryAwarenessMessage, RawClient, readMetric, sameState, syncStep1Message, syncUpdateMessage, textUpdate } from "./support.js";

let app: TestServer;

beforeAll(async () => {
  app = await startTestServer({ collabLimits: { idleUnloadMs: 200 } });
});
afterAll(async () => {
  await app?.close();
});

/** The sync messages a raw client received, as [sync type, payload bytes]. */
function syncMessages(raw: RawClient, frames: Uint8Array[]) {
  return frames
    .map((frame) => {
      const decoder = decoding.createDecoder(frame);
      if (decoding.readVarUint(decoder) !== MSG_SYNC) return null;
      const type = decoding.readVarUint(decoder);
      return [type, decoding.readVarUint8Array(decoder).length] as const;
    })
    .filter((m) => m !== null);
}

describe("opening a document that is not in memory", () => {
  it("a small document takes the ordinary path: loaded first, then served", async () => {
    const { workspace, docName } = await newPrototype(app);
    const writer = await memberClient(app, workspace.id, "editor");
    const first = connectProvider(app, writer.client, docName);
    await synced(first.provider);
    first.doc.getText("t").insert(0, "small");
    await eventually(async () => (await storedDoc(app, docName)).getText("t").toString() === "small", "stored");
    first.destroy();
    await eventually(() => app.collab.registry.loaded(docName) === undefined, "document unloaded");
    const raw = await RawClient.connect(app, docName, { cookie: writer.client.cookieHeader });
    // Synced implies loaded on this path.
    expect(app.collab.registry.loaded(docName)).toBeDefined();
    expect(raw.doc.getText("t").toString()).toBe("small");
    raw.destroy();
  });

  it("sends the stored state before being asked, then only what the client lacks, and the document works as usual", async () => {
    const { workspace, docName } = await newPrototype(app);
    const writer = await memberClient(app, workspace.id, "editor");
    const reader = await memberClient(app, workspace.id, "editor");

    // Store a document big enough to be sent early (small ones take the ordinary path), then let it unload.
    const first = connectProvider(app, writer.client, docName);
    await synced(first.provider);
    first.doc.getText("t").insert(0, "long document ".repeat(Math.ceil(EARLY_STATE_MIN_BYTES / 14)));
    for (let i = 0; i < 20; i++) first.doc.getText("t").insert(i, "x");
    await eventually(async () => {
      const stored = await storedDoc(app, docName);
      const same = stored.getText("t").toString() === first.doc.getText("t").toString();
      stored.destroy();
      return same;
    }, "edits stored");
    first.destroy();
    await eventually(() => app.collab.registry.loaded(docName) === undefined, "document unloaded");
    const syncsBefore = await readMetric(app, "pilotlab_collab_first_sync_seconds_count");

    // A client that has not asked for anything yet already receives the whole state.
    const frames: Uint8Array[] = [];
    const raw = new RawClient(app, docName, { cookie: reader.client.cookieHeader });
    raw.ws.on("message", (data: Buffer) => frames.push(new Uint8Array(data)));
    await raw.opened;
    await eventually(() => raw.gotState, "state sent unasked");
    expect(raw.doc.getText("t").toString()).toBe(first.doc.getText("t").toString());
    expect(syncMessages(raw, frames)[0][0]).toBe(syncProtocol.messageYjsSyncStep2);
    expect(await readMetric(app, "pilotlab_collab_first_sync_seconds_count")).toBe(syncsBefore + 1);

    // Asking with an empty state vector (as the stock client does on open) is answered with
    // what it lacks, not the whole state a second time.
    const stepTwos = () => syncMessages(raw, frames).filter(([type]) => type === syncProtocol.messageYjsSyncStep2);
    raw.send(syncStep1Message(new Y.Doc()));
    await eventually(() => stepTwos().length === 2, "answer to sync step 1");
    expect(stepTwos()[1][1]).toBeLessThan(stepTwos()[0][1]);

    // Its edits apply and reach others; the server's copy matches.
    raw.send(syncUpdateMessage(textUpdate(raw.doc, "!")));
    const other = connectProvider(app, writer.client, docName);
    await synced(other.provider);
    await eventually(() => other.doc.getText("t").toString().endsWith("!"), "edit reaches another client");
    const shared = app.collab.registry.loaded(docName)!;
    await shared.persisted();
    expect(sameState(shared.doc, other.doc)).toBe(true);
    raw.destroy();
    other.destroy();
  });

  /** A document over the early-send size, stored as one snapshot and unloaded; the text it holds. */
  async function storedLargeDocument({ withDeletions = false } = {}) {
    const { workspace, docName } = await newPrototype(app);
    const writer = await memberClient(app, workspace.id, "editor");
    const first = connectProvider(app, writer.client, docName);
    await synced(first.provider);
    first.doc.getText("t").insert(0, "a stored page ".repeat(Math.ceil(EARLY_STATE_MIN_BYTES / 14)));
    if (withDeletions) for (let i = 0; i < 5; i++) first.doc.getText("t").delete(100 * i, 7);
    const text = first.doc.getText("t").toString();
    await eventually(async () => {
      const stored = await storedDoc(app, docName);
      const same = stored.getText("t").toString() === text;
      stored.destroy();
      return same;
    }, "edits stored");
    first.destroy();
    await eventually(() => app.collab.registry.loaded(docName) === undefined, "document unloaded");
    const [row] = await app.db.sql<{ n: number; vector: Buffer | null }[]>`
      select (select count(*)::int from doc_updates where doc_name = ${docName}) as n,
             (select state_vector from doc_snapshots where doc_name = ${docName}) as vector`;
    expect(row.n).toBe(0);
    expect(row.vector).not.toBeNull();
    return { workspace, docName, text };
  }

  it("serves readers of a large stored document from its snapshot, and builds it only when a write needs it", async () => {
    const { workspace, docName, text } = await storedLargeDocument();
    const opensBefore = await readMetric(app, "pilotlab_collab_documents_opened_unbuilt_total");
    const buildsBefore = await readMetric(app, "pilotlab_collab_documents_built_on_demand_total");
    const editor = await memberClient(app, workspace.id, "editor");
    const viewer = await memberClient(app, workspace.id, "viewer");

    // The first reader gets the state early; it asks as a fresh client does and answers our state vector.
    const first = await RawClient.connect(app, docName, { cookie: editor.client.cookieHeader });
    expect(first.doc.getText("t").toString()).toBe(text);
    const shared = app.collab.registry.loaded(docName)!;
    expect(shared.built).toBe(false);
    // The vector stored with the snapshot is the one the built document will have.
    expect(Buffer.from(shared.stateVector())).toEqual(Buffer.from(Y.encodeStateVector(first.doc)));

    // A second reader, with nothing yet, is sent the stored bytes in full, still without a build.
    const second = await RawClient.connect(app, docName, { cookie: viewer.client.cookieHeader });
    expect(second.doc.getText("t").toString()).toBe(text);
    // Its answer to our state vector is handled before this query's reply (messages are handled in order).
    second.send(queryAwarenessMessage());
    await eventually(() => second.received.includes(MSG_AWARENESS), "second reader's sync done");
    expect(shared.built).toBe(false);
    expect(await readMetric(app, "pilotlab_collab_documents_opened_unbuilt_total")).toBe(opensBefore + 1);
    expect(await readMetric(app, "pilotlab_collab_documents_built_on_demand_total")).toBe(buildsBefore);

    // The first write builds it, is logged, and reaches the other reader.
    first.send(syncUpdateMessage(textUpdate(first.doc, " and a new line")));
    await eventually(() => second.doc.getText("t").toString() === `${text} and a new line`, "write reaches the reader");
    expect(shared.built).toBe(true);
    expect(await readMetric(app, "pilotlab_collab_documents_built_on_demand_total")).toBe(buildsBefore + 1);
    await shared.persisted();
    const stored = await storedDoc(app, docName);
    expect(stored.getText("t").toString()).toBe(`${text} and a new line`);
    expect(sameState(shared.doc, stored)).toBe(true);
    stored.destroy();
    first.destroy();
    second.destroy();
  });

  it("builds the document to answer a client that already holds part of it, and takes that client's offline work", async () => {
    const { workspace, docName, text } = await storedLargeDocument();
    const editor = await memberClient(app, workspace.id, "editor");
    // What a client kept from an earlier visit, plus a line written offline.
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(await storedDoc(app, docName)));
    offline.getText("t").insert(0, "Offline: ");
    const returning = new RawClient(app, docName, { cookie: editor.client.cookieHeader });
    Y.applyUpdate(returning.doc, Y.encodeStateAsUpdate(offline));
    await returning.opened;
    returning.send(syncStep1Message(returning.doc));
    await eventually(() => returning.gotState, "answered");
    // Our state vector made it send what we lacked; the document was built to take it.
    const shared = app.collab.registry.loaded(docName)!;
    await eventually(() => shared.built && shared.doc.getText("t").toString() === `Offline: ${text}`, "offline work applied");
    await shared.persisted();
    const stored = await storedDoc(app, docName);
    expect(stored.getText("t").toString()).toBe(`Offline: ${text}`);
    stored.destroy();
    offline.destroy();
    returning.destroy();
  });

  it("does not rewrite the snapshot of a document that was only read", async () => {
    const { workspace, docName, text } = await storedLargeDocument();
    const [before] = await app.db.sql<{ updatedAt: Date }[]>`select updated_at as "updatedAt" from doc_snapshots where doc_name = ${docName}`;
    const viewer = await memberClient(app, workspace.id, "viewer");
    const reader = await RawClient.connect(app, docName, { cookie: viewer.client.cookieHeader });
    expect(reader.doc.getText("t").toString()).toBe(text);
    reader.destroy();
    await eventually(() => app.collab.registry.loaded(docName) === undefined, "document unloaded");
    const [after] = await app.db.sql<{ updatedAt: Date }[]>`select updated_at as "updatedAt" from doc_snapshots where doc_name = ${docName}`;
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    // And it opens as before.
    const again = await RawClient.connect(app, docName, { cookie: viewer.client.cookieHeader });
    expect(again.doc.getText("t").toString()).toBe(text);
    again.destroy();
  });

  it("builds a lazily opened document for an update from another instance, and passes it on to its readers", async () => {
    const { workspace, docName, text } = await storedLargeDocument();
    const viewer = await memberClient(app, workspace.id, "viewer");
    const reader = await RawClient.connect(app, docName, { cookie: viewer.client.cookieHeader });
    const shared = app.collab.registry.loaded(docName)!;
    expect(shared.built).toBe(false);
    // What the Redis fan-out hands over when another instance logged an edit (already durable there).
    shared.applyRemote({ kind: "update", update: textUpdate(reader.doc, " (from instance B)"), seq: shared.maxSeq + 1 });
    expect(shared.built).toBe(true);
    expect(shared.doc.getText("t").toString()).toBe(`${text} (from instance B)`);
    await eventually(() => reader.doc.getText("t").toString() === `${text} (from instance B)`, "remote edit reaches the reader");
    reader.destroy();
  });

  it("answers a client that was sent the stored state with only what changed since, when a write built the document meanwhile", async () => {
    const { workspace, docName, text } = await storedLargeDocument();
    const editor = await memberClient(app, workspace.id, "editor");
    const frames: Uint8Array[] = [];
    const early = new RawClient(app, docName, { cookie: editor.client.cookieHeader });
    early.ws.on("message", (data: Buffer) => frames.push(new Uint8Array(data)));
    await early.opened;
    await eventually(() => early.gotState, "state sent unasked");

    // Someone else writes before the first client asks for anything.
    const other = await RawClient.connect(app, docName, { cookie: editor.client.cookieHeader });
    other.send(syncUpdateMessage(textUpdate(other.doc, " + a later line")));
    const shared = app.collab.registry.loaded(docName)!;
    await eventually(() => shared.built && shared.doc.getText("t").toString() === `${text} + a later line`, "write applied");

    // Its empty state vector plus the state it was sent: the answer is the later line only.
    const stepTwos = () => syncMessages(early, frames).filter(([type]) => type === syncProtocol.messageYjsSyncStep2);
    const before = stepTwos().length;
    early.send(syncStep1Message(new Y.Doc()));
    await eventually(() => stepTwos().length > before, "answer to sync step 1");
    expect(stepTwos().at(-1)![1]).toBeLessThan(1024);
    await eventually(() => early.doc.getText("t").toString() === `${text} + a later line`, "first client has the later line");
    early.destroy();
    other.destroy();
  });

  it("builds at load a snapshot stored without its state vector (stored before migration 010)", async () => {
    const { workspace, docName, text } = await storedLargeDocument();
    await app.db.sql`update doc_snapshots set state_vector = null where doc_name = ${docName}`;
    const opensBefore = await readMetric(app, "pilotlab_collab_documents_opened_unbuilt_total");
    const viewer = await memberClient(app, workspace.id, "viewer");
    const reader = await RawClient.connect(app, docName, { cookie: viewer.client.cookieHeader });
    expect(reader.doc.getText("t").toString()).toBe(text);
    expect(app.collab.registry.loaded(docName)!.built).toBe(true);
    expect(await readMetric(app, "pilotlab_collab_documents_opened_unbuilt_total")).toBe(opensBefore);
    reader.destroy();
  });

  it("recognises a fresh client's answer carrying the stored deletions without building, and builds for deletions it lacks", async () => {
    const { workspace, docName, text } = await storedLargeDocument({ withDeletions: true });
    const viewer = await memberClient(app, workspace.id, "viewer");
    const editor = await memberClient(app, workspace.id, "editor");
    const refusedBefore = await readMetric(app, "pilotlab_collab_writes_refused_total");

    // Each raw client answers our sync step 1 with its whole delete set, as the stock client does.
    const reader = await RawClient.connect(app, docName, { cookie: viewer.client.cookieHeader });
    const writer = await RawClient.connect(app, docName, { cookie: editor.client.cookieHeader });
    for (const client of [reader, writer]) {
      expect(client.doc.getText("t").toString()).toBe(text);
      client.send(queryAwarenessMessage());
      await eventually(() => client.received.includes(MSG_AWARENESS), "its answer handled");
    }
    const shared = app.collab.registry.loaded(docName)!;
    expect(shared.built).toBe(false);
    expect(await readMetric(app, "pilotlab_collab_writes_refused_total")).toBe(refusedBefore);

    // A deletion the document lacks (made offline) is a write: the document is built to take it.
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(writer.doc));
    offline.getText("t").delete(0, 2);
    const returning = new RawClient(app, docName, { cookie: editor.client.cookieHeader });
    Y.applyUpdate(returning.doc, Y.encodeStateAsUpdate(offline));
    await returning.opened;
    returning.send(syncStep1Message(returning.doc));
    await eventually(() => shared.built && shared.doc.getText("t").toString() === text.slice(2), "offline deletion applied");
    await eventually(() => reader.doc.getText("t").toString() === text.slice(2), "the reader sees it");
    for (const client of [reader, writer, returning]) client.destroy();
    offline.destroy();
  });
});
