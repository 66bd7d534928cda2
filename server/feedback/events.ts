/**
 * Live feedback events inside one process: a stored response is announced to the results pages
 * open on its form (through their server-sent event streams). In-process on purpose: PGlite's
 * socket can't carry LISTEN/NOTIFY. Several server instances would need a Redis fan-out here.
 */
import { EventEmitter } from "node:events";

/** Most open result streams per process; past it a new stream is refused (503) and the page falls back to reloading. */
export const MAX_FEEDBACK_STREAMS = 1000;

export interface ResponseEvent {
  formId: string;
  responseId: string;
}

export function createFeedbackEvents({ maxStreams = MAX_FEEDBACK_STREAMS }: { maxStreams?: number } = {}) {
  const emitter = new EventEmitter();
  // One listener per open stream; the cap is ours (maxStreams), not EventEmitter's warning.
  emitter.setMaxListeners(0);
  let open = 0;
  return {
    /** Announces a stored response; never throws into the request that stored it. */
    publish(event: ResponseEvent): void {
      try {
        emitter.emit(`response:${event.formId}`, event);
      } catch {
        // A listener's failure is its stream's problem, not the participant's.
      }
    },
    /** Listens to one form's responses; null when too many streams are open. */
    subscribe(formId: string, listener: (event: ResponseEvent) => void): (() => void) | null {
      if (open >= maxStreams) return null;
      open++;
      emitter.on(`response:${formId}`, listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        open--;
        emitter.off(`response:${formId}`, listener);
      };
    },
    /** Streams open now (tests, metrics). */
    get openStreams() {
      return open;
    },
  };
}

export type FeedbackEvents = ReturnType<typeof createFeedbackEvents>;
