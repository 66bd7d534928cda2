import type http from "node:http";
import type { Sql } from "../db/index.js";
import type { Services } from "../services/index.js";
import { can, type Role } from "../../app/lib/policy.js";
import { parseDocName } from "../../app/lib/editor/docName.js";
import type { CollabIdentity } from "./connection.js";
import { colorFor } from "../../app/lib/colors.js";
import { sprintAccess } from "../services/sprintAccess.js";

export interface UpgradeRejection {
  ok?: false;
  status: number;
  message: string;
}

export type UpgradeResult = { ok: true; docName: string; identity: CollabIdentity } | (UpgradeRejection & { ok: false });

/** The user's role in the prototype's workspace (null: not a member); undefined when there is no such prototype. */
export async function prototypeAccess(sql: Sql, prototypeId: string, userId: string) {
  const [row] = await sql<{ role: Role | null; archived: boolean; workspaceId: string }[]>`
    select m.role, p.archived_at is not null as archived, p.workspace_id as "workspaceId" from prototypes p
    left join memberships m on m.workspace_id = p.workspace_id and m.user_id = ${userId}
    where p.id = ${prototypeId}`;
  return row;
}

/**
 * Decides an upgrade before any document is loaded: Origin (403), session (401),
 * document name (404), the prototype and the user's membership (404 / 403); for a sprint's ideas
 * document, the sprint's access rules (non-members get a 404, like its pages).
 */
export async function authenticateUpgrade(
  req: http.IncomingMessage,
  { services, sql, appOrigin }: { services: Services; sql: Sql; appOrigin: string | null },
): Promise<UpgradeResult> {
  const url = new URL(req.url ?? "/", "http://placeholder");
  const origin = req.headers.origin;
  const expected = appOrigin ?? `http://${req.headers.host}`;
  if (!origin || (origin !== expected && !(appOrigin === null && origin === `https://${req.headers.host}`))) {
    return { ok: false, status: 403, message: "Origin not allowed" };
  }
  const { user, session } = await services.sessions.check(req.headers.cookie);
  if (!user || !session) return { ok: false, status: 401, message: "Sign in to open this document" };

  // Only /collab/<docName>: any other path (e.g. "/abcdefg/<docName>") names no document.
  const docName = url.pathname.startsWith("/collab/") ? url.pathname.slice("/collab/".length) : "";
  const parsed = parseDocName(docName);
  if (!parsed) return { ok: false, status: 404, message: "No such document" };

  const identityOf = (workspaceId: string, canWrite: boolean) => ({
    ok: true as const,
    docName,
    identity: {
      userId: user.id,
      name: user.name,
      color: colorFor(user.id),
      canWrite,
      workspaceId,
      sessionId: session.id,
      sessionExpiresAt: session.expiresAt,
    },
  });

  if (parsed.kind === "sprint") {
    const access = await sprintAccess(sql, { sprintId: parsed.id, userId: user.id });
    if (!access) return { ok: false, status: 404, message: "No such document" };
    // Everyone in the workspace may watch; participants write until the ideas lock or the sprint ends.
    return identityOf(access.workspaceId, access.canWriteIdeas);
  }

  const row = await prototypeAccess(sql, parsed.id, user.id);
  if (!row) return { ok: false, status: 404, message: "No such document" };
  if (!row.role) return { ok: false, status: 403, message: "You are not a member of this workspace" };

  // An archived prototype's document is frozen until it is restored.
  return identityOf(row.workspaceId, can(row.role, "prototype.write") && !row.archived);
}
