import type { LoaderFunctionArgs } from "@remix-run/node";
import { download, exportableForm, fileSlug } from "~/lib/feedback/export.server";

/** Every response of a form as CSV (UTF-8 with BOM, formulas neutralised), streamed. */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const form = await exportableForm(context, request, params);
  return download(context.services.feedback.csv({ workspaceId: form.workspaceId, formId: form.id }), {
    type: "text/csv; charset=utf-8",
    filename: `${fileSlug(form.title)}-responses.csv`,
  });
}
