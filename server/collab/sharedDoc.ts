import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import type { Logger } from "../logger.js";
import { MessageType } from "./constants.js";
import type { CollabMetrics } from "./metrics.js";
import type { LoadedState, UpdateLog } from "./updateLog.js";
import { documentText } from "./text.js";

/** Origin of updates applied while loading from storage: they are not logged again. */
export const LOAD_ORIGIN = Symbol("load");

/** What a document needs to know about one open connection. */
export interface Peer {
  readonly id: string;
  /** The authenticated user behind the connection. */
  readonly userId: string;
  send(message: Uint8Array): void;
  /** Awareness client ids this connection has announced (removed when it closes). */
  readonly clientIds: Set<number>;
}

export interface SharedDocDeps {
  updateLog: UpdateLog;
  metrics: CollabMetrics;
  logger: Logger;
  /** Stores the plain-text projection used by search. */
  saveText(docName: string, text: string): Promise<void>;
  compactAfterUpdates: number;
  /** Per-document add-ons (the experiment-card guard): loaded after the state, stored with it. */
  extensions?: (doc: SharedDoc) => DocExtension[];
}

/** Something that lives alongside a loaded document. */
export interface DocExtension {
  load(): Promise<void>;
  /** Called whenever the document is stored (compaction, idle unload, shutdown). */
  store(): Promise<void>;
  destroy(): void;
}

/** One loaded document: its Y.Doc, presence, open connections and persistence state. */
export class SharedDoc {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly peers = new Map<string, Peer>();
  /** Highest update-log seq known to be merged into `doc`. */
  maxSeq = 0;
  /** Logged updates not yet folded into a snapshot. */
  updatesSinceSnapshot = 0;
  private textDirty = false;
  private compacting: Promise<void> | null = null;
  /** The newest pending persistence; awaiting it awaits every earlier one (the log commits in order). */
  private lastWrite: Promise<unknown> = Promise.resolve();
  lastUsed = Date.now();
  /** Connections being set up (authenticated, not yet registered); they keep the doc loaded. */
  reservations = 0;
  private readonly extensions: DocExtension[];

  constructor(
    readonly name: string,
    private readonly deps: SharedDocDeps,
  ) {
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
    this.extensions = deps.extensions?.(this) ?? [];
    this.doc.on("update", (update: Uint8Array, origin: unknown) => this.onUpdate(update, origin));
    this.awareness.on("update", (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) =>
      this.onAwareness(changes, origin),
    );
  }

  /** Applies the stored state; a throw leaves nothing half-loaded behind (the caller discards this doc). */
  async load(preloaded?: LoadedState): Promise<void> {
    const stored = preloaded ?? (await this.deps.updateLog.load(this.name));
    if (stored.update) Y.applyUpdate(this.doc, stored.update, LOAD_ORIGIN);
    this.maxSeq = stored.lastSeq;
    this.updatesSinceSnapshot = stored.updatesSinceSnapshot;
    for (const extension of this.extensions) await extension.load();
  }

  /** Logs the update, then (only once it is durable) sends it to every other connection. */
  private onUpdate(update: Uint8Array, origin: unknown) {
    if (origin === LOAD_ORIGIN) return;
    this.deps.metrics.updatesApplied++;
    this.textDirty = true;
    const write = this.deps.updateLog.append(this.name, update).then((seq) => {
      this.maxSeq = Math.max(this.maxSeq, seq);
      this.updatesSinceSnapshot++;
      const message = encodeSyncUpdate(update);
      for (const peer of this.peers.values()) if (peer !== origin) peer.send(message);
      if (this.updatesSinceSnapshot >= this.deps.compactAfterUpdates) void this.compact();
    });
    this.lastWrite = write;
  }

  private onAwareness({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) {
    const changed = added.concat(updated, removed);
    const peer = origin && typeof origin === "object" && "clientIds" in origin ? (origin as Peer) : null;
    if (peer) {
      for (const id of added) peer.clientIds.add(id);
      for (const id of removed) peer.clientIds.delete(id);
    }
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.Awareness);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    const message = encoding.toUint8Array(encoder);
    for (const p of this.peers.values()) p.send(message);
  }

  /** Resolves once every update applied so far is in the log. */
  async persisted(): Promise<void> {
    await this.lastWrite;
  }

  /** Folds the log into a snapshot and refreshes the text projection; one at a time. */
  compact(): Promise<void> {
    this.compacting ??= (async () => {
      try {
        await this.persisted();
        if (this.updatesSinceSnapshot > 0) {
          const counted = this.updatesSinceSnapshot;
          await this.deps.updateLog.compact(this.name, Y.encodeStateAsUpdate(this.doc), this.maxSeq);
          this.updatesSinceSnapshot -= counted;
        }
        await this.saveTextIfChanged();
        for (const extension of this.extensions) await extension.store();
      } catch (error) {
        // The log still holds every update; compaction is retried on the next trigger.
        this.deps.logger.error({ err: error, docName: this.name }, "compaction failed");
      } finally {
        this.compacting = null;
      }
    })();
    return this.compacting;
  }

  private async saveTextIfChanged() {
    if (!this.textDirty) return;
    this.textDirty = false;
    try {
      await this.deps.saveText(this.name, documentText(this.doc));
    } catch (error) {
      this.textDirty = true;
      throw error;
    }
  }

  /** Drops a connection's presence. */
  removePeer(peer: Peer) {
    this.peers.delete(peer.id);
    this.lastUsed = Date.now();
    if (peer.clientIds.size) awarenessProtocol.removeAwarenessStates(this.awareness, [...peer.clientIds], null);
  }

  destroy() {
    for (const extension of this.extensions) extension.destroy();
    this.awareness.destroy();
    this.doc.destroy();
  }
}

export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}
