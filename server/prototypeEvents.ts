/**
 * Live events of one prototype inside one process: a decision (and later a comment) stored by the
 * server is announced to the prototype pages open on it, through their server-sent event streams,
 * and each page reloads its data. Only ids travel: a page re-reads through its permission-checked
 * loader. In-process on purpose (PGlite's socket can't carry LISTEN/NOTIFY); several server
 * instances would need a Redis fan-out here.
 */
import { EventEmitter } from "node:events";

/** Most open prototype streams per process; past it a new stream is refused (503) and the page reloads by hand. */
export const MAX_PROTOTYPE_STREAMS = 1000;

/** What changed: the kind of record and its id. */
export type PrototypeEventKind = "decision" | "comment";

export interface PrototypeEvent {
  prototypeId: string;
  kind: PrototypeEventKind;
  id: string;
}

export function createPrototypeEvents({ maxStreams = MAX_PROTOTYPE_STREAMS }: { maxStreams?: number } = {}) {
  const emitter = new EventEmitter();
  // One listener per open stream; the cap is ours (maxStreams), not EventEmitter's warning.
  emitter.setMaxListeners(0);
  let open = 0;
  return {
    /** Announces a stored change; never throws into the request that stored it. */
    publish(event: PrototypeEvent): void {
      try {
        emitter.emit(`prototype:${event.prototypeId}`, event);
      } catch {
        // A listener's failure is its stream's problem, not the writer's.
      }
    },
    /** Listens to one prototype's changes; null when too many streams are open. */
    subscribe(prototypeId: string, listener: (event: PrototypeEvent) => void): (() => void) | null {
      if (open >= maxStreams) return null;
      open++;
      emitter.on(`prototype:${prototypeId}`, listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        open--;
        emitter.off(`prototype:${prototypeId}`, listener);
      };
    },
    /** Streams open now (tests, metrics). */
    get openStreams() {
      return open;
    },
  };
}

export type PrototypeEvents = ReturnType<typeof createPrototypeEvents>;
