import type { LoaderFunctionArgs } from "@remix-run/node";
import { isServiceError } from "~/lib/actions.server";
import { eventStream, sseEvent } from "~/lib/eventStream.server";
import { notFound, requireId, requireMember } from "~/lib/guards.server";

/**
 * Server-sent events of one form's results page: a `response` event each time a participant's
 * response is stored, so the page reloads its figures. Members only, like the page itself.
 */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const formId = requireId(params.formId);
  const { form } = await context.services.feedback.get({ workspaceId: workspace.id, formId }).catch((error: unknown) => {
    throw isServiceError(error) ? notFound(error.message) : error;
  });
  if (form.prototypeId !== prototypeId) throw notFound("This form doesn't exist.");
  return eventStream(
    { context, request, workspaceId: workspace.id, userId: user.id, busyMessage: "Too many live streams are open; reload the page to see new responses." },
    (send) => context.services.feedbackEvents.subscribe(form.id, (event) => send(sseEvent("response", { responseId: event.responseId }))),
  );
}
