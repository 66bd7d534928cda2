import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, synced, type CollabClient } from "../helpers/collab.js";
import {
  MSG_SYNC,
  newPrototype,
  awarenessMessage,
  queryAwarenessMessage,
  RawClient,
  readMetric,
  storedRows,
  syncUpdateMessage,
  textUpdate,
} from "./support.js";

const LIMITS = { maxMessageBytes: 4096, messagesPerSecond: 20, messageBurst: 20, idleUnloadMs: 300 };

let app: TestServer;
let docName: string;
let attacker: Awaited<ReturnType<typeof memberClient>>;
let bystander: CollabClient;
let watcher: CollabClient;
let bystanderCloses = 0;
let watcherCloses = 0;
let round = 0;
const open: { destroy(): void }[] = [];

beforeAll(async () => {
  app = await startTestServer({ collabLimits: LIMITS });
  const p = await newPrototype(app);
  docName = p.docName;
  attacker = await memberClient(app, p.workspace.id, "editor");
  const b = await memberClient(app, p.workspace.id, "editor");
  const w = await memberClient(app, p.workspace.id, "viewer");
  bystander = connectProvider(app, b.client, docName);
  watcher = connectProvider(app, w.client, docName);
  open.push(bystander, watcher);
  bystander.provider.on("connection-close", () => bystanderCloses++);
  watcher.provider.on("connection-close", () => watcherCloses++);
  await Promise.all([synced(bystander.provider), synced(watcher.provider)]);
  bystander.doc.getText("t").insert(0, "before ");
  await eventually(() => watcher.doc.getText("t").toString().includes("before"), "watcher synced");
});
afterAll(async () => {
  for (const c of open) c.destroy();
  await app?.close();
});

async function serverSnapshot() {
  const shared = app.collab.registry.loaded(docName)!;
  await shared.persisted();
  const stored = await storedRows(app, docName);
  const hash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);
  return {
    // Hashes keep a failure readable; the text says what changed.
    memory: `${hash(Buffer.from(Y.encodeStateAsUpdate(shared.doc)).toString("hex"))} ${JSON.stringify(shared.doc.getText("t").toString())}`,
    stored: `${hash(JSON.stringify(stored))} (${stored.updates.length} log rows, snapshot: ${stored.snapshot ? "yes" : "no"})`,
    rows: stored.updates.length + (stored.snapshot ? 1 : 0),
  };
}

/**
 * Connects an editor speaking the raw protocol, lets `attack` send bad input, and checks the
 * contract: only that connection closes (with one of `codes`), the document in memory and in
 * Postgres is byte-identical, the other clients stay connected and keep syncing, and the
 * server keeps answering.
 */
async function expectContained(attack: (raw: RawClient) => void, codes: number[], reason?: string) {
  const raw = await RawClient.connect(app, docName, { cookie: attacker.client.cookieHeader });
  open.push(raw);
  const rejectedBefore = reason ? await readMetric(app, "pilotlab_collab_messages_rejected_total", `{reason="${reason}"}`) : 0;
  const before = await serverSnapshot();
  const closesBefore = [bystanderCloses, watcherCloses];

  attack(raw);
  const { code } = await raw.waitClosed();
  expect(codes).toContain(code);

  // Give anything the server might (wrongly) still do with the connection's input time to land.
  await new Promise((r) => setTimeout(r, 150));
  const after = await serverSnapshot();
  expect(after.memory).toBe(before.memory);
  expect(after.stored).toBe(before.stored);
  if (reason) expect(await readMetric(app, "pilotlab_collab_messages_rejected_total", `{reason="${reason}"}`)).toBe(rejectedBefore + 1);

  // Everyone else is untouched and still live, through the server (BroadcastChannel is off).
  expect([bystanderCloses, watcherCloses]).toEqual(closesBefore);
  expect(bystander.provider.wsconnected && watcher.provider.wsconnected).toBe(true);
  const marker = `after-${++round} `;
  bystander.doc.getText("t").insert(bystander.doc.getText("t").length, marker);
  await eventually(() => watcher.doc.getText("t").toString().includes(marker), `watcher sees ${marker}`);
  await app.collab.registry.loaded(docName)!.persisted();
  const stored = await serverSnapshot();
  expect(stored.stored).not.toBe(before.stored);
  expect(stored.memory).toContain(marker);
  expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
  for (const text of [bystander.doc, watcher.doc, app.collab.registry.loaded(docName)!.doc].map((d) => d.getText("t").toString())) {
    expect(text).not.toContain("smuggled");
    expect(text).not.toContain("partial");
  }
  raw.destroy();
}

