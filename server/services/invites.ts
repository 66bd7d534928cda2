import type { Sql } from "../db/index.js";
import type { Role } from "../../app/lib/policy.js";
import { generateToken, hashToken, isWellFormedToken } from "../auth/tokens.js";
import { ServiceError } from "./errors.js";

export type InviteStatus = "pending" | "accepted" | "revoked" | "expired";

export interface Invite {
  id: string;
  workspaceId: string;
  role: Role;
  expiresAt: Date;
  createdAt: Date;
  createdByName: string | null;
  acceptedByName: string | null;
  status: InviteStatus;
}

export interface InviteLookup {
  status: InviteStatus;
  role: Role;
  workspaceId: string;
  workspaceName: string;
  invitedBy: string | null;
  expiresAt: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Single-use invite links: the link carries a random token, the table only its SHA-256. */
export function createInvites({ sql }: { sql: Sql }) {
  return {
    async create(input: { workspaceId: string; role: Role; expiresInDays: number; createdBy: string }): Promise<{ id: string; token: string; expiresAt: Date }> {
      const token = generateToken();
      const expiresAt = new Date(Date.now() + input.expiresInDays * DAY_MS);
      const [row] = await sql<{ id: string }[]>`
        insert into invites (workspace_id, token_hash, role, expires_at, created_by)
        values (${input.workspaceId}, ${hashToken(token)}, ${input.role}, ${expiresAt}, ${input.createdBy})
        returning id`;
      return { id: row.id, token, expiresAt };
    },

    /** Invites of a workspace, newest first, with their status. */
    async list(workspaceId: string): Promise<Invite[]> {
      return sql<Invite[]>`
        select i.id, i.workspace_id as "workspaceId", i.role, i.expires_at as "expiresAt", i.created_at as "createdAt",
               c.name as "createdByName", a.name as "acceptedByName",
               case when i.accepted_at is not null then 'accepted'
                    when i.revoked_at is not null then 'revoked'
                    when i.expires_at <= now() then 'expired'
                    else 'pending' end as status
        from invites i
        left join users c on c.id = i.created_by
        left join users a on a.id = i.accepted_by
        where i.workspace_id = ${workspaceId}
        order by i.created_at desc
        limit 50`;
    },

    async revoke({ workspaceId, inviteId }: { workspaceId: string; inviteId: string }): Promise<void> {
      const rows = await sql`
        update invites set revoked_at = now()
        where id = ${inviteId} and workspace_id = ${workspaceId} and accepted_at is null and revoked_at is null
        returning id`;
      if (!rows.length) throw new ServiceError("not_found", "That invite is no longer pending.");
    },

    /** What an invite link points at, or null for a link that never existed. */
    async lookup(token: string): Promise<InviteLookup | null> {
      if (!isWellFormedToken(token)) return null;
      const [row] = await sql<InviteLookup[]>`
        select i.role, i.workspace_id as "workspaceId", w.name as "workspaceName", c.name as "invitedBy", i.expires_at as "expiresAt",
               case when i.accepted_at is not null then 'accepted'
                    when i.revoked_at is not null then 'revoked'
                    when i.expires_at <= now() then 'expired'
                    else 'pending' end as status
        from invites i join workspaces w on w.id = i.workspace_id left join users c on c.id = i.created_by
        where i.token_hash = ${hashToken(token)}`;
      return row ?? null;
    },

    /** Accepts an invite once; an existing member keeps their role and the invite stays unused. */
    async accept({ token, userId }: { token: string; userId: string }): Promise<{ workspaceId: string; alreadyMember: boolean }> {
      if (!isWellFormedToken(token)) throw new ServiceError("not_found", "This invite link is not valid.");
      return sql.begin(async (tx) => {
        const [invite] = await tx<{ id: string; workspaceId: string; role: Role; expired: boolean; acceptedAt: Date | null; revokedAt: Date | null }[]>`
          select id, workspace_id as "workspaceId", role, expires_at <= now() as expired, accepted_at as "acceptedAt", revoked_at as "revokedAt"
          from invites where token_hash = ${hashToken(token)} for update`;
        if (!invite) throw new ServiceError("not_found", "This invite link is not valid.");
        if (invite.acceptedAt) throw new ServiceError("gone", "This invite has already been used. Ask for a new link.");
        if (invite.revokedAt) throw new ServiceError("gone", "This invite was revoked. Ask for a new link.");
        if (invite.expired) throw new ServiceError("gone", "This invite has expired. Ask for a new link.");
        const [existing] = await tx`select role from memberships where workspace_id = ${invite.workspaceId} and user_id = ${userId}`;
        if (existing) return { workspaceId: invite.workspaceId, alreadyMember: true };
        await tx`insert into memberships (workspace_id, user_id, role) values (${invite.workspaceId}, ${userId}, ${invite.role})`;
        await tx`update invites set accepted_at = now(), accepted_by = ${userId} where id = ${invite.id}`;
        return { workspaceId: invite.workspaceId, alreadyMember: false };
      });
    },
  };
}

export type Invites = ReturnType<typeof createInvites>;
