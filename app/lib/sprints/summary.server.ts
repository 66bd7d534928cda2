import type { AppLoadContext } from "@remix-run/node";
import { notFound, requireId, requireMember } from "~/lib/guards.server";
import type { SprintSummary } from "./summary";

/** The summary of the sprint named by the URL, for any member of its workspace (page and export). */
export async function loadSprintSummary(
  context: AppLoadContext,
  request: Request,
  params: Record<string, string | undefined>
): Promise<{ workspaceId: string; summary: SprintSummary }> {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const sprintId = requireId(params.sprintId);
  const summary = await context.services.sprintVotes.summary({ workspaceId: workspace.id, sprintId, userId: user.id });
  if (!summary) throw notFound("This sprint doesn't exist in this workspace.");
  return { workspaceId: workspace.id, summary };
}
