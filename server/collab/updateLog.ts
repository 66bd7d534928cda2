import * as Y from "yjs";
import type { Sql, TransactionSql } from "../db/index.js";
import type { Logger } from "../logger.js";

interface Pending {
  docName: string;
  update: Uint8Array;
  resolve: (seq: number) => void;
}

/** Retry delay after a failed append; the batch stays queued, never dropped. */
const RETRY_MS = 250;
const TEXT_OID = 25;
const BYTEA_OID = 17;

export interface LoadedState {
  /** Snapshot plus later updates, merged. Null when the document has no stored state. */
  update: Uint8Array | null;
  /** Highest log seq included. */
  lastSeq: number;
  /** Log entries on top of the snapshot (drives compaction). */
  updatesSinceSnapshot: number;
  /**
   * The state vector of `update`, when it is exactly a snapshot stored with one (no log rows on
   * top): the document can then be served before it is built. Null otherwise.
   */
  stateVector: Uint8Array | null;
  /** With `stateVector`: the snapshot's delete set as an update with no structs (null if not stored). */
  deleteSet: Uint8Array | null;
}

/** A document's state to store as its snapshot, with that state's vector and delete set. */
export interface SnapshotState {
  state: Uint8Array;
  stateVector: Uint8Array;
  /** `Y.encodeStateAsUpdate(doc, stateVector)`: no structs, every deletion. */
  deleteSet: Uint8Array;
}

/** What is stored as `doc`'s snapshot. */
export function snapshotOf(doc: Y.Doc): SnapshotState {
  const stateVector = Y.encodeStateVector(doc);
  return { state: Y.encodeStateAsUpdate(doc), stateVector, deleteSet: Y.encodeStateAsUpdate(doc, stateVector) };
}

/**
 * The durable update log. Appends are group-committed, and each caller learns when its update is
 * durable. With a window of 0 (the default) the commit is adaptive: an update arriving while the
 * log is idle is written once the current I/O turn ends (with everything that turn received), and
 * updates arriving while a write is in flight go together in the next one, so batches grow with
 * the load and a lone keystroke waits for one INSERT, not for a timer. A positive window instead
 * waits that many milliseconds after the first queued update.
 */
export class UpdateLog {
  private queue: Pending[] = [];
  private timer: { cancel(): void } | null = null;
  private flushing: Promise<void> | null = null;
  /** Milliseconds of the latest appends, for the metrics. */
  readonly latencies: number[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly logger: Logger,
    private readonly groupCommitMs: number,
  ) {}

