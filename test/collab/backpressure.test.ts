import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import * as Y from "yjs";
import { CloseCode } from "../../server/collab/constants.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, synced, type CollabClient } from "../helpers/collab.js";
import { memoryState, newPrototype, RawClient, readMetric, syncUpdateMessage } from "./support.js";

/** Small, so a paused reader crosses it once the kernel's socket buffers are full. */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Each flood update carries this much text (well under the 1 MiB message limit). */
const UPDATE_CHARS = 256 * 1024;
/** Enough to fill the loopback socket buffers many times over; the test stops as soon as the slow reader is closed. */
const MAX_FLOOD_UPDATES = 200;

let app: TestServer;
let docName: string;
let slow: RawClient;
let flooder: RawClient;
let watcher: CollabClient;
let watcherCloses = 0;

/** The update `change` makes to `doc`. */
function captureUpdate(doc: Y.Doc, change: () => void): Uint8Array {
  let captured: Uint8Array | null = null;
  const onUpdate = (update: Uint8Array) => (captured = update);
  doc.on("update", onUpdate);
  change();
  doc.off("update", onUpdate);
  if (!captured) throw new Error("the change made no update");
  return captured;
}

beforeAll(async () => {
  app = await startTestServer({ collabLimits: { maxBufferedBytes: MAX_BUFFERED_BYTES } });
  const p = await newPrototype(app);
  docName = p.docName;
  const [a, b, c] = await Promise.all(["editor", "editor", "viewer"].map((role) => memberClient(app, p.workspace.id, role as "editor" | "viewer")));
  slow = await RawClient.connect(app, docName, { cookie: c.client.cookieHeader });
  flooder = await RawClient.connect(app, docName, { cookie: a.client.cookieHeader });
  watcher = connectProvider(app, b.client, docName);
  watcher.provider.on("connection-close", () => watcherCloses++);
  await synced(watcher.provider);
});

afterAll(async () => {
  slow?.destroy();
  flooder?.destroy();
  watcher?.destroy();
  await app?.close();
});

describe("a receiver that stops reading", () => {
  it("is closed with 1013 while the writer and a reading client carry on, and the document keeps every update", async () => {
    // Stop reading: the server's writes pile up in the kernel buffers, then in its own queue.
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();

    const map = flooder.doc.getMap("flood");
    let sent = 0;
    while (sent < MAX_FLOOD_UPDATES && (await readMetric(app, "pilotlab_collab_slow_receivers_closed_total")) === 0) {
      for (let i = 0; i < 5; i++, sent++) {
        const update = captureUpdate(flooder.doc, () => map.set(`k${sent % 4}`, `${sent}:`.padEnd(UPDATE_CHARS, "x")));
        flooder.send(syncUpdateMessage(update));
      }
      // Let the watcher keep up, as a healthy client does.
      await eventually(() => (watcher.doc.getMap("flood").get(`k${(sent - 1) % 4}`) as string | undefined)?.startsWith(`${sent - 1}:`) ?? false, "watcher caught up", 10_000);
    }
    expect(await readMetric(app, "pilotlab_collab_slow_receivers_closed_total")).toBe(1);
    const last = captureUpdate(flooder.doc, () => map.set("done", sent));
    flooder.send(syncUpdateMessage(last));

    // The reading client and the writer are untouched and have everything.
    await eventually(() => watcher.doc.getMap("flood").get("done") === sent, "watcher received the last update", 10_000);
    expect(flooder.isOpen).toBe(true);
    expect(watcherCloses).toBe(0);
    expect(Y.equalSnapshots(Y.snapshot(watcher.doc), Y.snapshot(flooder.doc))).toBe(true);
    const server = new Y.Doc();
    Y.applyUpdate(server, memoryState(app, docName)!);
    expect(Y.equalSnapshots(Y.snapshot(server), Y.snapshot(flooder.doc))).toBe(true);
    expect(server.getMap("flood").get("done")).toBe(sent);

    // Once it reads again, the slow client finds the close: a code the stock client reconnects after.
    socket.resume();
    const closed = await slow.waitClosed(20_000);
    expect(closed).toEqual({ code: CloseCode.SlowReceiver, reason: "slow-receiver" });
    expect(closed.code >= 4400 && closed.code < 4500).toBe(false);
    await eventually(() => app.collab.registry.loaded(docName)?.peers.size === 2, "the slow connection left the document");
  }, 60_000);
});
