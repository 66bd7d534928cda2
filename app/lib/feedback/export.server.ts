import type { AppLoadContext } from "@remix-run/node";
import { isServiceError } from "~/lib/actions.server";
import { notFound, requireId, requireMember } from "~/lib/guards.server";
import type { FeedbackForm } from "../../../server/services/feedback";

/** The form named by the URL, for any member of its workspace (exports are readable like results). */
export async function exportableForm(context: AppLoadContext, request: Request, params: Record<string, string | undefined>): Promise<FeedbackForm> {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const formId = requireId(params.formId);
  try {
    const { form } = await context.services.feedback.get({ workspaceId: workspace.id, formId });
    if (form.prototypeId !== prototypeId) throw notFound("This form doesn't exist.");
    return form;
  } catch (error) {
    if (isServiceError(error)) throw notFound(error.message);
    throw error;
  }
}

/** A file name from a title: letters, digits and dashes only. */
export function fileSlug(title: string): string {
  return (
    title
      .normalize("NFKD")
      .replace(/[^\w\s-]/g, "")
      .trim()
      .replace(/[\s_]+/g, "-")
      .toLowerCase()
      .slice(0, 60) || "form"
  );
}

/** Streams an async generator of strings as a download; the database is read page by page. */
export function download(chunks: AsyncGenerator<string>, { type, filename }: { type: string; filename: string }): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": type,
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