/** Deterministic pseudo-random bytes (mulberry32). */
function seededBytes(seed: number, length: number): Buffer {
  let a = seed >>> 0;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** A valid update sent right behind the bad frame: nothing from a connection being closed may apply. */
const smuggle = (raw: RawClient) => raw.send(syncUpdateMessage(textUpdate(raw.doc, "smuggled")));

/** A sync update message with arbitrary bytes as the update. */
function syncUpdateWith(bytes: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MSG_SYNC);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, bytes);
  return encoding.toUint8Array(e);
}

/**
 * A Yjs v1 update whose first struct is fine ("partial") and whose second struct names an origin
 * on its own client *after* itself — impossible in a real update. It passes Y.decodeUpdate, and
 * Y.applyUpdate throws only after integrating the first struct.
 */
function forwardReferenceUpdate(): Uint8Array {
  const client = 777_001;
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // one client
  encoding.writeVarUint(e, 2); // two structs
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 0); // first clock
  // Item, ContentString (4), no origins: parent is the root type "t".
  encoding.writeUint8(e, 4);
  encoding.writeVarUint(e, 1); // parent is a root key
  encoding.writeVarString(e, "t");
  encoding.writeVarString(e, "partial");
  // Item, ContentString with an origin (0x80) on the same client, clock 100 (in its own future).
  encoding.writeUint8(e, 0x80 | 4);
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 100);
  encoding.writeVarString(e, "xx");
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

/** A valid struct followed by a delete-set range of length 0 (Yjs fails to re-encode it after applying the struct). */
function emptyDeleteRangeUpdate(): Uint8Array {
  const client = 777_002;
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 0);
  encoding.writeUint8(e, 4);
  encoding.writeVarUint(e, 1);
  encoding.writeVarString(e, "t");
  encoding.writeVarString(e, "partial");
  encoding.writeVarUint(e, 1); // delete set: one client
  encoding.writeVarUint(e, 777_003); // a client the document doesn't know
  encoding.writeVarUint(e, 1); // one range
  encoding.writeVarUint(e, 5); // clock
  encoding.writeVarUint(e, 0); // length 0
  return encoding.toUint8Array(e);
}

