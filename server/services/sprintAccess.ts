import type { Sql } from "../db/index.js";
import { can, type Role } from "../../app/lib/policy.js";

/** What one person may do in one sprint, read in one query (routes, services, the collab upgrade). */
export interface SprintAccess {
  sprintId: string;
  workspaceId: string;
  role: Role;
  ended: boolean;
  ideasLocked: boolean;
  deciderId: string | null;
  /** Listed as a participant of this sprint. */
  isParticipant: boolean;
  /** May run it: phases, timer, votes, locks, the decider (owners and facilitators). */
  canFacilitate: boolean;
  /** May add ideas and dots: facilitators, and participants whose role allows taking part. */
  canTakePart: boolean;
  /** May change the ideas document now: takes part, the sprint runs, and ideas are unlocked (facilitators write through the lock). */
  canWriteIdeas: boolean;
}

/**
 * The person's access to a sprint of a workspace; null when the sprint does not exist in that
 * workspace or the person is not a member of it (both are a 404 to the caller).
 */
export async function sprintAccess(sql: Sql, { sprintId, workspaceId, userId }: { sprintId: string; workspaceId?: string; userId: string }): Promise<SprintAccess | null> {
  const [row] = await sql<{ workspaceId: string; role: Role | null; ended: boolean; ideasLocked: boolean; deciderId: string | null; isParticipant: boolean }[]>`
    select s.workspace_id as "workspaceId", m.role, s.ended_at is not null as ended, s.ideas_locked as "ideasLocked",
      s.decider_id as "deciderId",
      exists (select 1 from sprint_participants sp where sp.sprint_id = s.id and sp.user_id = ${userId}) as "isParticipant"
    from sprints s
    left join memberships m on m.workspace_id = s.workspace_id and m.user_id = ${userId}
    where s.id = ${sprintId} ${workspaceId ? sql`and s.workspace_id = ${workspaceId}` : sql``}`;
  if (!row || !row.role) return null;
  const canFacilitate = can(row.role, "sprint.facilitate");
  const canTakePart = canFacilitate || (row.isParticipant && can(row.role, "sprint.participate"));
  return {
    sprintId,
    workspaceId: row.workspaceId,
    role: row.role,
    ended: row.ended,
    ideasLocked: row.ideasLocked,
    deciderId: row.deciderId,
    isParticipant: row.isParticipant,
    canFacilitate,
    canTakePart,
    canWriteIdeas: canTakePart && !row.ended && (!row.ideasLocked || canFacilitate),
  };
}
