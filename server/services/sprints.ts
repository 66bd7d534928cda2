import * as Y from "yjs";
import type { Sql, TransactionSql } from "../db/index.js";
import type { AccessEvents } from "../events.js";
import type { SprintEvent, SprintEvents } from "../liveEvents.js";
import { loadDocumentState } from "../collab/updateLog.js";
import { sprintDocName } from "../../app/lib/editor/docName.js";
import { can, type Role } from "../../app/lib/policy.js";
import type { Stage } from "../../app/lib/domain.js";
import { TITLE_MAX } from "../../app/lib/limits.js";
import { DEFAULT_PHASES, SPRINT_NAME_MAX, SPRINT_TEXT_MAX, phaseDraft, validatePhases, type Phase } from "../../app/lib/sprints/phases.js";
import { ideaTitle, readIdea } from "../../app/lib/sprints/ideas.js";
import * as timer from "../../app/lib/sprints/timer.js";
import { insertPrototype } from "./prototypes.js";
import { sprintAccess, type SprintAccess } from "./sprintAccess.js";
import { ServiceError } from "./errors.js";

/** Largest single "+ minutes" the facilitator may give the timer. */
export const EXTEND_MAX_MINUTES = timer.TIMER_EXTEND_MAX_MS / 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Idea ids are short random strings written by the board (app/lib/sprints/ideas.ts). */
const IDEA_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface SprintInput {
  name: string;
  challenge: string;
  goal: string;
  prototypeIds: string[];
  participantIds: string[];
  /** In order; the design-sprint defaults when left out. */
  phases?: Phase[];
}

/** A sprint as the workspace's list shows it. */
export interface SprintSummary {
  id: string;
  name: string;
  challenge: string;
  createdAt: Date;
  endedAt: Date | null;
  currentPhase: number;
  phaseName: string | null;
  phaseCount: number;
  participantCount: number;
}

export interface SprintPhase extends Phase {
  position: number;
}

/** Everything the sprint room shows, read for one person (their access decides the controls). */
export interface SprintRoom {
  id: string;
  workspaceId: string;
  name: string;
  challenge: string;
  goal: string;
  createdByName: string | null;
  createdAt: Date;
  endedAt: Date | null;
  currentPhase: number;
  ideasLocked: boolean;
  deciderId: string | null;
  gatherSeq: number;
  phases: SprintPhase[];
  prototypes: { id: string; title: string; stage: Stage; archived: boolean }[];
  participants: { userId: string; name: string; role: Role }[];
  /** Prototypes made from ideas, by idea id. */
  outputs: { ideaId: string; prototypeId: string; title: string }[];
  /** The shared timer, in the database's clock… */
  timer: timer.TimerState;
  /** …and that clock's time when this was read, so a browser can compute its offset. */
  serverNow: number;
  access: SprintAccess;
}

/** Who asks: the sprint and workspace from the URL, the user from the session. */
export interface SprintActor {
  sprintId: string;
  workspaceId: string;
  userId: string;
}

function checkText(value: string, { label, field, max, required }: { label: string; field: string; max: number; required?: boolean }): string {
  const text = value.trim();
  if (required && !text) throw new ServiceError("invalid", `${label} is required.`, field);
  if (text.length > max) throw new ServiceError("invalid", `${label} must be at most ${max} characters.`, field);
  return text;
}

function checkIds(ids: string[], field: string, message: string): string[] {
  const unique = [...new Set(ids.map((id) => id.trim()).filter(Boolean))];
  if (unique.some((id) => !UUID.test(id))) throw new ServiceError("invalid", message, field);
  return unique;
}

const timerColumns = (sql: Sql | TransactionSql) => sql`
  timer_duration_ms::int as "durationMs", timer_used_ms::int as "usedMs",
  (extract(epoch from timer_running_since) * 1000)::float8 as "runningSince"`;

/** A stored timer state; the running start and the clock come from Postgres (one clock for every instance). */
async function storeTimer(tx: TransactionSql, sprintId: string, next: timer.TimerState) {
  await tx`
    update sprints set timer_duration_ms = ${Math.round(next.durationMs)}, timer_used_ms = ${Math.round(next.usedMs)},
      timer_running_since = ${next.runningSince === null ? null : tx`to_timestamp(${next.runningSince}::float8 / 1000)`},
      updated_at = now()
    where id = ${sprintId}`;
}

