import type { LoaderFunctionArgs } from "@remix-run/node";
import { eventStream, sseEvent } from "~/lib/eventStream.server";
import { notFound, requireId, requireMember } from "~/lib/guards.server";

/**
 * Server-sent events of one sprint room: an event named after what changed (`phase`, `timer`,
 * `gather`, `sprint`, `poll`, `vote`, `output`), with no data beyond the sprint's id, so every open
 * room reloads through its own permission-checked loader. Members of the workspace only, like the room.
 */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const sprintId = requireId(params.sprintId);
  const access = await context.services.sprints.access({ sprintId, workspaceId: workspace.id, userId: user.id });
  if (!access) throw notFound("This sprint doesn't exist in this workspace.");
  return eventStream(
    { context, request, workspaceId: workspace.id, userId: user.id, busyMessage: "Too many live streams are open; reload the page to follow the sprint." },
    (send) => context.services.sprintEvents.subscribe(sprintId, (event) => send(sseEvent(event.kind, { id: event.sprintId }))),
  );
}
