import type { LoaderFunctionArgs } from "@remix-run/node";
import { eventStream, sseEvent } from "~/lib/eventStream.server";
import { requireUser } from "~/lib/guards.server";

/**
 * Server-sent events of the signed-in person's inbox: an `inbox` event whenever a mention or a
 * reply lands in it, so the app shell's unread count updates without a reload. Ends with the session.
 */
export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request);
  return eventStream(
    { context, request, workspaceId: null, userId: user.id, busyMessage: "Too many live streams are open; the unread count updates on the next page." },
    (send) => context.services.inboxEvents.subscribe(user.id, () => send(sseEvent("inbox", {}))),
  );
}