/**
 * Inserts a sprint with its phases, scope and participants inside the caller's transaction, in its
 * first phase with that phase's timer; input checks are the caller's (the service's create, the demo seed).
 */
export async function insertSprint(
  tx: TransactionSql,
  input: { workspaceId: string; userId: string; name: string; challenge: string; goal: string; phases: readonly Phase[]; prototypeIds: string[]; participantIds: string[] },
): Promise<{ id: string }> {
  const { workspaceId, userId, phases, prototypeIds, participantIds } = input;
  const [row] = await tx<{ id: string }[]>`
    insert into sprints (workspace_id, name, challenge, goal, created_by, timer_duration_ms)
    values (${workspaceId}, ${input.name}, ${input.challenge}, ${input.goal}, ${userId}, ${phases[0].durationSeconds * 1000})
    returning id`;
  await tx`insert into sprint_phases ${tx(
    phases.map((p, position) => ({
      sprint_id: row.id,
      position,
      name: p.name,
      kind: p.kind,
      instructions: p.instructions,
      duration_seconds: p.durationSeconds,
    })),
  )}`;
  if (prototypeIds.length) {
    await tx`insert into sprint_prototypes ${tx(prototypeIds.map((prototype_id) => ({ sprint_id: row.id, prototype_id })))}`;
  }
  if (participantIds.length) {
    await tx`insert into sprint_participants ${tx(participantIds.map((user_id) => ({ sprint_id: row.id, workspace_id: workspaceId, user_id })))}`;
  }
  return row;
}

