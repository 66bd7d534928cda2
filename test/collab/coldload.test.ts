import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, storedDoc, synced } from "../helpers/collab.js";
import { EARLY_STATE_MIN_BYTES } from "../../server/collab/index.js";
import { MSG_SYNC, newPrototype, RawClient, readMetric, sameState, syncStep1Message, syncUpdateMessage, textUpdate } from "./support.js";

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
});