describe("bad input closes only its own connection and changes nothing", () => {
  it("an oversized frame: 1009", async () => {
    await expectContained((raw) => raw.send(syncUpdateMessage(textUpdate(raw.doc, "smuggled".repeat(700)))), [1009]);
  });

  it("random bytes: 4400 or 1003", async () => {
    // Seeded, so the run is repeatable: truly random bytes after a sync or awareness header decode
    // as a valid message now and then (e.g. an empty update), which must not close anything.
    for (const [seed, first] of [[1, [0xff]], [2, [0x00, 0xff]], [3, [0x01]], [4, [0x00, 0x01]], [5, [0x00, 0x00]], [6, []]] as const) {
      const bytes = Buffer.concat([Buffer.from(first), seededBytes(seed, 200)]);
      await expectContained((raw) => {
        raw.send(bytes);
        smuggle(raw);
      }, [4400, 1003]);
    }
  });

  it("truncated varints: 4400", async () => {
    for (const bytes of [[0x80], [0xff, 0xff], [0x00, 0x80], [0x00, 0x02, 0x85], [0x01, 0xff]]) {
      await expectContained((raw) => {
        raw.send(new Uint8Array(bytes));
        smuggle(raw);
      }, [4400], "bad-message");
    }
  });

  it("an empty binary frame: 4400", async () => {
    await expectContained((raw) => raw.send(new Uint8Array(0)), [4400], "bad-message");
  });

  it("a valid sync-update header with corrupt update bytes: 4400", async () => {
    const real = textUpdate(new Y.Doc(), "partial text that never lands");
    const corrupt = [
      real.slice(0, Math.floor(real.length / 2)), // truncated
      Uint8Array.from(seededBytes(7, 64)), // noise (seeded: repeatable)
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // absurd struct count
      forwardReferenceUpdate(), // decodes, then fails half-way through applying
      emptyDeleteRangeUpdate(), // decodes, then fails after applying its struct
    ];
    for (const update of corrupt) {
      await expectContained((raw) => {
        raw.send(syncUpdateWith(update));
        smuggle(raw);
      }, [4400], "bad-message");
    }
  });

  it("corrupt update bytes in a sync step 2: 4400", async () => {
    await expectContained((raw) => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MSG_SYNC);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, forwardReferenceUpdate());
      raw.send(encoding.toUint8Array(e));
    }, [4400], "bad-message");
  });

  it("an unknown message type: 1003 (unknown sync type: 4400)", async () => {
    await expectContained((raw) => {
      raw.send(new Uint8Array([7, 0, 0]));
      smuggle(raw);
    }, [1003], "unsupported");
    await expectContained((raw) => raw.send(new Uint8Array([2, 0])), [1003], "unsupported");
    await expectContained((raw) => raw.send(new Uint8Array([0, 9, 0])), [4400], "bad-message");
  });

  it("malformed awareness (bad JSON): 4400", async () => {
    await expectContained((raw) => {
      const inner = encoding.createEncoder();
      encoding.writeVarUint(inner, 1);
      encoding.writeVarUint(inner, 123);
      encoding.writeVarUint(inner, 1);
      encoding.writeVarString(inner, "{not json");
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
      raw.send(encoding.toUint8Array(e));
    }, [4400], "bad-message");
  });

  it("an awareness message announcing many clients at once: 4400", async () => {
    await expectContained((raw) => {
      const entries = Array.from({ length: 40 }, (_, i) => ({ clientId: 10_000 + i, clock: 1, state: { user: { name: "ghost" } } }));
      raw.send(awarenessMessage(entries));
    }, [4400], "bad-message");
  });

  it("a text frame: 1003", async () => {
    await expectContained((raw) => {
      raw.send("hello, this is text");
      smuggle(raw);
    }, [1003], "unsupported");
  });

  it("a flood over the rate limit: 1008 (policy violation), so the client may reconnect after backoff", async () => {
    await expectContained((raw) => {
      for (let i = 0; i < LIMITS.messageBurst + 30; i++) raw.send(queryAwarenessMessage());
      for (let i = 0; i < 5; i++) smuggle(raw);
    }, [1008], "rate-limited");
  });

  it("a connection under the rate limit is not cut off", async () => {
    const raw = await RawClient.connect(app, docName, { cookie: attacker.client.cookieHeader });
    open.push(raw);
    for (let i = 0; i < LIMITS.messageBurst - 5; i++) raw.send(queryAwarenessMessage());
    raw.send(syncUpdateMessage(textUpdate(raw.doc, "legit ")));
    await eventually(() => watcher.doc.getText("t").toString().includes("legit"), "watcher sees the legit edit");
    expect(raw.isOpen).toBe(true);
    raw.destroy();
  });
});

describe("the handshake", () => {
  it("a malformed WebSocket handshake from a signed-in member doesn't pin the document in memory", async () => {
    const p = await newPrototype(app);
    const member = await memberClient(app, p.workspace.id, "editor");
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${app.url}/collab/${p.docName}`, {
        headers: {
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-key": randomBytes(16).toString("base64"),
          "sec-websocket-version": "12", // ws only speaks 8 and 13
          origin: app.url,
          cookie: member.client.cookieHeader,
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("upgrade", () => reject(new Error("upgraded")));
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(400);
    // Whether or not it was loaded for the attempt, it must go away like any unused document.
    await eventually(() => app.collab.registry.loaded(p.docName) === undefined, "document unloaded", LIMITS.idleUnloadMs + 5000);
    // And a proper client can still open it.
    const c = connectProvider(app, member.client, p.docName);
    open.push(c);
    await synced(c.provider);
    c.destroy();
  });
});