export function createSprints({ sql, events, accessEvents }: { sql: Sql; events?: SprintEvents; accessEvents?: AccessEvents }) {
  const publish = (sprintId: string, kind: SprintEvent["kind"]) => events?.publish({ sprintId, kind });

  /** The actor's access; a missing sprint (or non-member) is not found. */
  async function accessOf(actor: SprintActor): Promise<SprintAccess> {
    const access = await sprintAccess(sql, actor);
    if (!access) throw new ServiceError("not_found", "This sprint doesn't exist in this workspace.");
    return access;
  }

  /** Facilitator controls: refused to everyone else, and once the sprint has ended. */
  async function facilitate(actor: SprintActor): Promise<SprintAccess> {
    const access = await accessOf(actor);
    if (!access.canFacilitate) throw new ServiceError("forbidden", "Only the sprint's facilitators can do that.");
    if (access.ended) throw new ServiceError("conflict", "This sprint has ended.");
    return access;
  }

  /** Changes the timer under a row lock, with Postgres's clock as "now" (and the current phase's full duration). */
  async function changeTimer(actor: SprintActor, change: (state: timer.TimerState, now: number, phaseMs: number) => timer.TimerState) {
    await facilitate(actor);
    await sql.begin(async (tx) => {
      const [row] = await tx<(timer.TimerState & { now: number; phaseSeconds: number | null })[]>`
        select ${timerColumns(tx)}, (extract(epoch from now()) * 1000)::float8 as now, p.duration_seconds as "phaseSeconds"
        from sprints s left join sprint_phases p on p.sprint_id = s.id and p.position = s.current_phase
        where s.id = ${actor.sprintId} for update of s`;
      let next: timer.TimerState;
      try {
        next = change({ durationMs: row.durationMs, usedMs: row.usedMs, runningSince: row.runningSince }, row.now, (row.phaseSeconds ?? 0) * 1000);
      } catch (error) {
        if (error instanceof RangeError) throw new ServiceError("invalid", error.message, "minutes");
        throw error;
      }
      await storeTimer(tx, actor.sprintId, next);
    });
    publish(actor.sprintId, "timer");
  }

  return {
    /** What a person may do in a sprint (null: not found for them); for routes that need no more. */
    access: (actor: SprintActor) => sprintAccess(sql, actor),

    /** Creates a sprint with its phases, scope and participants; facilitators (and owners) only. */
    async create({ workspaceId, userId, input }: { workspaceId: string; userId: string; input: SprintInput }): Promise<{ id: string }> {
      const [member] = await sql<{ role: Role }[]>`select role from memberships where workspace_id = ${workspaceId} and user_id = ${userId}`;
      if (!member) throw new ServiceError("not_found", "This workspace doesn't exist, or you are not a member of it.");
      if (!can(member.role, "sprint.facilitate")) throw new ServiceError("forbidden", "Only facilitators and owners can create sprints.");
      const name = checkText(input.name, { label: "Name", field: "name", max: SPRINT_NAME_MAX, required: true });
      const challenge = checkText(input.challenge, { label: "Challenge", field: "challenge", max: SPRINT_TEXT_MAX });
      const goal = checkText(input.goal, { label: "Goal", field: "goal", max: SPRINT_TEXT_MAX });
      const phases = validatePhases((input.phases ?? DEFAULT_PHASES).map(phaseDraft));
      if (!phases.ok) throw new ServiceError("invalid", phases.message, "phases");

      const prototypeMessage = "Choose prototypes of this workspace that are not archived.";
      const prototypeIds = checkIds(input.prototypeIds, "prototypeIds", prototypeMessage);
      if (prototypeIds.length) {
        const found = await sql`select id from prototypes where workspace_id = ${workspaceId} and archived_at is null and id in ${sql(prototypeIds)}`;
        if (found.length !== prototypeIds.length) throw new ServiceError("invalid", prototypeMessage, "prototypeIds");
      }
      const participantMessage = "Choose participants who are members of this workspace.";
      const participantIds = checkIds(input.participantIds, "participantIds", participantMessage);
      if (participantIds.length) {
        const found = await sql`select user_id from memberships where workspace_id = ${workspaceId} and user_id in ${sql(participantIds)}`;
        if (found.length !== participantIds.length) throw new ServiceError("invalid", participantMessage, "participantIds");
      }

      return sql.begin((tx) => insertSprint(tx, { workspaceId, userId, name, challenge, goal, phases: phases.phases, prototypeIds, participantIds }));
    },

    /** A workspace's sprints: running ones first, newest first. */
    async list({ workspaceId }: { workspaceId: string }): Promise<SprintSummary[]> {
      return sql<SprintSummary[]>`
        select s.id, s.name, s.challenge, s.created_at as "createdAt", s.ended_at as "endedAt", s.current_phase as "currentPhase",
          p.name as "phaseName",
          (select count(*) from sprint_phases x where x.sprint_id = s.id)::int as "phaseCount",
          (select count(*) from sprint_participants x where x.sprint_id = s.id)::int as "participantCount"
        from sprints s
        left join sprint_phases p on p.sprint_id = s.id and p.position = s.current_phase
        where s.workspace_id = ${workspaceId}
        order by s.ended_at is not null, s.created_at desc, s.id`;
    },

    /** The room as one person sees it; null when the sprint is not theirs to see. */
    async room(actor: SprintActor): Promise<SprintRoom | null> {
      const access = await sprintAccess(sql, actor);
      if (!access) return null;
      const [[row], phases, prototypes, participants, outputs] = await Promise.all([
        sql<(Omit<SprintRoom, "phases" | "prototypes" | "participants" | "outputs" | "timer" | "access"> & timer.TimerState)[]>`
          select s.id, s.workspace_id as "workspaceId", s.name, s.challenge, s.goal, u.name as "createdByName", s.created_at as "createdAt",
            s.ended_at as "endedAt", s.current_phase as "currentPhase", s.ideas_locked as "ideasLocked", s.decider_id as "deciderId",
            s.gather_seq as "gatherSeq", ${timerColumns(sql)}, (extract(epoch from clock_timestamp()) * 1000)::float8 as "serverNow"
          from sprints s left join users u on u.id = s.created_by
          where s.id = ${actor.sprintId}`,
        sql<SprintPhase[]>`
          select position, name, kind, instructions, duration_seconds as "durationSeconds"
          from sprint_phases where sprint_id = ${actor.sprintId} order by position`,
        sql<SprintRoom["prototypes"]>`
          select p.id, p.title, p.stage, p.archived_at is not null as archived
          from sprint_prototypes sp join prototypes p on p.id = sp.prototype_id
          where sp.sprint_id = ${actor.sprintId} order by sp.added_at, p.title`,
        sql<SprintRoom["participants"]>`
          select sp.user_id as "userId", u.name, m.role
          from sprint_participants sp join users u on u.id = sp.user_id
          join memberships m on m.workspace_id = sp.workspace_id and m.user_id = sp.user_id
          where sp.sprint_id = ${actor.sprintId} order by u.name, u.id`,
        sql<SprintRoom["outputs"]>`
          select o.idea_id as "ideaId", o.prototype_id as "prototypeId", p.title
          from sprint_outputs o join prototypes p on p.id = o.prototype_id
          where o.sprint_id = ${actor.sprintId} order by o.created_at`,
      ]);
      if (!row) return null;
      const { durationMs, usedMs, runningSince, ...rest } = row;
      return { ...rest, phases, prototypes, participants, outputs, timer: { durationMs, usedMs, runningSince }, access };
    },

    /**
     * A fingerprint of everything stored about the sprint that its room shows (the sprint's row with
     * its phase, timer, gather and lock; phases, scope, participants, outputs, polls and every dot):
     * it changes with every stored change. The room's loader reads it before the room, its event
     * stream sends it first, and a page whose data is older reloads. Null for an unknown sprint.
     */
    async version(sprintId: string): Promise<string | null> {
      const [row] = await sql<{ version: string | null }[]>`
        select md5(concat_ws('|',
          s::text,
          (select string_agg(p::text, ',' order by p.position) from sprint_phases p where p.sprint_id = s.id),
          (select string_agg(x::text, ',' order by x.prototype_id) from sprint_prototypes x where x.sprint_id = s.id),
          (select string_agg(x.user_id::text, ',' order by x.user_id) from sprint_participants x where x.sprint_id = s.id),
          (select string_agg(o::text, ',' order by o.idea_id) from sprint_outputs o where o.sprint_id = s.id),
          (select string_agg(p::text, ',' order by p.id) from sprint_polls p where p.sprint_id = s.id),
          (select string_agg(v.id::text, ',' order by v.id) from sprint_votes v join sprint_polls p on p.id = v.poll_id where p.sprint_id = s.id)
        )) as version
        from sprints s where s.id = ${sprintId}`;
      return row?.version ?? null;
    },

    /** Moves everyone to a phase (next, back, or any); its timer is set to the phase's duration, paused. */
    async goToPhase(actor: SprintActor, position: number): Promise<void> {
      await facilitate(actor);
      const [phase] = Number.isInteger(position)
        ? await sql<{ durationSeconds: number }[]>`
            select duration_seconds as "durationSeconds" from sprint_phases where sprint_id = ${actor.sprintId} and position = ${position}`
        : [];
      if (!phase) throw new ServiceError("invalid", "There is no such phase in this sprint.", "phase");
      const fresh = timer.reset(phase.durationSeconds * 1000);
      await sql.begin(async (tx) => {
        await tx`update sprints set current_phase = ${position} where id = ${actor.sprintId}`;
        await storeTimer(tx, actor.sprintId, fresh);
      });
      publish(actor.sprintId, "phase");
    },

    /** Starts (or resumes) the clock; a timer that ran out starts again from the phase's full duration. */
    timerStart: (actor: SprintActor) =>
      changeTimer(actor, (state, now, phaseMs) => timer.start(timer.remaining(state, now) === 0 ? timer.reset(phaseMs) : state, now)),
    timerPause: (actor: SprintActor) => changeTimer(actor, (state, now) => timer.pause(state, now)),
    /** Adds whole minutes (1..EXTEND_MAX_MINUTES); a running timer keeps running. */
    timerExtend: (actor: SprintActor, minutes: number) => {
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > EXTEND_MAX_MINUTES) {
        return Promise.reject(new ServiceError("invalid", `Add 1 to ${EXTEND_MAX_MINUTES} whole minutes.`, "minutes"));
      }
      return changeTimer(actor, (state, now) => timer.extend(state, minutes * 60_000, now));
    },
    /** Back to the current phase's full duration, paused. */
    timerReset: (actor: SprintActor) => changeTimer(actor, (_state, _now, phaseMs) => timer.reset(phaseMs)),

    /** Locks (or unlocks) the ideas: open connections of participants turn read-only at once. */
    async setIdeasLocked(actor: SprintActor, locked: boolean): Promise<void> {
      await facilitate(actor);
      await sql`update sprints set ideas_locked = ${locked}, updated_at = now() where id = ${actor.sprintId}`;
      accessEvents?.emit({ kind: "sprint", sprintId: actor.sprintId });
      publish(actor.sprintId, "sprint");
    },

    /** Chooses who may cast the supervote (a participant), or nobody. */
    async setDecider(actor: SprintActor, deciderId: string | null): Promise<void> {
      await facilitate(actor);
      if (deciderId !== null) {
        const [row] = UUID.test(deciderId)
          ? await sql`select 1 from sprint_participants where sprint_id = ${actor.sprintId} and user_id = ${deciderId}`
          : [];
        if (!row) throw new ServiceError("invalid", "Choose the decider among the sprint's participants.", "deciderId");
      }
      await sql`update sprints set decider_id = ${deciderId}, updated_at = now() where id = ${actor.sprintId}`;
      publish(actor.sprintId, "sprint");
    },

    /** "Bring everyone here": open rooms switch to the current phase's view. */
    async gather(actor: SprintActor): Promise<void> {
      await facilitate(actor);
      await sql`update sprints set gather_seq = gather_seq + 1 where id = ${actor.sprintId}`;
      publish(actor.sprintId, "gather");
    },

    /** Ends the sprint: the timer stops, the ideas freeze, controls go away. */
    async end(actor: SprintActor): Promise<void> {
      await changeTimer(actor, (state, now) => timer.pause(state, now));
      await sql`update sprints set ended_at = now(), updated_at = now() where id = ${actor.sprintId} and ended_at is null`;
      accessEvents?.emit({ kind: "sprint", sprintId: actor.sprintId });
      publish(actor.sprintId, "sprint");
    },

    /**
     * Turns an idea of the sprint's document into a new prototype (titled by its first line, its
     * document opening with the idea), adds it to the sprint's scope and records it. Once per idea:
     * asking again answers the prototype made the first time.
     */
    async ideaToPrototype(actor: SprintActor, ideaId: string): Promise<{ prototypeId: string; created: boolean }> {
      const access = await accessOf(actor);
      if (!access.canTakePart || !can(access.role, "prototype.create")) {
        throw new ServiceError("forbidden", "Only sprint participants who may create prototypes can do that.");
      }
      if (access.ended) throw new ServiceError("conflict", "This sprint has ended.");
      if (!IDEA_ID.test(ideaId)) throw new ServiceError("invalid", "That idea doesn't exist.", "ideaId");
      const existing = async (q: Sql | TransactionSql) =>
        (await q<{ prototypeId: string }[]>`select prototype_id as "prototypeId" from sprint_outputs where sprint_id = ${actor.sprintId} and idea_id = ${ideaId}`)[0];
      const before = await existing(sql);
      if (before) return { prototypeId: before.prototypeId, created: false };

      // The stored document: every update another client has seen is in the log already.
      const state = await loadDocumentState(sql, sprintDocName(actor.sprintId));
      const doc = new Y.Doc();
      if (state.update) Y.applyUpdate(doc, state.update);
      const idea = readIdea(doc, ideaId);
      doc.destroy();
      if (!idea) throw new ServiceError("invalid", "That idea doesn't exist (any more).", "ideaId");
      const title = ideaTitle(idea.text, TITLE_MAX);
      if (!title) throw new ServiceError("invalid", "Write the idea before turning it into a prototype.", "ideaId");

      const result = await sql.begin(async (tx) => {
        // One at a time per sprint, so two clicks make one prototype.
        await tx`select 1 from sprints where id = ${actor.sprintId} for update`;
        const raced = await existing(tx);
        if (raced) return { prototypeId: raced.prototypeId, created: false };
        const prototype = await insertPrototype(tx, {
          workspaceId: actor.workspaceId,
          input: { title, stage: "idea", ownerId: actor.userId, goalId: null },
          goalTitle: null,
          idea: idea.text,
        });
        await tx`insert into sprint_prototypes (sprint_id, prototype_id) values (${actor.sprintId}, ${prototype.id}) on conflict do nothing`;
        await tx`
          insert into sprint_outputs (sprint_id, idea_id, prototype_id, created_by)
          values (${actor.sprintId}, ${ideaId}, ${prototype.id}, ${actor.userId})`;
        return { prototypeId: prototype.id, created: true };
      });
      if (result.created) publish(actor.sprintId, "output");
      return result;
    },
  };
}

export type Sprints = ReturnType<typeof createSprints>;
