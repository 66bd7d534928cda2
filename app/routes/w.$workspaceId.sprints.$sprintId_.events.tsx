import type { LoaderFunctionArgs } from "@remix-run/node";
import { eventStream, sseEvent } from "~/lib/eventStream.server";
import { VERSION_EVENT } from "~/components/useLiveEvents";
import { notFound, requireId, requireMember } from "~/lib/guards.server";

/**
 * Server-sent events of one sprint room: first a `version` event with the room's current version
 * (on every (re)connect, so the page reloads if it changed since its load), then an event named
 * after what changed (`phase`, `timer`, `gather`, `sprint`, `poll`, `vote`, `output`), with no data
 * beyond the sprint's id, so every open room reloads through its own permission-checked loader.
 * Members of the workspace only, like the room.
 */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const sprintId = requireId(params.sprintId);
  const access = await context.services.sprints.access({ sprintId, workspaceId: workspace.id, userId: user.id });
  if (!access) throw notFound("This sprint doesn't exist in this workspace.");
  return eventStream(
    { context, request, workspaceId: workspace.id, userId: user.id, busyMessage: "Too many live streams are open; reload the page to follow the sprint." },
    (send) => {
      const unsubscribe = context.services.sprintEvents.subscribe(sprintId, (event) => send(sseEvent(event.kind, { id: event.sprintId })));
      // Read after subscribing: a change from here on is an event, one before is in the version.
      if (unsubscribe) {
        context.services.sprints.version(sprintId).then(
          (version) => {
            if (version !== null && !request.signal.aborted) send(sseEvent(VERSION_EVENT, { id: sprintId, version }));
          },
          // A failed read leaves the room to the next event; the stream itself is fine.
          () => {},
        );
      }
      return unsubscribe;
    },
  );
}
