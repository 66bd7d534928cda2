import { redirect, type AppLoadContext } from "@remix-run/node";
import type { User } from "lucia";
import { z } from "zod";
import { can, type Action, type Role } from "./policy";

const uuid = z.string().uuid();

/** Parses a route param that must be a UUID; anything else is a 404, never a query. */
export function requireId(value: string | undefined): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

export function notFound(message = "We couldn't find that page."): Response {
  return new Response(message, { status: 404, statusText: "Not Found" });
}

export function forbidden(message = "Your role in this workspace doesn't allow that."): Response {
  return new Response(message, { status: 403, statusText: "Forbidden" });
}

/** The signed-in user, or a redirect to the login page that comes back here. */
export function requireUser(context: AppLoadContext, request: Request): User {
  if (context.user) return context.user;
  const url = new URL(request.url);
  const back = url.pathname + url.search;
  throw redirect(`/login?redirectTo=${encodeURIComponent(back)}`);
}

export interface MemberContext {
  user: User;
  workspace: { id: string; name: string; role: Role };
}

/**
 * Opens every workspace loader and action: the user must be a member (else 404, so
 * non-members learn nothing), and, when an action is named, allowed it (else 403).
 */
export async function requireMember(
  context: AppLoadContext,
  request: Request,
  workspaceIdParam: string | undefined,
  action: Action = "workspace.view",
): Promise<MemberContext> {
  const user = requireUser(context, request);
  const workspaceId = requireId(workspaceIdParam);
  const workspace = await context.services.workspaces.forMember({ workspaceId, userId: user.id });
  if (!workspace) throw notFound("This workspace doesn't exist, or you are not a member of it.");
  if (!can(workspace.role, action)) throw forbidden();
  return { user, workspace };
}

/** Only same-site relative paths; anything else goes to the fallback. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
