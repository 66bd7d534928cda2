import { randomUUID } from "node:crypto";
import type { WebSocket, RawData } from "ws";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import type { Logger } from "../logger.js";
import { CloseCode, MAX_AWARENESS_ENTRIES, MessageType, type CollabLimits } from "./constants.js";
import type { CollabMetrics } from "./metrics.js";
import type { Peer, SharedDoc } from "./sharedDoc.js";

/** Who is on the other end, as established at the upgrade. */
export interface CollabIdentity {
  userId: string;
  name: string;
  color: string;
  canWrite: boolean;
  /** Where the rights come from, so access changes can find the connections they affect. */
  workspaceId: string;
  sessionId: string;
  sessionExpiresAt: Date;
}

/** Keepalive: a connection that misses a pong for this long is terminated. */
const PING_INTERVAL_MS = 30_000;

/** A message the protocol can't decode; closes only its own connection. */
class ProtocolError extends Error {
  constructor(
    message: string,
    readonly code: number = CloseCode.BadMessage,
  ) {
    super(message);
  }
}

/**
 * Throws on an update that Y.applyUpdate would fail on only after applying part of it. Yjs
 * decodes an update lazily while integrating it, so a structurally valid prefix would be applied
 * (and emitted as an update) before the error. Two such shapes pass Y.decodeUpdate:
 * - a struct whose origin, right origin or parent is on its own client at or after its own clock
 *   (real updates only reference what existed before; Yjs skips the "missing" check for its own client);
 * - a delete-set range of length 0 (Yjs fails re-encoding it as pending).
 */
function validateUpdate(update: Uint8Array) {
  const { structs, ds } = Y.decodeUpdate(update);
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue;
    const { client, clock } = struct.id;
    const parent = struct.parent instanceof Y.ID ? struct.parent : null;
    for (const ref of [struct.origin, struct.rightOrigin, parent]) {
      if (ref && ref.client === client && ref.clock >= clock) throw new ProtocolError("update references its own future");
    }
  }
  for (const ranges of ds.clients.values()) {
    for (const range of ranges) if (!(range.len > 0)) throw new ProtocolError("update deletes an empty range");
  }
}

/**
 * Whether a read-only client's sync message tries to change the document. Every answer to sync
 * step 1 carries the client's whole delete set, so a reader that wrote nothing still sends one
 * once the document has deletions: only content or deletions the server lacks count.
 */
function isWriteAttempt(update: Uint8Array, doc: SharedDoc): boolean {
  let decoded;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return true;
  }
  if (decoded.structs.length > 0) return true;
  const known = Y.createDeleteSetFromStructStore(doc.ensureBuilt().store);
  for (const [client, ranges] of decoded.ds.clients) {
    const knownRanges = known.clients.get(client) ?? [];
    for (const { clock, len } of ranges) {
      if (!knownRanges.some((k) => k.clock <= clock && clock + len <= k.clock + k.len)) return true;
    }
  }
  return false;
}

