/**
 * Helpers shared by the collaboration tests: a raw `ws` client that speaks the y-websocket
 * protocol byte by byte (for adversarial input), upgrade probes, metrics, and the server's
 * state of a document in memory and in Postgres.
 */
import WebSocket from "ws";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as awarenessProtocol from "y-protocols/awareness";
import type { TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace } from "../helpers/factories.js";
import { eventually } from "../helpers/collab.js";

export const MSG_SYNC = 0;
export const MSG_AWARENESS = 1;
export const MSG_QUERY_AWARENESS = 3;

export function wsUrl(app: TestServer, path: string): string {
  return app.url.replace(/^http/, "ws") + path;
}

/** A prototype in a fresh workspace and its document name. */
export async function newPrototype(app: TestServer) {
  const owner = await createUser(app);
  const workspace = await createWorkspace(app, owner.id);
  const prototype = await createPrototype(app, workspace.id);
  return { owner, workspace, prototype, docName: `prototype.${prototype.id}` };
}

/**
 * Tries a WebSocket upgrade and resolves with the HTTP status the server answered
 * (101 if it was accepted — the socket is then closed again).
 */
export function upgradeStatus(app: TestServer, path: string, headers: Record<string, string | undefined>): Promise<number> {
  const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(app, path), { headers: clean });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer to the upgrade of ${path}`));
    }, 10_000);
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      clearTimeout(timer);
      resolve(101);
      ws.close();
    });
    ws.on("error", (error) => {
      // 'unexpected-response' handled it already, or the socket was terminated by us.
      if (!/Unexpected server response|closed before the connection/.test(error.message)) {
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * A y-websocket client written against the raw protocol. It keeps its own Y.Doc in sync with
 * what the server sends (answering sync step 1 like the stock client), tracks the presence the
 * server reports, and can send arbitrary bytes.
 */
export class RawClient {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | null = null;
  /** Message types received, in order. */
  readonly received: number[] = [];
  /** Set once the server's sync step 2 (its full state for us) has been applied. */
  gotState = false;

  constructor(app: TestServer, docName: string, headers: { cookie: string; origin?: string }) {
    this.awareness.setLocalState(null);
    this.ws = new WebSocket(wsUrl(app, `/collab/${docName}`), { headers: { cookie: headers.cookie, origin: headers.origin ?? app.url } });
    this.ws.binaryType = "nodebuffer";
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      this.ws.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.on("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
    // Errors after open (e.g. the server's close on a bad frame) surface as 'close'.
    this.ws.on("error", () => {});
    this.ws.on("message", (data: Buffer) => this.onMessage(new Uint8Array(data)));
  }

  private onMessage(message: Uint8Array) {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    this.received.push(type);
    if (type === MSG_SYNC) {
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, MSG_SYNC);
      const syncType = syncProtocol.readSyncMessage(decoder, reply, this.doc, "server");
      if (syncType === syncProtocol.messageYjsSyncStep2) this.gotState = true;
      if (encoding.length(reply) > 1 && this.ws.readyState === WebSocket.OPEN) this.ws.send(encoding.toUint8Array(reply));
    } else if (type === MSG_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), "server");
    }
  }

  /** Opens, asks for the server's state and waits until it has it. */
  static async connect(app: TestServer, docName: string, headers: { cookie: string; origin?: string }): Promise<RawClient> {
    const client = new RawClient(app, docName, headers);
    await client.opened;
    client.send(syncStep1Message(client.doc));
    await eventually(() => client.gotState, "raw client received the document");
    return client;
  }

  send(bytes: Uint8Array | string) {
    this.ws.send(bytes);
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Waits for the close (fails after timeoutMs). */
  async waitClosed(timeoutMs = 5000): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("connection was not closed in time")), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy() {
    this.awareness.destroy();
    this.doc.destroy();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

export function syncStep1Message(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MSG_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

/** [sync][update][update bytes] — the message a client sends for each local change. */
export function syncUpdateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MSG_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** [sync][step 2][update bytes] — the answer to the server's sync step 1. */
export function syncStep2Message(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MSG_SYNC);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** An awareness message announcing the given raw (clientId, clock, state) entries. */
export function awarenessMessage(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(inner, e.clientId);
    encoding.writeVarUint(inner, e.clock);
    encoding.writeVarString(inner, JSON.stringify(e.state));
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MSG_AWARENESS);
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
  return encoding.toUint8Array(encoder);
}

export function queryAwarenessMessage(): Uint8Array {
  return new Uint8Array([MSG_QUERY_AWARENESS]);
}

/** An update that inserts `text` at the end of the Y.Text `name`, made by a throwaway doc on top of `base`. */
export function textUpdate(base: Y.Doc, text: string, name = "t"): Uint8Array {
  const scratch = new Y.Doc();
  Y.applyUpdate(scratch, Y.encodeStateAsUpdate(base));
  const sv = Y.encodeStateVector(scratch);
  const t = scratch.getText(name);
  t.insert(t.length, text);
  const update = Y.encodeStateAsUpdate(scratch, sv);
  scratch.destroy();
  return update;
}

/** Reads one sample of the Prometheus text at /metrics over HTTP. */
export async function readMetric(app: TestServer, name: string, labels = ""): Promise<number> {
  const res = await fetch(`${app.url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    if (line.slice(0, space) === `${name}${labels}`) return Number(line.slice(space + 1));
  }
  return 0;
}

/** The server's in-memory state of a loaded document (null when it is not loaded). */
export function memoryState(app: TestServer, docName: string): Buffer | null {
  const shared = app.collab.registry.loaded(docName);
  return shared ? Buffer.from(Y.encodeStateAsUpdate(shared.doc)) : null;
}

/** Everything Postgres holds for a document: the raw log rows and the snapshot. */
export async function storedRows(app: TestServer, docName: string) {
  const updates = await app.db.sql<{ seq: string; update: Buffer }[]>`
    select seq::text as seq, update from doc_updates where doc_name = ${docName} order by seq`;
  const [snapshot] = await app.db.sql<{ state: Buffer; last_seq: string }[]>`
    select state, last_seq::text as last_seq from doc_snapshots where doc_name = ${docName}`;
  return {
    updates: updates.map((r) => ({ seq: r.seq, update: Buffer.from(r.update).toString("hex") })),
    snapshot: snapshot ? { lastSeq: snapshot.last_seq, state: Buffer.from(snapshot.state).toString("hex") } : null,
  };
}

export async function countRows(app: TestServer, table: "doc_updates" | "doc_snapshots", docName?: string): Promise<number> {
  const [row] = docName
    ? await app.db.sql<{ n: number }[]>`select count(*)::int as n from ${app.db.sql(table)} where doc_name = ${docName}`
    : await app.db.sql<{ n: number }[]>`select count(*)::int as n from ${app.db.sql(table)}`;
  return row.n;
}

/** True when two docs hold the same history (state vector and delete set) and the same text in `texts`. */
export function sameState(a: Y.Doc, b: Y.Doc, texts: string[] = ["t"]): boolean {
  return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b)) && texts.every((name) => a.getText(name).toString() === b.getText(name).toString());
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
