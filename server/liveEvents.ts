/**
 * Live events inside one process, by topic: a change stored by the server is announced to the pages
 * following that topic (a form's results, a prototype, a person's inbox) through their server-sent
 * event streams. Events carry only ids; pages re-read through their permission-checked loaders.
 * In-process on purpose (PGlite's socket can't carry LISTEN/NOTIFY); with several instances
 * (REDIS_URL) each bus is wrapped by server/redis/share.ts so events cross them over Redis.
 */
import { EventEmitter } from "node:events";

/** Most open streams per bus and process; past it a new stream is refused (503) and the page reloads by hand. */
export const MAX_LIVE_STREAMS = 1000;

export interface LiveEvents<E> {
  /** Announces a stored change; never throws into the request that stored it. */
  publish(event: E): void;
  /** Listens to one topic (the id the bus keys its events by); null when too many streams are open. */
  subscribe(topic: string, listener: (event: E) => void): (() => void) | null;
  /** Streams open now (tests, metrics). */
  readonly openStreams: number;
}

export function createLiveEvents<E>(topicOf: (event: E) => string, { maxStreams = MAX_LIVE_STREAMS }: { maxStreams?: number } = {}): LiveEvents<E> {
  const emitter = new EventEmitter();
  // One listener per open stream; the cap is ours (maxStreams), not EventEmitter's warning.
  emitter.setMaxListeners(0);
  let open = 0;
  return {
    publish(event) {
      try {
        emitter.emit(topicOf(event), event);
      } catch {
        // A listener's failure is its stream's problem, not the writer's.
      }
    },
    subscribe(topic, listener) {
      if (open >= maxStreams) return null;
      open++;
      emitter.on(topic, listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        open--;
        emitter.off(topic, listener);
      };
    },
    get openStreams() {
      return open;
    },
  };
}

/** A stored feedback response (the results pages of its form reload). */
export interface ResponseEvent {
  formId: string;
  responseId: string;
}

/** A stored decision or comment of a prototype (its pages reload). */
export interface PrototypeEvent {
  prototypeId: string;
  kind: "decision" | "comment";
  id: string;
}

/** Something new in a person's inbox (their unread count changes). */
export interface InboxEvent {
  userId: string;
}

/**
 * Something changed in a sprint room: its settings or phase, the timer, the ballot or votes
 * (never who voted for what before the reveal: pages re-read through the permission-checked loader).
 */
export interface SprintEvent {
  sprintId: string;
  kind: "sprint" | "phase" | "timer" | "gather" | "poll" | "vote" | "output";
}

export const createFeedbackEvents = (options?: { maxStreams?: number }) => createLiveEvents<ResponseEvent>((e) => e.formId, options);
export const createPrototypeEvents = (options?: { maxStreams?: number }) => createLiveEvents<PrototypeEvent>((e) => e.prototypeId, options);
export const createInboxEvents = (options?: { maxStreams?: number }) => createLiveEvents<InboxEvent>((e) => e.userId, options);

export const createSprintEvents = (options?: { maxStreams?: number }) => createLiveEvents<SprintEvent>((e) => e.sprintId, options);

export type FeedbackEvents = LiveEvents<ResponseEvent>;
export type PrototypeEvents = LiveEvents<PrototypeEvent>;
export type InboxEvents = LiveEvents<InboxEvent>;
export type SprintEvents = LiveEvents<SprintEvent>;
