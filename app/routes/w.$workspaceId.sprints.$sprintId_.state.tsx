import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { loadRoom, roomAction } from "~/lib/sprints/room.server";

/**
 * The sprint room as JSON: GET answers the room's state for the member (phase, timer with the
 * server's "now", access), POST runs a control or turns an idea into a prototype. The room page's
 * fetchers post here and stay in the room; every open room then reloads through its event stream.
 */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  return Response.json(await loadRoom(context, request, params), { headers: { "Cache-Control": "no-store" } });
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { status, body } = await roomAction(context, request, params);
  return Response.json(body, { status });
}