/** Token bucket per connection. */
class RateLimiter {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A sync step 2 carrying `update` (a document's whole state, for a client that has nothing yet). */
export function stateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

function toUint8(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Serves one WebSocket on one document with the y-websocket protocol. Writes from read-only
 * connections are dropped and counted; presence always carries the authenticated identity.
 */
export function serveConnection(options: {
  ws: WebSocket;
  doc: SharedDoc;
  identity: CollabIdentity;
  limits: CollabLimits;
  metrics: CollabMetrics;
  logger: Logger;
  /** performance.now() when the upgrade request arrived (for the first-sync metric). */
  upgradeStartedAt: number;
  /** A state already sent to this (paused) connection as sync step 2, from storage while loading. */
  sentState?: Uint8Array;
  onClose: () => void;
}) {
  const { ws, doc, identity, limits, metrics, logger } = options;
  const log = logger.child({ docName: doc.name, userId: identity.userId });
  const limiter = new RateLimiter(limits.messagesPerSecond, limits.messageBurst);
  const onSendError = (error?: Error) => {
    if (error) ws.terminate();
  };
  function send(message: Uint8Array, onWritten?: () => void) {
    if (ws.readyState !== ws.OPEN) return;
    // A receiver that does not read would otherwise make us buffer every update for it without
    // bound. Close it instead: on reconnect it resyncs the state, which is smaller than a backlog.
    // Only what is already queued counts, so one message bigger than the limit (the state of a
    // large document) still goes out to a reader that keeps up.
    if (ws.bufferedAmount > limits.maxBufferedBytes) return closeSlowReceiver();
    if (!onWritten) return ws.send(message, onSendError);
    ws.send(message, (error) => {
      if (error) ws.terminate();
      else onWritten();
    });
  }
  const peer: Peer = {
    id: randomUUID(),
    userId: identity.userId,
    clientIds: new Set(),
    send: (message) => send(message),
  };
  let closed = false;
  /** Cleared once the first full state has been sent (the first-sync metric is per connection). */
  let upgradeStartedAt: number | null = options.sentState ? null : options.upgradeStartedAt;
  /** What the client already has from us: its first sync step 1 is answered with the rest only. */
  let stateAlreadySent = options.sentState ?? null;

  const close = (code: number, reason: string) => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
  };

  function closeSlowReceiver() {
    metrics.slowReceiversClosed++;
    log.warn({ bufferedBytes: ws.bufferedAmount, limit: limits.maxBufferedBytes, code: CloseCode.SlowReceiver }, "closing a connection that reads too slowly");
    // The close frame queues behind the unread data; `ws` destroys the socket if the handshake
    // does not finish within its close timeout. Nothing more is sent meanwhile (not OPEN).
    close(CloseCode.SlowReceiver, "slow-receiver");
  }

  /** Returns true when the reply in `encoder` is the document state (sync step 2). */
  function handleSync(decoder: decoding.Decoder, encoder: encoding.Encoder): boolean {
    const syncType = decoding.readVarUint(decoder);
    switch (syncType) {
      case syncProtocol.messageYjsSyncStep1: {
        const stateVector = decoding.readVarUint8Array(decoder);
        // Messages arrive in order: the client applied a state we sent before it asked.
        const missing = doc.missingFor(stateVector, stateAlreadySent);
        stateAlreadySent = null;
        encoding.writeVarUint(encoder, MessageType.Sync);
        encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
        encoding.writeVarUint8Array(encoder, missing);
        return true;
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate: {
        const update = decoding.readVarUint8Array(decoder);
        // A lazily opened document need not be built for what changes nothing (a fresh client's answer).
        if (doc.changesNothing(update)) return false;
        if (!identity.canWrite) {
          if (isWriteAttempt(update, doc)) metrics.writesRefused++;
          return false;
        }
        // Decode and check fully first: a corrupt update must not half-apply.
        validateUpdate(update);
        Y.applyUpdate(doc.ensureBuilt(), update, peer);
        return false;
      }
      default:
        throw new ProtocolError(`unknown sync message type ${syncType}`);
    }
  }

  /** Rewrites every announced state to carry the server's identity; drops ids owned by others. */
  function handleAwareness(decoder: decoding.Decoder) {
    const update = decoding.readVarUint8Array(decoder);
    const input = decoding.createDecoder(update);
    const count = decoding.readVarUint(input);
    if (count > MAX_AWARENESS_ENTRIES) throw new ProtocolError(`awareness message with ${count} entries`);
    const owned = new Set<number>();
    for (const p of doc.peers.values()) if (p !== peer) for (const id of p.clientIds) owned.add(id);
    const entries: [number, number, string][] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(input);
      const clock = decoding.readVarUint(input);
      const state = JSON.parse(decoding.readVarString(input)) as unknown;
      if (owned.has(clientId)) continue;
      const safe =
        state === null || typeof state !== "object" || Array.isArray(state)
          ? null
          : { ...(state as Record<string, unknown>), user: { id: identity.userId, name: identity.name, color: identity.color } };
      entries.push([clientId, clock, JSON.stringify(safe)]);
    }
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, entries.length);
    for (const [clientId, clock, state] of entries) {
      encoding.writeVarUint(encoder, clientId);
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarString(encoder, state);
    }
    awarenessProtocol.applyAwarenessUpdate(doc.awareness, encoding.toUint8Array(encoder), peer);
  }

  function handleMessage(data: RawData, isBinary: boolean) {
    // Once the close handshake has started (a bad message, shutdown), nothing more from the
    // connection is applied: `ws` still emits frames that were already on the wire.
    if (closed || ws.readyState !== ws.OPEN) return;
    if (!isBinary) throw new ProtocolError("text frames are not part of the protocol", CloseCode.UnsupportedData);
    if (!limiter.take()) throw new ProtocolError("message rate limit exceeded", CloseCode.RateLimited);
    const decoder = decoding.createDecoder(toUint8(data));
    const encoder = encoding.createEncoder();
    const type = decoding.readVarUint(decoder);
    let repliedWithState = false;
    switch (type) {
      case MessageType.Sync:
        repliedWithState = handleSync(decoder, encoder);
        break;
      case MessageType.Awareness:
        handleAwareness(decoder);
        break;
      case MessageType.QueryAwareness: {
        encoding.writeVarUint(encoder, MessageType.Awareness);
        encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(doc.awareness, [...doc.awareness.getStates().keys()]));
        break;
      }
      default:
        throw new ProtocolError(`unknown message type ${type}`, CloseCode.UnsupportedData);
    }
    if (encoding.length(encoder) === 0) return;
    const reply = encoding.toUint8Array(encoder);
    if (repliedWithState && upgradeStartedAt !== null) {
      // First full state for this connection: timed until it is written to the socket.
      const started = upgradeStartedAt;
      upgradeStartedAt = null;
      send(reply, () => metrics.recordFirstSync(performance.now() - started));
    } else {
      send(reply);
    }
  }

