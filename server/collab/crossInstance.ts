/**
 * Documents across instances (issue 8): what a document's channel carries and how it is read.
 * Any document kind travels the same way: the channel is named after the document name only.
 */
import type { RedisFanout } from "../redis/fanout.js";

/** Something another instance did to a document: a durable update (with its log seq) or presence. */
export type RemoteDocMessage = { kind: "update"; update: Uint8Array; seq: number } | { kind: "awareness"; update: Uint8Array };

const KIND_UPDATE = 0;
const KIND_AWARENESS = 1;

/** What a document needs to reach its copies on other instances. */
export interface DocFanout {
  /**
   * Starts receiving a document's messages from other instances; resolves once subscribed (at
   * once while Redis is away). Returns how to stop.
   */
  subscribe(docName: string, onMessage: (message: RemoteDocMessage) => void): Promise<() => void>;
  /** Sends an update that is already durable in the log (never one received from another instance). */
  publishUpdate(docName: string, update: Uint8Array, seq: number): void;
  publishAwareness(docName: string, update: Uint8Array): void;
}

/** Encodes: kind byte, then for an update its seq (8 bytes), then the Yjs bytes. */
function encode(message: RemoteDocMessage): Buffer {
  const head = Buffer.alloc(message.kind === "update" ? 9 : 1);
  head[0] = message.kind === "update" ? KIND_UPDATE : KIND_AWARENESS;
  if (message.kind === "update") head.writeDoubleBE(message.seq, 1);
  return Buffer.concat([head, message.update]);
}

/** Decodes what `encode` made; throws on anything else (the fan-out logs and drops it). */
export function decodeDocMessage(payload: Buffer): RemoteDocMessage {
  const bytes = (from: number) => new Uint8Array(payload.buffer, payload.byteOffset + from, payload.byteLength - from);
  if (payload[0] === KIND_UPDATE && payload.length > 9) return { kind: "update", seq: payload.readDoubleBE(1), update: bytes(9) };
  if (payload[0] === KIND_AWARENESS && payload.length > 1) return { kind: "awareness", update: bytes(1) };
  throw new Error(`unknown document message (kind ${payload[0]}, ${payload.length} bytes)`);
}

/** The document side of the fan-out; remembers the log seqs it sees (the catch-up point). */
export function docFanout(fanout: RedisFanout): DocFanout {
  return {
    subscribe: (docName, onMessage) =>
      fanout.subscribe(fanout.docChannel(docName), (payload) => {
        const message = decodeDocMessage(payload);
        if (message.kind === "update") fanout.noteSeq(message.seq);
        onMessage(message);
      }),
    publishUpdate(docName, update, seq) {
      fanout.noteSeq(seq);
      fanout.publish(fanout.docChannel(docName), encode({ kind: "update", update, seq }));
    },
    publishAwareness(docName, update) {
      fanout.publish(fanout.docChannel(docName), encode({ kind: "awareness", update }));
    },
  };
}
