/**
 * Fan-out between Pilotlab instances over Redis pub/sub (issue 8): one publisher and one subscriber
 * connection per process. Every message carries the publishing instance's id, and an instance
 * ignores its own, so a message crosses Redis once per publishing instance and never loops.
 * Payloads are binary (Yjs updates): Buffers in, Buffers out.
 *
 * Redis going away never stops an instance: ioredis reconnects by itself, messages published
 * meanwhile are dropped (not queued: the durable update log is the way back), and on recovery the
 * instance tells the others, so that every instance re-reads from the log what may have been lost.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "../logger.js";

/** Length of an instance id, the first bytes of every message. */
const ID_BYTES = 16;

/** Start of every channel name unless REDIS_PREFIX says otherwise. */
export const DEFAULT_REDIS_PREFIX = "pilotlab";

/** Longest wait for a SUBSCRIBE to be confirmed before going on without it (recovery catches up). */
const SUBSCRIBE_WAIT_MS = 2000;

export type RedisStatus = "up" | "down";

/** What the metrics show of the fan-out. */
export interface FanoutStats {
  status: RedisStatus;
  published: number;
  received: number;
  /** Messages not published because Redis was away. */
  dropped: number;
}

type Handler = (payload: Buffer) => void;

/**
 * One process's link to Redis. `subscribe` per channel (shared by every local subscriber of it),
 * `publish` to everyone else, `onRecovered` to catch up after an outage of this or another instance.
 */
export class RedisFanout {
  /** Random per process: a restarted instance is a new one. */
  readonly instanceId = randomBytes(ID_BYTES);
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<Handler>>();
  /** Per channel, the SUBSCRIBE in flight or done. */
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private readonly recoveryListeners = new Set<(sinceSeq: number) => void>();
  private readonly linkUp = { pub: false, sub: false };
  private everUp = false;
  /** A document was opened before Redis first answered: it may have missed other instances' updates. */
  private docsOpenedWhileDown = false;
  private warned = false;
  /**
   * Highest update-log seq this instance has written or received. When Redis goes away it is
   * remembered: everything logged during the outage has a higher seq.
   */
  private knownSeq = 0;
  /** Seq from which to catch up once Redis is back (0 before the first connection: all of it). */
  private outageFromSeq: number | null = 0;
  private closed = false;
  published = 0;
  received = 0;
  dropped = 0;

  /** Channel on which instances announce that they are back after Redis was away. */
  private readonly recoveryChannel: string;

  /**
   * `prefix` starts every channel name: deployments sharing one Redis keep apart by using
   * different prefixes (REDIS_PREFIX); instances of one deployment must use the same.
   */
  constructor(
    url: string,
    private readonly logger: Logger,
    readonly prefix: string = DEFAULT_REDIS_PREFIX,
  ) {
    this.recoveryChannel = `${prefix}:instances`;
    const options = {
      // Reconnect quickly and for ever; a command waits for the link instead of failing after N tries.
      retryStrategy: (times: number) => Math.min(100 * times, 1000),
      maxRetriesPerRequest: null,
      connectionName: `pilotlab-${this.instanceId.toString("hex").slice(0, 8)}`,
    };
    // Published messages are not queued while the link is down: the log is the way back.
    this.pub = new Redis(url, { ...options, enableOfflineQueue: false });
    this.sub = new Redis(url, options);
    this.watch(this.pub, "pub");
    this.watch(this.sub, "sub");
    this.sub.on("messageBuffer", (channel: Buffer, message: Buffer) => this.deliver(channel.toString(), message));
    void this.subscribeChannel(this.recoveryChannel);
    this.handlers.set(this.recoveryChannel, new Set([(payload) => this.emitRecovered(payload.readDoubleBE(0))]));
  }

  /** The channel of one collaborative document, whatever its kind. */
  docChannel(docName: string): string {
    return `${this.prefix}:doc:${docName}`;
  }

  /** The channel of one live-event bus (feedback, prototype, inbox, sprint, access). */
  busChannel(bus: string): string {
    return `${this.prefix}:events:${bus}`;
  }

  get status(): RedisStatus {
    return this.linkUp.pub && this.linkUp.sub ? "up" : "down";
  }

  get stats(): FanoutStats {
    return { status: this.status, published: this.published, received: this.received, dropped: this.dropped };
  }

