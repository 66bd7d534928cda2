import type { LoaderFunctionArgs } from "@remix-run/node";
import { eventStream, sseEvent } from "~/lib/eventStream.server";
import { notFound, requireId, requireMember } from "~/lib/guards.server";

/**
 * Server-sent events of one prototype page: an event named after the kind of record (`decision`,
 * `comment`) each time one is stored, carrying only its id, so the page reloads through its own
 * permission-checked loader. Members only, like the page.
 */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const prototype = await context.services.prototypes.get({ workspaceId: workspace.id, prototypeId });
  if (!prototype) throw notFound("This prototype doesn't exist in this workspace.");
  return eventStream(
    { context, request, workspaceId: workspace.id, userId: user.id, busyMessage: "Too many live streams are open; reload the page to see new activity." },
    (send) => context.services.prototypeEvents.subscribe(prototype.id, (event) => send(sseEvent(event.kind, { id: event.id }))),
  );
}
