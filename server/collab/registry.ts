import type { Logger } from "../logger.js";
import type { CollabMetrics } from "./metrics.js";
import { SharedDoc, type SharedDocDeps } from "./sharedDoc.js";
import type { RemoteDocMessage } from "./crossInstance.js";

/**
 * Told the stored state of a document as soon as it is read, before the document is built from
 * it; the load waits for the promise it returns (keep that short: every opener of the document
 * waits). Resolves true when it sent the state to a client.
 */
export type StoredStateListener = (state: Uint8Array) => Promise<boolean> | boolean;

export class TooManyDocumentsError extends Error {
  constructor(max: number) {
    super(`All ${max} document slots are in use`);
    this.name = "TooManyDocumentsError";
  }
}

/**
 * The documents in memory. Concurrent opens of one document share one load; a failed load
 * leaves nothing behind (so an empty document never replaces stored data); documents with no
 * connections are stored and unloaded after an idle delay, or earlier when the cap is reached.
 */
export class DocumentRegistry {
  private readonly docs = new Map<string, SharedDoc>();
  private readonly loading = new Map<string, Promise<SharedDoc>>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly unloading = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: SharedDocDeps,
    private readonly options: { maxDocuments: number; idleUnloadMs: number },
    private readonly metrics: CollabMetrics,
    private readonly logger: Logger,
  ) {}

  get size() {
    return this.docs.size;
  }

  loaded(name: string): SharedDoc | undefined {
    return this.docs.get(name);
  }

  /** Every document in memory now. */
  documents(): SharedDoc[] {
    return [...this.docs.values()];
  }

  /**
   * The loaded document, reserved for a connection about to join (call `release` if it doesn't).
   * When this call loads it, `onStoredState` gets the stored state first (see `load`).
   */
  async acquire(name: string, onStoredState?: StoredStateListener): Promise<SharedDoc> {
    const pendingUnload = this.unloading.get(name);
    if (pendingUnload) await pendingUnload;
    let doc = this.docs.get(name);
    if (!doc) {
      let load = this.loading.get(name);
      if (!load) {
        load = this.load(name, onStoredState);
        this.loading.set(name, load);
        void load.then(
          () => this.loading.delete(name),
          () => this.loading.delete(name),
        );
      }
      doc = await load;
    }
    this.cancelIdle(name);
    doc.reservations++;
    doc.lastUsed = Date.now();
    return doc;
  }

  /** Ends a reservation; an unused document starts its idle countdown. */
  release(doc: SharedDoc) {
    doc.reservations = Math.max(0, doc.reservations - 1);
    this.scheduleIdle(doc);
  }

  scheduleIdle(doc: SharedDoc) {
    if (doc.peers.size > 0 || doc.reservations > 0 || this.idleTimers.has(doc.name)) return;
    const timer = setTimeout(() => {
      this.idleTimers.delete(doc.name);
      void this.unload(doc);
    }, this.options.idleUnloadMs);
    timer.unref();
    this.idleTimers.set(doc.name, timer);
  }

  private cancelIdle(name: string) {
    const timer = this.idleTimers.get(name);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(name);
  }

  /**
   * Reads the stored state, hands it to `onStoredState` (so the first connection can be sent it
   * while the Y.Doc is still being built from it: for a large document that build is most of the
   * load), then builds the document.
   */
  private async load(name: string, onStoredState?: StoredStateListener): Promise<SharedDoc> {
    await this.makeRoom(name);
    // Other instances' updates are received from before the read below, so none falls in between.
    const missed: RemoteDocMessage[] = [];
    let receiver: SharedDoc | null = null;
    const stopRemote = this.deps.fanout
      ? await this.deps.fanout.subscribe(name, (message) => (receiver ? receiver.applyRemote(message) : missed.push(message)))
      : null;
    let doc: SharedDoc | null = null;
    try {
      const stored = await this.deps.updateLog.load(name);
      let sentEarly = false;
      if (stored.update && onStoredState) {
        try {
          sentEarly = await onStoredState(stored.update);
        } catch (error) {
          this.logger.error({ err: error, docName: name }, "sending the stored state failed");
        }
      }
      doc = new SharedDoc(name, this.deps);
      // The first client is applying the state we just sent; building our copy now would compete
      // with it (on a shared machine) and is not needed to serve readers.
      await doc.load(stored, { lazy: sentEarly });
    } catch (error) {
      stopRemote?.();
      doc?.destroy();
      throw error;
    }
    if (stopRemote) {
      // From now on messages go straight to the document (the subscription stops when it unloads).
      doc.followRemote(stopRemote, missed);
      receiver = doc;
    }
    this.docs.set(name, doc);
    this.metrics.documentsLoaded = this.docs.size;
    return doc;
  }

  /** Evicts least recently used idle documents until `name` fits under the cap. */
  private async makeRoom(name: string) {
    // Count `name` itself once: `acquire` registers its load in `loading` only after this starts.
    const wanted = () => this.docs.size + this.loading.size + (this.loading.has(name) ? 0 : 1);
    while (wanted() > this.options.maxDocuments) {
      const idle = [...this.docs.values()].filter((d) => d.peers.size === 0 && d.reservations === 0).sort((a, b) => a.lastUsed - b.lastUsed);
      if (!idle.length) throw new TooManyDocumentsError(this.options.maxDocuments);
      await this.unload(idle[0]);
    }
  }

  /** Stores (log flushed, compacted, text projected) and drops a document that nobody uses. */
  unload(doc: SharedDoc): Promise<void> {
    const existing = this.unloading.get(doc.name);
    if (existing) return existing;
    const run = (async () => {
      this.cancelIdle(doc.name);
      await doc.compact();
      // Someone joined while it was being stored: keep it.
      if (doc.peers.size > 0 || doc.reservations > 0) return;
      this.docs.delete(doc.name);
      this.metrics.documentsLoaded = this.docs.size;
      doc.destroy();
      this.logger.debug({ docName: doc.name }, "document unloaded");
    })().finally(() => this.unloading.delete(doc.name));
    this.unloading.set(doc.name, run);
    return run;
  }

  /** Stores every document (shutdown). */
  async storeAll(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await Promise.all([...this.docs.values()].map((doc) => doc.compact()));
  }

  destroyAll() {
    for (const doc of this.docs.values()) doc.destroy();
    this.docs.clear();
    this.metrics.documentsLoaded = 0;
  }
}
