import { EventEmitter } from "node:events";
import type { PGlite } from "@electric-sql/pglite";

/** Request codes a client may send instead of a startup message (Postgres protocol 3). */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Type byte of the frontend Terminate message ('X', 5 bytes in all). */
const TERMINATE = 0x58;

/** Whole messages taken from what postgres.js wrote, and whether they end the session. */
interface Batch {
  messages: Buffer;
  terminates: boolean;
}

/**
 * The in-process connection postgres.js uses to reach embedded PGlite (its `socket` option):
 * what postgres.js writes is handed to PGlite's protocol handler as whole messages (a query's
 * Parse/Bind/Execute/Sync in one call) and PGlite's answer comes back as a `data` event. No TCP,
 * no per-message queueing or file-system sync as through `@electric-sql/pglite-socket`
 * (decision 0016). PGlite runs one backend, so one session: see `PGliteSessions`.
 */
export class PGliteWire extends EventEmitter {
  readyState: "open" | "closed" = "open";
  private pending: Buffer = Buffer.alloc(0);
  private started = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: PGlite,
    private readonly onClose: (wire: PGliteWire) => Promise<void>,
  ) {
    super();
  }

  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean {
    if (this.readyState !== "open") {
      queueMicrotask(() => callback?.(new Error("the embedded database connection is closed")));
      return false;
    }
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending = this.pending.length ? Buffer.concat([this.pending, bytes]) : bytes;
    for (let batch = this.takeComplete(); batch; batch = this.takeComplete()) {
      const next = batch;
      this.chain = this.chain.then(() => this.run(next));
    }
    if (callback) void this.chain.then(() => callback(null));
    return true;
  }

  /**
   * The next whole messages at the front of what was written (the startup message alone); null
   * while a message is still partial.
   */
  private takeComplete(): Batch | null {
    const buf = this.pending;
    if (!this.started) {
      // The first message has no type byte: a startup message, or a request to answer here.
      if (buf.length < 8) return null;
      const length = buf.readInt32BE(0);
      if (buf.length < length) return null;
      const code = buf.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        // No encryption in-process: 'N', and the client goes on with its startup message.
        this.pending = buf.subarray(length);
        queueMicrotask(() => this.emit("data", Buffer.from("N")));
        return this.takeComplete();
      }
      if (code === CANCEL_REQUEST) {
        // A query runs to its end inside one call: there is nothing to cancel.
        this.pending = Buffer.alloc(0);
        this.destroy();
        return null;
      }
      // PGlite takes the startup message on its own (it ignores anything after it in the same call).
      this.started = true;
      this.pending = buf.subarray(length);
      return { messages: buf.subarray(0, length), terminates: false };
    }
    let end = 0;
    let terminates = false;
    while (end + 5 <= buf.length) {
      const length = 1 + buf.readInt32BE(end + 1);
      if (end + length > buf.length) break;
      terminates = buf[end] === TERMINATE;
      end += length;
    }
    if (end === 0) return null;
    this.pending = buf.subarray(end);
    // Terminate is the session's last message: PGlite is not given it (its backend lives on).
    return { messages: buf.subarray(0, terminates ? end - 5 : end), terminates };
  }

  private async run({ messages: input, terminates }: Batch) {
    if (this.readyState !== "open") return;
    try {
      if (input.length) {
        const output = await this.db.runExclusive(() => this.db.execProtocolRaw(new Uint8Array(input.buffer, input.byteOffset, input.byteLength)));
        // A copy: PGlite answers the startup message with a view of a buffer its next call reuses.
        if (output.length && this.readyState === "open") this.emit("data", Buffer.from(output));
      }
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (terminates) this.destroy();
  }

  end(chunk?: Uint8Array) {
    if (chunk && this.readyState === "open") this.write(chunk);
    void this.chain.then(() => this.destroy());
  }

  destroy(error?: Error) {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    if (error) queueMicrotask(() => this.emit("error", error));
    void this.chain.then(() => this.onClose(this)).finally(() => this.emit("close", Boolean(error)));
  }

  // The rest of the net.Socket surface postgres.js touches; no kernel socket is behind them.
  setKeepAlive() {}
  setNoDelay() {}
  pause() {}
  resume() {}
  ref() {}
  unref() {}
}

/** Hands out wires to one PGlite: a new one ends the previous session (one backend, one session). */
export class PGliteSessions {
  private current: PGliteWire | null = null;

  constructor(private readonly db: PGlite) {}

  open = (): PGliteWire => {
    this.current?.destroy();
    const wire = new PGliteWire(this.db, (closed) => this.closed(closed));
    this.current = wire;
    return wire;
  };

  /** A session that ends inside a transaction leaves none open for the next one. */
  private async closed(wire: PGliteWire) {
    if (this.current === wire) this.current = null;
    if (this.db.closed) return;
    try {
      if (this.db.isInTransaction()) await this.db.exec("rollback");
    } catch {
      // The database is closing; nothing is left to roll back into.
    }
  }

  /** Ends the open session (before the database closes). */
  async close() {
    const wire = this.current;
    if (!wire) return;
    await new Promise<void>((resolve) => {
      wire.once("close", () => resolve());
      wire.destroy();
    });
  }
}
