import type { Sql } from "../db/index.js";
import type { Stage } from "../../app/lib/domain.js";
import { ServiceError, pgCode } from "./errors.js";

export interface Prototype {
  id: string;
  workspaceId: string;
  title: string;
  stage: Stage;
  ownerId: string | null;
  ownerName: string | null;
  goalId: string | null;
  goalTitle: string | null;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PrototypeInput {
  title: string;
  stage: Stage;
  ownerId: string | null;
  goalId: string | null;
}

export interface PrototypeFilter {
  workspaceId: string;
  stage?: Stage | null;
  goalId?: string | null;
  archived?: boolean;
}

function referenceError(error: unknown): never {
  if (pgCode(error) === "23503") {
    const constraint = (error as { constraint_name?: string }).constraint_name ?? "";
    if (constraint.includes("goal")) throw new ServiceError("invalid", "Choose a goal of this workspace.", "goalId");
    throw new ServiceError("invalid", "Choose an owner who is a member of this workspace.", "ownerId");
  }
  throw error;
}

export function createPrototypes({ sql }: { sql: Sql }) {
  const select = (workspaceId: string) => sql`
    select p.id, p.workspace_id as "workspaceId", p.title, p.stage, p.owner_id as "ownerId", u.name as "ownerName",
           p.goal_id as "goalId", g.title as "goalTitle", p.archived_at as "archivedAt",
           p.created_at as "createdAt", p.updated_at as "updatedAt"
    from prototypes p
    left join users u on u.id = p.owner_id
    left join goals g on g.id = p.goal_id
    where p.workspace_id = ${workspaceId}`;

  /** An archived goal takes no new prototypes. */
  async function assertGoalOpen(workspaceId: string, goalId: string | null) {
    if (!goalId) return;
    const [goal] = await sql<{ archived: boolean }[]>`
      select archived_at is not null as archived from goals where id = ${goalId} and workspace_id = ${workspaceId}`;
    if (!goal) throw new ServiceError("invalid", "Choose a goal of this workspace.", "goalId");
    if (goal.archived) throw new ServiceError("invalid", "That goal is archived; choose an active goal.", "goalId");
  }

  async function get({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<Prototype | null> {
    const [row] = await sql<Prototype[]>`${select(workspaceId)} and p.id = ${prototypeId}`;
    return row ?? null;
  }

  return {
    get,

    /** Prototypes of a workspace, most recently updated first. */
    async list({ workspaceId, stage = null, goalId = null, archived = false }: PrototypeFilter): Promise<Prototype[]> {
      return sql<Prototype[]>`
        ${select(workspaceId)}
          and (p.archived_at is not null) = ${archived}
          ${stage ? sql`and p.stage = ${stage}` : sql``}
          ${goalId ? sql`and p.goal_id = ${goalId}` : sql``}
        order by p.updated_at desc, p.id`;
    },

    async create({ workspaceId, input }: { workspaceId: string; input: PrototypeInput }): Promise<{ id: string }> {
      await assertGoalOpen(workspaceId, input.goalId);
      try {
        const [row] = await sql<{ id: string }[]>`
          insert into prototypes (workspace_id, title, stage, owner_id, goal_id)
          values (${workspaceId}, ${input.title.trim()}, ${input.stage}, ${input.ownerId}, ${input.goalId})
          returning id`;
        return row;
      } catch (error) {
        referenceError(error);
      }
    },

    /** Updates the fields given; others stay as they are. */
    async update({ workspaceId, prototypeId, input }: { workspaceId: string; prototypeId: string; input: Partial<PrototypeInput> }): Promise<void> {
      const current = await get({ workspaceId, prototypeId });
      if (!current) throw new ServiceError("not_found", "This prototype no longer exists.");
      const next = { ...current, ...input };
      if (input.goalId !== undefined && input.goalId !== current.goalId) await assertGoalOpen(workspaceId, next.goalId);
      try {
        await sql`
          update prototypes set title = ${next.title.trim()}, stage = ${next.stage}, owner_id = ${next.ownerId},
                 goal_id = ${next.goalId}, updated_at = now()
          where id = ${prototypeId} and workspace_id = ${workspaceId}`;
      } catch (error) {
        referenceError(error);
      }
    },

    async setArchived({ workspaceId, prototypeId, archived }: { workspaceId: string; prototypeId: string; archived: boolean }): Promise<void> {
      const rows = await sql`
        update prototypes set archived_at = ${archived ? sql`now()` : null}, updated_at = now()
        where id = ${prototypeId} and workspace_id = ${workspaceId} returning id`;
      if (!rows.length) throw new ServiceError("not_found", "This prototype no longer exists.");
    },
  };
}

export type Prototypes = ReturnType<typeof createPrototypes>;
