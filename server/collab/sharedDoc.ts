import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import type { Logger } from "../logger.js";
import { MessageType } from "./constants.js";
import type { CollabMetrics } from "./metrics.js";
import { snapshotOf, type LoadedState, type UpdateLog } from "./updateLog.js";
import { documentText } from "./text.js";
import type { DocFanout, RemoteDocMessage } from "./crossInstance.js";

/** Origin of updates applied while loading from storage: they are not logged again. */
export const LOAD_ORIGIN = Symbol("load");

/**
 * Origin of updates and presence from other instances (and of catch-up from the log): already
 * durable and checked there, so they are sent to this instance's connections but neither logged
 * nor published again.
 */
export const REMOTE_ORIGIN = Symbol("remote");

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
  /** Other instances (REDIS_URL); absent when this process is the only one. */
  fanout?: DocFanout | null;
}

/** Something that lives alongside a loaded document. */
export interface DocExtension {
  /** Reads what it needs while the document loads (the Y.Doc may not be built yet). */
  load(): Promise<void>;
  /** Called once the Y.Doc holds the stored state (at load, or when a lazily opened document is built). */
  attach(): void;
  /** Called whenever the document is stored (compaction, idle unload, shutdown). */
  store(): Promise<void>;
  destroy(): void;
}

/**
 * One loaded document: its Y.Doc, presence, open connections and persistence state.
 *
 * A large compacted document opened by a first reader is served before its Y.Doc is built (see
 * `load`): its stored bytes answer readers, and the Y.Doc is built from them the first time
 * something needs it (`ensureBuilt`: a write, a sync from a client that holds part of the
 * document, another instance's update, a compaction after changes).
 */
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
  /** Stops receiving from other instances (set once loaded). */
  private stopRemote: (() => void) | null = null;
  private destroyed = false;
  /** The stored state, its vector and delete set while the Y.Doc has not been built from them. */
  private unbuilt: { state: Uint8Array; stateVector: Uint8Array; deleteSet: Uint8Array | null } | null = null;
  /** Stored vectors of the states read at load (computing one from a large state takes tens of ms). */
  private readonly vectorOf = new WeakMap<Uint8Array, Uint8Array>();

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

  /**
   * Applies the stored state; a throw leaves nothing half-loaded behind (the caller discards this doc).
   * With `lazy`, a state stored with its vector is kept as bytes and built when first needed.
   */
  async load(preloaded?: LoadedState, options: { lazy?: boolean } = {}): Promise<void> {
    const stored = preloaded ?? (await this.deps.updateLog.load(this.name));
    this.maxSeq = stored.lastSeq;
    this.updatesSinceSnapshot = stored.updatesSinceSnapshot;
    for (const extension of this.extensions) await extension.load();
    if (stored.update && stored.stateVector) this.vectorOf.set(stored.update, stored.stateVector);
    if (options.lazy && stored.update && stored.stateVector) {
      this.unbuilt = { state: stored.update, stateVector: stored.stateVector, deleteSet: stored.deleteSet };
      this.deps.metrics.lazyOpens++;
      return;
    }
    if (stored.update) Y.applyUpdate(this.doc, stored.update, LOAD_ORIGIN);
    for (const extension of this.extensions) extension.attach();
  }

  /** Whether the Y.Doc holds the document (false while a lazily opened one has not been needed). */
  get built(): boolean {
    return this.unbuilt === null;
  }

  /** Builds the Y.Doc from the stored state if that has not happened yet. */
  ensureBuilt(): Y.Doc {
    const pending = this.unbuilt;
    if (pending && !this.destroyed) {
      this.unbuilt = null;
      const started = performance.now();
      Y.applyUpdate(this.doc, pending.state, LOAD_ORIGIN);
      for (const extension of this.extensions) extension.attach();
      this.deps.metrics.lazyBuilds++;
      this.deps.logger.debug({ docName: this.name, ms: Math.round(performance.now() - started) }, "document built on first need");
    }
    return this.doc;
  }

  /**
   * Whether `update` is known to change nothing without building the document: empty, or, while
   * unbuilt, exactly the stored delete set (what a client holding the stored state answers to our
   * sync step 1; the encoding is canonical, so the same deletions give the same bytes).
   */
  changesNothing(update: Uint8Array): boolean {
    const known = this.unbuilt?.deleteSet;
    return sameBytes(update, EMPTY_UPDATE) || (!!known && sameBytes(update, known));
  }

  /** The document's state vector (the stored one while unbuilt). */
  stateVector(): Uint8Array {
    return this.unbuilt ? this.unbuilt.stateVector : Y.encodeStateVector(this.doc);
  }

  /**
   * What a client with `stateVector` lacks, as an update (sync step 2). `alreadySent` is a state
   * this client was sent earlier on its connection (it has applied it before asking).
   */
  missingFor(stateVector: Uint8Array, alreadySent: Uint8Array | null): Uint8Array {
    const pending = this.unbuilt;
    if (pending) {
      // Nothing changed since the stored state was read (any change builds the document first).
      if (alreadySent === pending.state) return EMPTY_UPDATE;
      if (Y.decodeStateVector(stateVector).size === 0) return pending.state;
    }
    const sentVector = alreadySent ? (this.vectorOf.get(alreadySent) ?? Y.encodeStateVectorFromUpdate(alreadySent)) : null;
    const sv = sentVector ? mergeStateVectors(stateVector, sentVector) : stateVector;
    return Y.encodeStateAsUpdate(this.ensureBuilt(), sv);
  }

  /** Logs the update, then (only once it is durable) sends it to every other connection. */
  private onUpdate(update: Uint8Array, origin: unknown) {
    if (origin === LOAD_ORIGIN) return;
    this.textDirty = true;
    if (origin === REMOTE_ORIGIN) {
      this.deps.metrics.remoteUpdatesApplied++;
      const message = encodeSyncUpdate(update);
      for (const peer of this.peers.values()) peer.send(message);
      return;
    }
    this.deps.metrics.updatesApplied++;
    const write = this.deps.updateLog.append(this.name, update).then((seq) => {
      this.maxSeq = Math.max(this.maxSeq, seq);
      this.updatesSinceSnapshot++;
      const message = encodeSyncUpdate(update);
      for (const peer of this.peers.values()) if (peer !== origin) peer.send(message);
      this.deps.fanout?.publishUpdate(this.name, update, seq);
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
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.Awareness);
    encoding.writeVarUint8Array(encoder, update);
    const message = encoding.toUint8Array(encoder);
    for (const p of this.peers.values()) p.send(message);
    if (origin !== REMOTE_ORIGIN) this.deps.fanout?.publishAwareness(this.name, update);
  }

  /**
   * Starts taking other instances' messages: those that arrived while the document loaded
   * (`missed`, subscribed before the load read Postgres; Yjs updates are idempotent), then live ones.
   */
  followRemote(stop: () => void, missed: RemoteDocMessage[]) {
    this.stopRemote = stop;
    for (const message of missed) this.applyRemote(message);
  }

  /** Applies another instance's update or presence: sent to local connections, not logged again. */
  applyRemote(message: RemoteDocMessage) {
    if (this.destroyed) return;
    try {
      if (message.kind === "update") Y.applyUpdate(this.ensureBuilt(), message.update, REMOTE_ORIGIN);
      else awarenessProtocol.applyAwarenessUpdate(this.awareness, message.update, REMOTE_ORIGIN);
    } catch (error) {
      this.deps.logger.error({ err: error, docName: this.name, kind: message.kind }, "a message from another instance did not apply");
    }
  }

  /** Applies what the log holds after `sinceSeq` (Redis was away: other instances' updates were not received). */
  async catchUp(sinceSeq: number): Promise<void> {
    const missed = await this.deps.updateLog.loadSince(this.name, sinceSeq);
    if (missed.update) this.applyRemote({ kind: "update", update: missed.update, seq: missed.lastSeq });
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
        // Never built: nothing changed since it was read, and it was read as one stored snapshot.
        if (!this.built) return;
        if (this.updatesSinceSnapshot > 0) {
          const counted = this.updatesSinceSnapshot;
          if (this.deps.fanout) {
            // Other instances log too, and this copy may lack some of it (in flight, or Redis was
            // away): the snapshot merges everything stored, under a lock, and deletes only what it read.
            const upto = await this.deps.updateLog.compactShared(this.name, (stored) => {
              if (stored) Y.applyUpdate(this.doc, stored, REMOTE_ORIGIN);
              return snapshotOf(this.doc);
            });
            this.maxSeq = Math.max(this.maxSeq, upto);
          } else {
            await this.deps.updateLog.compact(this.name, snapshotOf(this.doc), this.maxSeq);
          }
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
    this.destroyed = true;
    this.stopRemote?.();
    this.stopRemote = null;
    for (const extension of this.extensions) extension.destroy();
    this.awareness.destroy();
    this.doc.destroy();
  }
}

/** An update with no structs and no deletions. */
const EMPTY_UPDATE = new Uint8Array([0, 0]);

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

/** The larger clock per client of two encoded state vectors. */
function mergeStateVectors(a: Uint8Array, b: Uint8Array): Uint8Array {
  const merged = Y.decodeStateVector(a);
  for (const [client, clock] of Y.decodeStateVector(b)) if (clock > (merged.get(client) ?? 0)) merged.set(client, clock);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, merged.size);
  for (const [client, clock] of merged) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock);
  }
  return encoding.toUint8Array(encoder);
}

export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}
