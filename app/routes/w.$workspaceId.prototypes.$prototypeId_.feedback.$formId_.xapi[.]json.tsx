import type { LoaderFunctionArgs } from "@remix-run/node";
import { download, exportableForm, fileSlug } from "~/lib/feedback/export.server";
import type { Statement } from "../../server/feedback/xapi";

/** Every answer of a form as a JSON array of xAPI 1.0.3 statements, streamed. */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const form = await exportableForm(context, request, params);
  return download(jsonArray(context.services.feedback.statements({ workspaceId: form.workspaceId, formId: form.id })), {
    type: "application/json; charset=utf-8",
    filename: `${fileSlug(form.title)}-xapi-statements.json`,
  });
}

async function* jsonArray(pages: AsyncGenerator<Statement[]>): AsyncGenerator<string> {
  let first = true;
  yield "[";
  for await (const page of pages) {
    for (const statement of page) {
      yield `${first ? "\n" : ",\n"}${JSON.stringify(statement)}`;
      first = false;
    }
  }
  yield "\n]\n";
}
