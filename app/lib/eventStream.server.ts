import type { AppLoadContext } from "@remix-run/node";

/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 25_000;
/** How long the browser waits before reconnecting after a drop. */
const RETRY_MS = 5_000;

/** One server-sent event. Only ids travel: pages re-read through their permission-checked loaders. */
export function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A server-sent event stream for a member's page. `subscribe` starts listening and returns how to
 * stop (null when too many streams are open: 503). The stream ends when the client goes, and when
 * the member is removed from the workspace or signed out — access checked on subscribe holds only
 * while the membership and session do.
 */
export function eventStream(
  { context, request, workspaceId, userId, busyMessage }: { context: AppLoadContext; request: Request; workspaceId: string | null; userId: string; busyMessage: string },
  subscribe: (send: (event: string) => void) => (() => void) | null,
): Response {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let stop = () => {};
  const send = (text: string) => {
    try {
      controller?.enqueue(encoder.encode(text));
    } catch {
      stop();
    }
  };
  const unsubscribe = subscribe(send);
  if (!unsubscribe) return new Response(busyMessage, { status: 503, headers: { "Retry-After": "30" } });
  const offAccess = context.services.accessEvents.on((change) => {
    if (change.kind === "membership" && change.removed && workspaceId !== null && change.workspaceId === workspaceId && change.userId === userId) stop();
    if (change.kind === "sessions" && (change.userId === userId || (change.sessionId !== null && change.sessionId === context.session?.id))) stop();
  });

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      const heartbeat = setInterval(() => send(": keep-alive\n\n"), HEARTBEAT_MS);
      stop = () => {
        clearInterval(heartbeat);
        unsubscribe();
        offAccess();
        try {
          c.close();
        } catch {
          // Already closed or cancelled.
        }
      };
      request.signal.addEventListener("abort", () => stop(), { once: true });
      if (request.signal.aborted) stop();
      c.enqueue(encoder.encode(`retry: ${RETRY_MS}\n: connected\n\n`));
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
  });
}
