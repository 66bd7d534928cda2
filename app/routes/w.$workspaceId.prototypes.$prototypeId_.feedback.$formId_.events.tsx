import type { LoaderFunctionArgs } from "@remix-run/node";
import { isServiceError } from "~/lib/actions.server";
import { notFound, requireId, requireMember } from "~/lib/guards.server";

/**
 * Server-sent events of one form's results page: an `response` event each time a participant's
 * response is stored, so the page reloads its figures. Members only, like the page itself.
 */

/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 25_000;
/** How long the browser waits before reconnecting after a drop. */
const RETRY_MS = 5_000;

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const formId = requireId(params.formId);
  const { form } = await context.services.feedback.get({ workspaceId: workspace.id, formId }).catch((error: unknown) => {
    throw isServiceError(error) ? notFound(error.message) : error;
  });
  if (form.prototypeId !== prototypeId) throw notFound("This form doesn't exist.");

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
  const unsubscribe = context.services.feedbackEvents.subscribe(form.id, (event) => send(`event: response\ndata: ${JSON.stringify({ responseId: event.responseId })}\n\n`));
  if (!unsubscribe) return new Response("Too many live streams are open; reload the page to see new responses.", { status: 503, headers: { "Retry-After": "30" } });

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      const heartbeat = setInterval(() => send(": keep-alive\n\n"), HEARTBEAT_MS);
      stop = () => {
        clearInterval(heartbeat);
        unsubscribe();
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
