import type { Sql } from "../db/index.js";
import { ServiceError, pgCode } from "./errors.js";

export interface Goal {
  id: string;
  workspaceId: string;
  title: string;
  description: string;
  ownerId: string | null;
  ownerName: string | null;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  prototypeCount: number;
}

export interface GoalInput {
  title: string;
  description: string;
  ownerId: string | null;
}

function ownerError(error: unknown): never {
  // The composite foreign key to memberships refuses an owner from outside the workspace.
  if (pgCode(error) === "23503") throw new ServiceError("invalid", "Choose an owner who is a member of this workspace.", "ownerId");
  throw error;
}

export function createGoals({ sql }: { sql: Sql }) {
  const select = (workspaceId: string) => sql`
    select g.id, g.workspace_id as "workspaceId", g.title, g.description, g.owner_id as "ownerId", u.name as "ownerName",
           g.archived_at as "archivedAt", g.created_at as "createdAt", g.updated_at as "updatedAt",
           (select count(*)::int from prototypes p where p.goal_id = g.id and p.archived_at is null) as "prototypeCount"
    from goals g left join users u on u.id = g.owner_id
    where g.workspace_id = ${workspaceId}`;

  return {
    async list({ workspaceId, archived = false }: { workspaceId: string; archived?: boolean }): Promise<Goal[]> {
      return sql<Goal[]>`
        ${select(workspaceId)} and (g.archived_at is not null) = ${archived}
        order by g.updated_at desc, g.id`;
    },

    async get({ workspaceId, goalId }: { workspaceId: string; goalId: string }): Promise<Goal | null> {
      const [goal] = await sql<Goal[]>`${select(workspaceId)} and g.id = ${goalId}`;
      return goal ?? null;
    },

    async create({ workspaceId, input }: { workspaceId: string; input: GoalInput }): Promise<{ id: string }> {
      try {
        const [row] = await sql<{ id: string }[]>`
          insert into goals (workspace_id, title, description, owner_id)
          values (${workspaceId}, ${input.title.trim()}, ${input.description.trim()}, ${input.ownerId})
          returning id`;
        return row;
      } catch (error) {
        ownerError(error);
      }
    },

    async update({ workspaceId, goalId, input }: { workspaceId: string; goalId: string; input: GoalInput }): Promise<void> {
      let rows;
      try {
        rows = await sql`
          update goals set title = ${input.title.trim()}, description = ${input.description.trim()}, owner_id = ${input.ownerId}, updated_at = now()
          where id = ${goalId} and workspace_id = ${workspaceId} returning id`;
      } catch (error) {
        ownerError(error);
      }
      if (!rows.length) throw new ServiceError("not_found", "This goal no longer exists.");
    },

    async setArchived({ workspaceId, goalId, archived }: { workspaceId: string; goalId: string; archived: boolean }): Promise<void> {
      const rows = await sql`
        update goals set archived_at = ${archived ? sql`now()` : null}, updated_at = now()
        where id = ${goalId} and workspace_id = ${workspaceId} returning id`;
      if (!rows.length) throw new ServiceError("not_found", "This goal no longer exists.");
    },
  };
}

export type Goals = ReturnType<typeof createGoals>;
