import type { LoaderFunctionArgs } from "@remix-run/node";
import { fileSlug } from "~/lib/feedback/export.server";
import { summaryMarkdown } from "~/lib/sprints/summary";
import { loadSprintSummary } from "~/lib/sprints/summary.server";

/** The sprint summary as a Markdown download (user text escaped; unrevealed votes never in it). */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { summary } = await loadSprintSummary(context, request, params);
  return new Response(summaryMarkdown(summary), {
    headers: {
      "Content-Type": "text/markdown; charset=utf-8",
      "Content-Disposition": `attachment; filename="${fileSlug(summary.sprint.name)}-summary.md"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