  /** Follows one connection; an unhandled 'error' event on an ioredis client would crash the process. */
  private watch(client: Redis, which: "pub" | "sub") {
    client.on("error", (error: Error) => {
      if (!this.warned && !this.closed) this.logger.warn({ err: error, link: which }, "Redis unreachable; delivering to this instance's clients only until it is back");
      this.warned = true;
    });
    client.on("close", () => this.linkDown(which));
    client.on("ready", () => {
      // After SUBSCRIBEs re-sent on reconnect: a reply to PING means they are in place.
      const confirmed = which === "sub" ? client.ping() : Promise.resolve("PONG");
      confirmed.then(
        () => this.linkReady(which),
        () => {},
      );
    });
  }

  private linkDown(which: "pub" | "sub") {
    if (!this.linkUp[which]) return;
    const wasUp = this.status === "up";
    this.linkUp[which] = false;
    if (wasUp) {
      this.outageFromSeq ??= this.knownSeq;
      if (!this.closed && !this.warned) this.logger.warn({ link: which }, "Redis connection lost; delivering to this instance's clients only until it is back");
      this.warned = true;
    }
  }

  private linkReady(which: "pub" | "sub") {
    if (this.closed) return;
    this.linkUp[which] = true;
    if (this.status !== "up" || this.outageFromSeq === null) return;
    const since = this.outageFromSeq;
    this.outageFromSeq = null;
    // At start nothing was missed unless documents were opened or updates dropped before Redis answered.
    const missed = this.everUp || this.docsOpenedWhileDown || this.dropped > 0;
    if (this.everUp) this.logger.info("Redis is back; catching up from the update log");
    this.warned = false;
    this.everUp = true;
    if (!missed) return;
    // Catch up here, and have the others catch up on what this instance logged meanwhile.
    const body = Buffer.alloc(8);
    body.writeDoubleBE(since, 0);
    this.publish(this.recoveryChannel, body);
    this.emitRecovered(since);
  }

  private emitRecovered(sinceSeq: number) {
    for (const listener of this.recoveryListeners) {
      try {
        listener(sinceSeq);
      } catch (error) {
        this.logger.error({ err: error }, "catching up after a Redis outage failed");
      }
    }
  }

  /** Called with the `since` seq whenever this or another instance is back after Redis was away. */
  onRecovered(listener: (sinceSeq: number) => void): () => void {
    this.recoveryListeners.add(listener);
    return () => this.recoveryListeners.delete(listener);
  }

  /** Records a log seq written or received (the catch-up point if Redis goes away now). */
  noteSeq(seq: number) {
    if (seq > this.knownSeq) this.knownSeq = seq;
  }

  private deliver(channel: string, message: Buffer) {
    if (message.length < ID_BYTES || message.subarray(0, ID_BYTES).equals(this.instanceId)) return;
    const handlers = this.handlers.get(channel);
    if (!handlers) return;
    this.received++;
    const payload = message.subarray(ID_BYTES);
    for (const handler of handlers) {
      try {
        handler(payload);
      } catch (error) {
        this.logger.error({ err: error, channel }, "handling a message from another instance failed");
      }
    }
  }

  /** Sends to the other instances; dropped (and counted) while Redis is away. */
  publish(channel: string, payload: Uint8Array) {
    if (this.closed) return;
    if (this.pub.status !== "ready") {
      this.dropped++;
      return;
    }
    this.published++;
    this.pub.publish(channel, Buffer.concat([this.instanceId, payload])).catch(() => {
      this.dropped++;
    });
  }

  /**
   * Receives the other instances' messages on `channel`. Resolves once Redis confirmed the
   * subscription (at once while Redis is away: the subscription is made on reconnect, and the
   * catch-up after it covers the gap). Returns how to stop.
   */
  async subscribe(channel: string, handler: Handler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    if (this.status !== "up" && channel.startsWith(this.docChannel(""))) this.docsOpenedWhileDown = true;
    const confirmed = this.subscribeChannel(channel);
    if (this.status === "up") {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([confirmed, new Promise((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)))]);
      clearTimeout(timer);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      set.delete(handler);
      if (set.size || this.handlers.get(channel) !== set) return;
      this.handlers.delete(channel);
      this.subscribed.delete(channel);
      if (!this.closed) this.sub.unsubscribe(channel).catch(() => {});
    };
  }

  private subscribeChannel(channel: string): Promise<unknown> {
    let pending = this.subscribed.get(channel);
    if (!pending) {
      pending = this.sub.subscribe(channel).catch(() => {});
      this.subscribed.set(channel, pending);
    }
    return pending;
  }

  /** Closes both connections (shutdown; pub/sub holds nothing to flush, and QUIT could wait for an absent Redis). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.recoveryListeners.clear();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