  /** Queues an update; resolves with its log seq once it is committed. */
  append(docName: string, update: Uint8Array): Promise<number> {
    return new Promise((resolve) => {
      this.queue.push({ docName, update, resolve });
      this.schedule();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(delay = this.groupCommitMs) {
    if (this.timer || this.flushing) return;
    const run = () => {
      this.timer = null;
      void this.flush();
    };
    if (delay > 0) {
      const handle = setTimeout(run, delay);
      this.timer = { cancel: () => clearTimeout(handle) };
    } else {
      const handle = setImmediate(run);
      this.timer = { cancel: () => clearImmediate(handle) };
    }
  }

  private cancelTimer() {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Writes everything queued; safe to call at any time (shutdown awaits it). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.cancelTimer();
    if (!this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    const started = performance.now();
    this.flushing = (async () => {
      try {
        // One statement text whatever the batch size (one prepared statement, no per-row helper work).
        const rows = await this.sql<{ seq: string }[]>`
          insert into doc_updates (doc_name, update)
          select * from unnest(${this.sql.array(batch.map((p) => p.docName), TEXT_OID)}::text[], ${this.sql.array(
            batch.map((p) => Buffer.from(p.update.buffer, p.update.byteOffset, p.update.byteLength)),
            BYTEA_OID,
          )}::bytea[])
          returning seq`;
        const ms = performance.now() - started;
        this.latencies.push(ms);
        if (this.latencies.length > 1000) this.latencies.splice(0, this.latencies.length - 1000);
        // The statement draws its seqs in row order, so the i-th smallest belongs to the i-th update
        // (another process's rows may interleave, never reorder ours).
        const seqs = rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
        batch.forEach((p, i) => p.resolve(seqs[i]));
      } catch (error) {
        this.logger.error({ err: error, updates: batch.length }, "update log append failed; retrying");
        this.queue = batch.concat(this.queue);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
    if (this.queue.length) this.schedule(0);
  }

  /**
   * Reads the newest snapshot plus the updates after it, in one statement (one consistent view,
   * even while another process compacts); a compacted document is one row, used as it is.
   */
  load(docName: string): Promise<LoadedState> {
    return loadDocumentState(this.sql, docName);
  }

  /**
   * Folds the log into one snapshot in a transaction: the snapshot is the state of `doc`, which
   * contains every update up to `uptoSeq`; those log rows are then deleted.
   */
  async compact(docName: string, snapshot: SnapshotState, uptoSeq: number): Promise<void> {
    await this.sql.begin(async (tx) => {
      await storeSnapshot(tx, docName, snapshot, uptoSeq);
      await tx`delete from doc_updates where doc_name = ${docName} and seq <= ${uptoSeq}`;
    });
  }

  /**
   * Compaction when several instances log the same document: under a per-document lock, reads
   * everything stored, lets `merge` fold it into the caller's copy and return that state, stores it
   * as the snapshot and deletes exactly the log rows read (one committing late is kept). Resolves
   * with the highest seq read.
   */
  async compactShared(docName: string, merge: (stored: Uint8Array | null) => SnapshotState): Promise<number> {
    return this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${`pilotlab:compact:${docName}`}))`;
      const stored = await readStored(tx, docName, -1);
      const snapshot = merge(stored.update);
      const lastSeq = Math.max(stored.lastSeq, stored.snapshotSeq);
      await storeSnapshot(tx, docName, snapshot, lastSeq);
      if (stored.logSeqs.length) await tx`delete from doc_updates where doc_name = ${docName} and seq = any(${stored.logSeqs}::bigint[])`;
      return lastSeq;
    });
  }

  /**
   * What is stored after `sinceSeq` (the snapshot too, if a compaction folded such updates into
   * it): what an instance may have missed while Redis was away.
   */
  async loadSince(docName: string, sinceSeq: number): Promise<LoadedState> {
    return readStored(this.sql, docName, sinceSeq);
  }
}

function storeSnapshot(tx: TransactionSql, docName: string, { state, stateVector, deleteSet }: SnapshotState, lastSeq: number) {
  return tx`
    insert into doc_snapshots (doc_name, state, state_vector, delete_set, last_seq, updated_at)
    values (${docName}, ${Buffer.from(state)}, ${Buffer.from(stateVector)}, ${Buffer.from(deleteSet)}, ${lastSeq}, now())
    on conflict (doc_name) do update
      set state = excluded.state, state_vector = excluded.state_vector, delete_set = excluded.delete_set,
          last_seq = greatest(doc_snapshots.last_seq, excluded.last_seq), updated_at = now()`;
}

const view = (bytes: Buffer) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The snapshot (if newer than `sinceSeq`; -1 reads everything) and the log rows after `sinceSeq`, merged, in one
 * statement. Every row left in the log is read, even one older than the snapshot: a compaction
 * deletes what it folded in, so what remains was not (a row committed late by another instance).
 */
async function readStored(sql: Sql | TransactionSql, docName: string, sinceSeq: number) {
  // The states come as base64 text: a third smaller than bytea's hex text, and quicker to decode
  // (a large document's snapshot is most of what a cold open waits for).
  const rows = await sql<{ snapshot: boolean; bytes: string; vector: Buffer | null; deletions: Buffer | null; seq: string }[]>`
    select true as snapshot, encode(state, 'base64') as bytes, state_vector as vector, delete_set as deletions, last_seq as seq
      from doc_snapshots where doc_name = ${docName} and last_seq > ${sinceSeq}
    union all
    select false, encode(update, 'base64'), null, null, seq from doc_updates where doc_name = ${docName} and seq > ${sinceSeq}
    order by snapshot desc, seq`;
  const parts = rows.map((row) => view(Buffer.from(row.bytes, "base64")));
  const logRows = rows.filter((row) => !row.snapshot);
  const only = rows.length === 1 ? rows[0] : null;
  return {
    update: parts.length === 0 ? null : parts.length === 1 ? parts[0] : Y.mergeUpdates(parts),
    stateVector: only?.snapshot && only.vector ? view(only.vector) : null,
    deleteSet: only?.snapshot && only.vector && only.deletions ? view(only.deletions) : null,
    lastSeq: rows.reduce((max, row) => Math.max(max, Number(row.seq)), 0),
    snapshotSeq: rows.length && rows[0].snapshot ? Number(rows[0].seq) : 0,
    updatesSinceSnapshot: logRows.length,
    logSeqs: logRows.map((row) => row.seq),
  };
}

/**
 * A document's stored state (newest snapshot plus the log after it), read in one statement; usable
 * outside the collaboration server (decisions pin the version people saw) and inside a transaction.
 */
export async function loadDocumentState(sql: Sql | TransactionSql, docName: string): Promise<LoadedState> {
  const { update, lastSeq, updatesSinceSnapshot, stateVector, deleteSet } = await readStored(sql, docName, -1);
  return { update, lastSeq, updatesSinceSnapshot, stateVector, deleteSet };
}
