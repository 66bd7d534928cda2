import type { Sql, TransactionSql } from "../db/index.js";
import type { Card, CardStatus, Decision, Verdict } from "../../app/lib/experiments/cards.js";

/** What a card was started with: written by the server, never by a client. */
export interface ExperimentRun {
  cardId: string;
  prototypeId: string;
  name: string;
  hypothesis: string;
  test: string;
  metric: string;
  criterion: string;
  startedBy: string | null;
  startedByName: string | null;
  startedAt: Date;
  docSeq: number;
  verdict: Verdict | null;
  decision: Decision | null;
  concludedBy: string | null;
  concludedAt: Date | null;
  /** For a verdict computed from a bound criterion: rule, threshold, value, sample size. */
  evidence: Record<string, unknown> | null;
}

export interface RunStart {
  prototypeId: string;
  cardId: string;
  name: string;
  hypothesis: string;
  test: string;
  metric: string;
  criterion: string;
  startedBy: string | null;
  startedAt: Date;
  docSeq: number;
  docState: Uint8Array;
}

/** One row of the workspace-level list (the projection, joined with names). */
export interface ExperimentListItem {
  prototypeId: string;
  prototypeTitle: string;
  goalId: string | null;
  goalTitle: string | null;
  cardId: string;
  name: string;
  status: CardStatus;
  ownerId: string | null;
  ownerName: string | null;
  deadline: string | null;
  overdue: boolean;
  hypothesis: string;
  metric: string;
  criterion: string;
  learned: string;
  decision: Decision | null;
  startedAt: Date | null;
  updatedAt: Date;
}

export interface ExperimentFilters {
  status?: CardStatus | null;
  ownerId?: string | null;
  goalId?: string | null;
  overdue?: boolean;
}

/** Replaces the projection of one prototype's cards, inside the caller's transaction (the demo seed writes it too). */
export async function writeProjection(tx: TransactionSql, prototypeId: string, cards: Card[]): Promise<void> {
  const [proto] = await tx<{ workspaceId: string }[]>`select workspace_id as "workspaceId" from prototypes where id = ${prototypeId}`;
  if (!proto) return;
  const members = new Set(
    (await tx<{ userId: string }[]>`select user_id as "userId" from memberships where workspace_id = ${proto.workspaceId}`).map((m) => m.userId),
  );
  await tx`delete from experiment_cards where prototype_id = ${prototypeId}`;
  if (!cards.length) return;
  await tx`insert into experiment_cards ${tx(
    cards.map((c) => ({
      prototype_id: prototypeId,
      card_id: c.id,
      workspace_id: proto.workspaceId,
      name: c.name,
      status: c.status,
      rank: c.rank,
      owner_id: c.owner && members.has(c.owner) ? c.owner : null,
      deadline: c.deadline,
      hypothesis: c.hypothesis,
      test: c.test,
      metric: c.metric,
      criterion: c.criterion,
      believed: c.believed,
      observed: c.observed,
      learned: c.learned,
      therefore: c.therefore,
      decision: c.decision,
      critical: c.ratings.critical,
      cost: c.ratings.cost,
      reliability: c.ratings.reliability,
      time_required: c.ratings.time,
      created_at: c.createdAt === null ? null : new Date(c.createdAt),
      started_at: c.startedAt === null ? null : new Date(c.startedAt),
    })),
  )}`;
}

const isUuid = (v: string | null): v is string => !!v && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

export function createExperiments({ sql }: { sql: Sql }) {
  return {
    /** Records a start; a card starts once (a second call keeps the first record). */
    async recordStart(run: RunStart): Promise<void> {
      await sql`
        insert into experiment_runs (prototype_id, card_id, name, hypothesis, test, metric, criterion, started_by, started_at, doc_seq, doc_state)
        values (${run.prototypeId}, ${run.cardId}, ${run.name}, ${run.hypothesis}, ${run.test}, ${run.metric}, ${run.criterion},
                (select id from users where id = ${isUuid(run.startedBy) ? run.startedBy : null}), ${run.startedAt}, ${run.docSeq},
                ${Buffer.from(run.docState)})
        on conflict (prototype_id, card_id) do nothing`;
    },

    /** Records the verdict and decision of a concluded card (null verdict: reopened). */
    async recordConclusion(input: {
      prototypeId: string;
      cardId: string;
      verdict: Verdict | null;
      decision: Decision | null;
      by: string | null;
      /** The numbers a computed verdict was based on (null when the team chose it). */
      evidence?: Record<string, unknown> | null;
    }): Promise<void> {
      await sql`
        update experiment_runs
        set verdict = ${input.verdict}, decision = ${input.verdict ? input.decision : null},
            concluded_by = ${input.verdict && isUuid(input.by) ? sql`(select id from users where id = ${input.by})` : null},
            concluded_at = ${input.verdict ? sql`now()` : null},
            evidence = ${input.verdict && input.evidence ? sql.json(input.evidence as never) : null}
        where prototype_id = ${input.prototypeId} and card_id = ${input.cardId}`;
    },

    async runs(prototypeId: string): Promise<ExperimentRun[]> {
      return sql<ExperimentRun[]>`
        select r.card_id as "cardId", r.prototype_id as "prototypeId", r.name, r.hypothesis, r.test, r.metric, r.criterion,
               r.started_by as "startedBy", u.name as "startedByName", r.started_at as "startedAt", r.doc_seq::int as "docSeq",
               r.verdict, r.decision, r.concluded_by as "concludedBy", r.concluded_at as "concludedAt", r.evidence
        from experiment_runs r left join users u on u.id = r.started_by
        where r.prototype_id = ${prototypeId}
        order by r.started_at, r.card_id`;
    },

    /** Replaces the projection of one prototype's cards (in a transaction). */
    async saveProjection(prototypeId: string, cards: Card[]): Promise<void> {
      await sql.begin((tx) => writeProjection(tx, prototypeId, cards));
    },

    async list({ workspaceId, filters = {} }: { workspaceId: string; filters?: ExperimentFilters }): Promise<ExperimentListItem[]> {
      const { status, ownerId, goalId, overdue } = filters;
      return sql<ExperimentListItem[]>`
        select c.prototype_id as "prototypeId", p.title as "prototypeTitle", p.goal_id as "goalId", g.title as "goalTitle",
               c.card_id as "cardId", c.name, c.status, c.owner_id as "ownerId", u.name as "ownerName",
               to_char(c.deadline, 'YYYY-MM-DD') as deadline,
               (c.deadline is not null and c.deadline < current_date and c.status in ('planned', 'running')) as overdue,
               c.hypothesis, c.metric, c.criterion, c.learned, c.decision, c.started_at as "startedAt", c.updated_at as "updatedAt"
        from experiment_cards c
        join prototypes p on p.id = c.prototype_id and p.archived_at is null
        left join goals g on g.id = p.goal_id
        left join users u on u.id = c.owner_id
        where c.workspace_id = ${workspaceId}
          ${status ? sql`and c.status = ${status}` : sql``}
          ${ownerId ? sql`and c.owner_id = ${ownerId}` : sql``}
          ${goalId ? sql`and p.goal_id = ${goalId}` : sql``}
          ${overdue ? sql`and c.deadline < current_date and c.status in ('planned', 'running')` : sql``}
        order by array_position(array['running', 'planned', 'validated', 'invalidated', 'inconclusive'], c.status),
                 c.deadline nulls last, p.title, c.rank, c.card_id`;
    },
  };
}

export type Experiments = ReturnType<typeof createExperiments>;