  ws.on("message", (data, isBinary) => {
    try {
      handleMessage(data, isBinary);
    } catch (error) {
      const code = error instanceof ProtocolError ? error.code : CloseCode.BadMessage;
      const reason = code === CloseCode.RateLimited ? "rate-limited" : code === CloseCode.UnsupportedData ? "unsupported" : "bad-message";
      metrics.rejectMessage(reason);
      log.warn({ err: error instanceof Error ? error.message : String(error), code }, "closing connection after a bad message");
      close(code, reason);
    }
  });

  let alive = true;
  ws.on("pong", () => (alive = true));
  const ping = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, PING_INTERVAL_MS);
  ping.unref();

  ws.on("close", () => {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    metrics.connections--;
    doc.removePeer(peer);
    options.onClose();
  });
  ws.on("error", (error) => log.warn({ err: error.message }, "websocket error"));

  doc.peers.set(peer.id, peer);
  metrics.connections++;
  metrics.connectionsTotal++;

  // Start the sync: our state vector, then everyone's presence.
  const hello = encoding.createEncoder();
  encoding.writeVarUint(hello, MessageType.Sync);
  encoding.writeVarUint(hello, syncProtocol.messageYjsSyncStep1);
  encoding.writeVarUint8Array(hello, doc.stateVector());
  peer.send(encoding.toUint8Array(hello));
  const states = [...doc.awareness.getStates().keys()];
  if (states.length) {
    const presence = encoding.createEncoder();
    encoding.writeVarUint(presence, MessageType.Awareness);
    encoding.writeVarUint8Array(presence, awarenessProtocol.encodeAwarenessUpdate(doc.awareness, states));
    peer.send(encoding.toUint8Array(presence));
  }
  // Paused while its document loaded (see CollabServer.handleUpgrade): listening now, so read on.
  if (ws.isPaused) ws.resume();
  return { peer, close };
}
