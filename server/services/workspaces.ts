import type { Sql, TransactionSql } from "../db/index.js";
import type { AccessEvents } from "../events.js";
import type { Role } from "../../app/lib/policy.js";
import { ServiceError } from "./errors.js";

export interface WorkspaceSummary {
  id: string;
  name: string;
  role: Role;
}

export interface Member {
  userId: string;
  name: string;
  email: string;
  role: Role;
  joinedAt: Date;
}

/** Locks the workspace's memberships so two owners cannot demote each other at once. */
async function lockWorkspace(tx: TransactionSql, workspaceId: string) {
  const [ws] = await tx`select id from workspaces where id = ${workspaceId} for update`;
  if (!ws) throw new ServiceError("not_found", "This workspace no longer exists.");
}

async function ownerCount(tx: TransactionSql, workspaceId: string): Promise<number> {
  const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from memberships where workspace_id = ${workspaceId} and role = 'owner'`;
  return n;
}

export function createWorkspaces({ sql, events }: { sql: Sql; events?: AccessEvents }) {
  return {
    async listForUser(userId: string): Promise<WorkspaceSummary[]> {
      return sql<WorkspaceSummary[]>`
        select w.id, w.name, m.role from memberships m join workspaces w on w.id = m.workspace_id
        where m.user_id = ${userId} order by lower(w.name), w.created_at`;
    },

    /** The workspace and the user's role in it, or null when the user is not a member. */
    async forMember({ workspaceId, userId }: { workspaceId: string; userId: string }): Promise<WorkspaceSummary | null> {
      const [row] = await sql<WorkspaceSummary[]>`
        select w.id, w.name, m.role from workspaces w join memberships m on m.workspace_id = w.id and m.user_id = ${userId}
        where w.id = ${workspaceId}`;
      return row ?? null;
    },

    /** Creates a workspace with its creator as owner. */
    async create({ name, userId }: { name: string; userId: string }): Promise<WorkspaceSummary> {
      return sql.begin(async (tx) => {
        const [ws] = await tx<{ id: string; name: string }[]>`
          insert into workspaces (name, created_by) values (${name.trim()}, ${userId}) returning id, name`;
        await tx`insert into memberships (workspace_id, user_id, role) values (${ws.id}, ${userId}, 'owner')`;
        return { ...ws, role: "owner" as const };
      });
    },

    async rename({ workspaceId, name }: { workspaceId: string; name: string }): Promise<void> {
      const rows = await sql`update workspaces set name = ${name.trim()}, updated_at = now() where id = ${workspaceId} returning id`;
      if (!rows.length) throw new ServiceError("not_found", "This workspace no longer exists.");
    },

    async members(workspaceId: string): Promise<Member[]> {
      return sql<Member[]>`
        select u.id as "userId", u.name, u.email, m.role, m.created_at as "joinedAt"
        from memberships m join users u on u.id = m.user_id
        where m.workspace_id = ${workspaceId}
        order by array_position(array['owner','facilitator','editor','commenter','viewer'], m.role), lower(u.name)`;
    },

    /** Changes a member's role; the last owner cannot be demoted. */
    async changeRole({ workspaceId, userId, role }: { workspaceId: string; userId: string; role: Role }): Promise<void> {
      await sql.begin(async (tx) => {
        await lockWorkspace(tx, workspaceId);
        const [current] = await tx<{ role: Role }[]>`select role from memberships where workspace_id = ${workspaceId} and user_id = ${userId}`;
        if (!current) throw new ServiceError("not_found", "That person is not a member of this workspace.");
        if (current.role === "owner" && role !== "owner" && (await ownerCount(tx, workspaceId)) <= 1) {
          throw new ServiceError("last_owner", "A workspace needs at least one owner. Make someone else an owner first.");
        }
        await tx`update memberships set role = ${role} where workspace_id = ${workspaceId} and user_id = ${userId}`;
      });
      events?.emit({ kind: "membership", workspaceId, userId, removed: false });
    },

    /** Removes a member; the last owner cannot be removed. */
    async removeMember({ workspaceId, userId }: { workspaceId: string; userId: string }): Promise<void> {
      await sql.begin(async (tx) => {
        await lockWorkspace(tx, workspaceId);
        const [current] = await tx<{ role: Role }[]>`select role from memberships where workspace_id = ${workspaceId} and user_id = ${userId}`;
        if (!current) throw new ServiceError("not_found", "That person is not a member of this workspace.");
        if (current.role === "owner" && (await ownerCount(tx, workspaceId)) <= 1) {
          throw new ServiceError("last_owner", "The last owner can't be removed. Make someone else an owner first.");
        }
        await tx`delete from memberships where workspace_id = ${workspaceId} and user_id = ${userId}`;
      });
      events?.emit({ kind: "membership", workspaceId, userId, removed: true });
    },

    async isMember({ workspaceId, userId }: { workspaceId: string; userId: string }): Promise<boolean> {
      const [row] = await sql`select 1 from memberships where workspace_id = ${workspaceId} and user_id = ${userId}`;
      return Boolean(row);
    },
  };
}

export type Workspaces = ReturnType<typeof createWorkspaces>;
