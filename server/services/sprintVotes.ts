import * as Y from "yjs";
import type { Sql, TransactionSql } from "../db/index.js";
import type { SprintEvents } from "../liveEvents.js";
import { loadDocumentState } from "../collab/updateLog.js";
import { sprintAccess, type SprintAccess } from "./sprintAccess.js";
import { ServiceError, pgCode } from "./errors.js";
import { sprintDocName } from "../../app/lib/editor/docName.js";
import { readIdea, readIdeas } from "../../app/lib/sprints/ideas.js";
import type { DecisionKind } from "../../app/lib/decisions.js";
import type { PhaseKind } from "../../app/lib/sprints/phases.js";
import {
  BUDGET_MAX,
  BUDGET_MIN,
  POLL_TITLE_MAX,
  ballotLabel,
  dotRefusal,
  pollResults,
  type BallotItem,
  type PollStatus,
  type PollSubject,
  type PollView,
  type VotesView,
} from "../../app/lib/sprints/votes.js";
import type { SprintSummary, SummaryExperiment } from "../../app/lib/sprints/summary.js";

/** Who asks, in which sprint: the person always comes from the session. */
export interface SprintActor {
  workspaceId: string;
  sprintId: string;
  userId: string;
}

export interface OpenPollInput extends SprintActor {
  subject: string;
  title: string;
  budget: number;
  onePerItem: boolean;
}

export interface DotInput extends SprintActor {
  pollId: string;
  itemId: string;
}

interface PollRow {
  id: string;
  subject: PollSubject;
  title: string;
  budget: number;
  onePerItem: boolean;
  openedAt: Date;
  closedAt: Date | null;
  revealedAt: Date | null;
}

const pollColumns = (sql: Sql | TransactionSql) => sql`
  id, subject, title, budget, one_per_item as "onePerItem", opened_at as "openedAt", closed_at as "closedAt", revealed_at as "revealedAt"`;

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const statusOf = (poll: PollRow): PollStatus => (poll.revealedAt ? "revealed" : poll.closedAt ? "closed" : "open");

/** Counts per key from rows of (key, n). */
function tally<K extends string>(rows: { key: K; n: number }[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const row of rows) out[row.key] = Number(row.n);
  return out;
}

/** The sprint's ideas, read from its stored live document (empty notes are no ballot items). */
async function ideaItems(tx: TransactionSql, sprintId: string): Promise<BallotItem[]> {
  const state = await loadDocumentState(tx, sprintDocName(sprintId));
  if (!state.update) return [];
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state.update);
    return readIdeas(doc)
      .map((idea) => ({ id: idea.id, label: ballotLabel(idea.text) }))
      .filter((item) => item.label.length > 0 && item.id.length <= 64);
  } finally {
    doc.destroy();
  }
}

/**
 * Dot votes of a sprint: polls the facilitator opens over ideas or prototypes, dots participants
 * place within their budget, the decider's supervote, and the reveal. Every permission is decided
 * from sprintAccess; the voter is always the given (session) user. Before the reveal nobody's view
 * contains anyone else's dots, not even a count per item.
 */
export function createSprintVotes({ sql, events }: { sql: Sql; events?: SprintEvents }) {
  /** Access or the refusal: 404 when not a member or no such sprint, 403 when the role doesn't allow. */
  async function access(actor: SprintActor, need: "facilitate" | "take_part" | "read", { afterEnd = false } = {}): Promise<SprintAccess> {
    const a = await sprintAccess(sql, actor);
    if (!a) throw new ServiceError("not_found", "This sprint doesn't exist in this workspace.");
    if (need === "facilitate" && !a.canFacilitate) throw new ServiceError("forbidden", "Only the sprint's facilitators can open, close or reveal votes.");
    if (need === "take_part" && !a.canTakePart) throw new ServiceError("forbidden", "Only the sprint's participants can vote.");
    if (need !== "read" && !afterEnd && a.ended) throw new ServiceError("invalid", "This sprint has ended.");
    return a;
  }

  /** Locks the poll row (every dot of a poll is placed one after another) and checks it is open. */
  async function lockOpenPoll(tx: TransactionSql, sprintId: string, pollId: string): Promise<PollRow> {
    const [poll] = await tx<PollRow[]>`select ${pollColumns(tx)} from sprint_polls where id = ${pollId} and sprint_id = ${sprintId} for update`;
    if (!poll) throw new ServiceError("not_found", "This vote doesn't exist in this sprint.");
    if (poll.closedAt) throw new ServiceError("invalid", "This vote is closed; no more dots can be placed or removed.");
    return poll;
  }

  async function ballotItem(tx: TransactionSql, pollId: string, itemId: string): Promise<BallotItem> {
    const [item] = await tx<BallotItem[]>`select item_id as id, label from sprint_poll_items where poll_id = ${pollId} and item_id = ${itemId}`;
    if (!item) throw new ServiceError("invalid", "That item isn't on this vote's ballot.", "itemId");
    return item;
  }

  const publish = (sprintId: string, kind: "poll" | "vote") => events?.publish({ sprintId, kind });

  /**
   * The viewer's view of every poll of the sprint; null when the sprint isn't there for them.
   * Per-item counts are only queried for revealed polls.
   */
  async function view(actor: SprintActor): Promise<VotesView | null> {
    const a = await sprintAccess(sql, actor);
    if (!a) return null;
    const polls = await sql<PollRow[]>`select ${pollColumns(sql)} from sprint_polls where sprint_id = ${actor.sprintId} order by opened_at desc, id`;
    const ids = polls.map((p) => p.id);
    const revealed = polls.filter((p) => p.revealedAt).map((p) => p.id);
    const [items, mine, totals, counts] = ids.length
      ? await Promise.all([
          sql<{ pollId: string; id: string; label: string }[]>`
            select poll_id as "pollId", item_id as id, label from sprint_poll_items where poll_id in ${sql(ids)} order by poll_id, position`,
          sql<{ pollId: string; itemId: string; kind: string; n: number }[]>`
            select poll_id as "pollId", item_id as "itemId", kind, count(*)::int as n from sprint_votes
            where poll_id in ${sql(ids)} and voter_id = ${actor.userId} group by poll_id, item_id, kind`,
          sql<{ pollId: string; dots: number; voters: number }[]>`
            select poll_id as "pollId", count(*) filter (where kind = 'dot')::int as dots,
              count(distinct voter_id) filter (where kind = 'dot')::int as voters
            from sprint_votes where poll_id in ${sql(ids)} group by poll_id`,
          revealed.length
            ? sql<{ pollId: string; itemId: string; kind: string; n: number }[]>`
                select poll_id as "pollId", item_id as "itemId", kind, count(*)::int as n from sprint_votes
                where poll_id in ${sql(revealed)} group by poll_id, item_id, kind`
            : Promise.resolve([]),
        ])
      : [[], [], [], []];
    const pollViews: PollView[] = polls.map((poll) => {
      const ballot = items.filter((i) => i.pollId === poll.id).map(({ id, label }) => ({ id, label }));
      const myDots: Record<string, number> = {};
      let mySupervote: string | null = null;
      for (const row of mine.filter((r) => r.pollId === poll.id)) {
        if (row.kind === "dot") myDots[row.itemId] = row.n;
        else mySupervote = row.itemId;
      }
      const total = totals.find((t) => t.pollId === poll.id);
      let results = null;
      if (poll.revealedAt) {
        const dots: Record<string, number> = {};
        let superItem: string | null = null;
        for (const row of counts.filter((r) => r.pollId === poll.id)) {
          if (row.kind === "dot") dots[row.itemId] = row.n;
          else superItem = row.itemId;
        }
        results = pollResults(ballot, dots, superItem, total?.voters ?? 0);
      }
      return {
        id: poll.id,
        subject: poll.subject,
        title: poll.title,
        budget: poll.budget,
        onePerItem: poll.onePerItem,
        status: statusOf(poll),
        openedAt: poll.openedAt.toISOString(),
        closedAt: iso(poll.closedAt),
        revealedAt: iso(poll.revealedAt),
        items: ballot,
        myDots,
        mySupervote,
        dotsCast: total?.dots ?? 0,
        results,
      };
    });
    return {
      sprintId: actor.sprintId,
      canFacilitate: a.canFacilitate,
      canVote: a.canTakePart && !a.ended,
      isDecider: a.deciderId === actor.userId && !a.ended,
      ended: a.ended,
      polls: pollViews,
    };
  }

  return {
    /** Opens a vote over the sprint's ideas or its prototypes in scope; the ballot is fixed now. */
    async open(input: OpenPollInput): Promise<{ pollId: string }> {
      await access(input, "facilitate");
      if (input.subject !== "ideas" && input.subject !== "prototypes") throw new ServiceError("invalid", "Choose ideas or prototypes to vote on.", "subject");
      const title = input.title.trim();
      if (!title) throw new ServiceError("invalid", "Give the vote a title.", "title");
      if (title.length > POLL_TITLE_MAX) throw new ServiceError("invalid", `Keep the title under ${POLL_TITLE_MAX} characters.`, "title");
      if (!Number.isInteger(input.budget) || input.budget < BUDGET_MIN || input.budget > BUDGET_MAX) {
        throw new ServiceError("invalid", `Give each person between ${BUDGET_MIN} and ${BUDGET_MAX} dots.`, "budget");
      }
      const subject: PollSubject = input.subject;
      try {
        const pollId = await sql.begin(async (tx) => {
          // Serializes opening with closing and with other opens of this sprint.
          await tx`select id from sprints where id = ${input.sprintId} for update`;
          const [open] = await tx`select 1 from sprint_polls where sprint_id = ${input.sprintId} and closed_at is null`;
          if (open) throw new ServiceError("conflict", "A vote is already open; close it before opening another.");
          const items =
            subject === "ideas"
              ? await ideaItems(tx, input.sprintId)
              : await tx<BallotItem[]>`
                  select p.id::text as id, p.title as label from sprint_prototypes sp join prototypes p on p.id = sp.prototype_id
                  where sp.sprint_id = ${input.sprintId} and p.archived_at is null order by lower(p.title), p.id`;
          if (items.length === 0) {
            throw new ServiceError(
              "invalid",
              subject === "ideas"
                ? "There are no ideas to vote on yet: add some on the ideas board first."
                : "This sprint has no prototypes in scope to vote on.",
              "subject"
            );
          }
          const [poll] = await tx<{ id: string }[]>`
            insert into sprint_polls (sprint_id, subject, title, budget, one_per_item, opened_by)
            values (${input.sprintId}, ${subject}, ${title}, ${input.budget}, ${input.onePerItem}, ${input.userId})
            returning id`;
          await tx`insert into sprint_poll_items ${tx(items.map((item, position) => ({ poll_id: poll.id, item_id: item.id, label: item.label, position })))}`;
          return poll.id;
        });
        publish(input.sprintId, "poll");
        return { pollId };
      } catch (error) {
        // The one-open-poll index, should two facilitators open at the same moment.
        if (pgCode(error) === "23505") throw new ServiceError("conflict", "A vote is already open; close it before opening another.");
        throw error;
      }
    },

    /** Places one of the voter's dots; the budget and one-per-item hold even for parallel requests. */
    async vote(input: DotInput): Promise<{ dotsUsed: number }> {
      await access(input, "take_part");
      const used = await sql.begin(async (tx) => {
        const poll = await lockOpenPoll(tx, input.sprintId, input.pollId);
        const item = await ballotItem(tx, poll.id, input.itemId);
        const mine = await tx<{ key: string; n: number }[]>`
          select item_id as key, count(*)::int as n from sprint_votes
          where poll_id = ${poll.id} and voter_id = ${input.userId} and kind = 'dot' group by item_id`;
        const refusal = dotRefusal(poll, tally(mine), item);
        if (refusal) throw new ServiceError("invalid", refusal, "itemId");
        await tx`insert into sprint_votes (poll_id, item_id, voter_id, kind) values (${poll.id}, ${item.id}, ${input.userId}, 'dot')`;
        return mine.reduce((sum, row) => sum + row.n, 0) + 1;
      });
      publish(input.sprintId, "vote");
      return { dotsUsed: used };
    },

    /** Takes back one of the voter's own dots from an item while the vote is open. */
    async unvote(input: DotInput): Promise<void> {
      await access(input, "take_part");
      await sql.begin(async (tx) => {
        const poll = await lockOpenPoll(tx, input.sprintId, input.pollId);
        await ballotItem(tx, poll.id, input.itemId);
        const removed = await tx`
          delete from sprint_votes where id = (
            select id from sprint_votes
            where poll_id = ${poll.id} and item_id = ${input.itemId} and voter_id = ${input.userId} and kind = 'dot'
            order by created_at desc limit 1)
          returning id`;
        if (removed.length === 0) throw new ServiceError("invalid", "You have no dot on that item to take back.", "itemId");
      });
      publish(input.sprintId, "vote");
    },

    /** The decider's one supervote of a poll (casting it again moves it to the new item). */
    async supervote(input: DotInput): Promise<void> {
      const a = await access(input, "read");
      if (!a.deciderId || a.deciderId !== input.userId) throw new ServiceError("forbidden", "Only the sprint's decider can cast a supervote.");
      if (a.ended) throw new ServiceError("invalid", "This sprint has ended.");
      await sql.begin(async (tx) => {
        const poll = await lockOpenPoll(tx, input.sprintId, input.pollId);
        const item = await ballotItem(tx, poll.id, input.itemId);
        await tx`delete from sprint_votes where poll_id = ${poll.id} and kind = 'super'`;
        await tx`insert into sprint_votes (poll_id, item_id, voter_id, kind) values (${poll.id}, ${item.id}, ${input.userId}, 'super')`;
      });
      publish(input.sprintId, "vote");
    },

    /** Stops the voting; results stay hidden until the reveal. */
    async close(input: SprintActor & { pollId: string }): Promise<void> {
      await access(input, "facilitate", { afterEnd: true });
      const [row] = await sql<{ closed: boolean }[]>`
        with target as (select id, closed_at from sprint_polls where id = ${input.pollId} and sprint_id = ${input.sprintId}),
        done as (update sprint_polls set closed_at = now() where id in (select id from target where closed_at is null) returning id)
        select exists (select 1 from done) as closed from target`;
      if (!row) throw new ServiceError("not_found", "This vote doesn't exist in this sprint.");
      if (!row.closed) throw new ServiceError("invalid", "This vote is already closed.");
      publish(input.sprintId, "poll");
    },

    /** Shows everyone the same ranking (closing the vote first if it is still open). */
    async reveal(input: SprintActor & { pollId: string }): Promise<void> {
      await access(input, "facilitate", { afterEnd: true });
      const [row] = await sql<{ revealed: boolean }[]>`
        with target as (select id, revealed_at from sprint_polls where id = ${input.pollId} and sprint_id = ${input.sprintId}),
        done as (
          update sprint_polls set closed_at = coalesce(closed_at, now()), revealed_at = now()
          where id in (select id from target where revealed_at is null) returning id)
        select exists (select 1 from done) as revealed from target`;
      if (!row) throw new ServiceError("not_found", "This vote doesn't exist in this sprint.");
      if (!row.revealed) throw new ServiceError("invalid", "This vote is already revealed.");
      publish(input.sprintId, "poll");
    },

    view,

    /**
     * The sprint summary for any member: phases, revealed votes only (as everyone sees them after
     * the reveal), decisions on its prototypes since it started, prototypes made from its ideas and
     * experiments started on them. Null when the sprint isn't there for this person.
     */
    async summary(actor: SprintActor): Promise<SprintSummary | null> {
      const a = await sprintAccess(sql, actor);
      if (!a) return null;
      const [sprint] = await sql<{ name: string; challenge: string; goal: string; createdAt: Date; endedAt: Date | null; deciderName: string | null }[]>`
        select s.name, s.challenge, s.goal, s.created_at as "createdAt", s.ended_at as "endedAt", u.name as "deciderName"
        from sprints s left join users u on u.id = s.decider_id where s.id = ${actor.sprintId}`;
      const phases = await sql<{ position: number; name: string; kind: PhaseKind; durationSeconds: number }[]>`
        select position, name, kind, duration_seconds as "durationSeconds" from sprint_phases where sprint_id = ${actor.sprintId} order by position`;
      const votes = (await view(actor))?.polls ?? [];
      const decisions = await sql<
        { id: string; prototypeId: string; prototypeTitle: string; kind: DecisionKind; note: string; decidedByName: string | null; decidedAt: Date }[]
      >`
        select d.id, d.prototype_id as "prototypeId", p.title as "prototypeTitle", d.kind, d.note, u.name as "decidedByName", d.decided_at as "decidedAt"
        from decisions d join prototypes p on p.id = d.prototype_id join sprints s on s.id = ${actor.sprintId}
        left join users u on u.id = d.decided_by
        where d.workspace_id = ${actor.workspaceId} and d.decided_at >= s.created_at and (s.ended_at is null or d.decided_at <= s.ended_at)
          and d.prototype_id in (
            select prototype_id from sprint_prototypes where sprint_id = ${actor.sprintId}
            union select prototype_id from sprint_outputs where sprint_id = ${actor.sprintId})
        order by d.decided_at, d.id`;
      const outputs = await sql<
        { ideaId: string; prototypeId: string; prototypeTitle: string; stage: string; createdAt: Date; createdByName: string | null }[]
      >`
        select o.idea_id as "ideaId", o.prototype_id as "prototypeId", p.title as "prototypeTitle", p.stage, o.created_at as "createdAt", u.name as "createdByName"
        from sprint_outputs o join prototypes p on p.id = o.prototype_id left join users u on u.id = o.created_by
        where o.sprint_id = ${actor.sprintId} order by o.created_at, o.idea_id`;
      const cards = outputs.length
        ? await sql<(SummaryExperiment & { prototypeId: string; startedAt: Date | null })[]>`
            select prototype_id as "prototypeId", card_id as "cardId", name, status, started_at as "startedAt" from experiment_cards
            where prototype_id in ${sql(outputs.map((o) => o.prototypeId))} and (started_at is not null or status <> 'planned')
            order by started_at nulls last, rank, card_id`
        : [];
      const ideaTexts = new Map<string, string>();
      if (outputs.length) {
        const state = await loadDocumentState(sql, sprintDocName(actor.sprintId));
        const doc = new Y.Doc();
        if (state.update) Y.applyUpdate(doc, state.update);
        for (const o of outputs) ideaTexts.set(o.ideaId, readIdea(doc, o.ideaId)?.text ?? "");
        doc.destroy();
      }
      return {
        sprint: { id: actor.sprintId, ...sprint, createdAt: sprint.createdAt.toISOString(), endedAt: iso(sprint.endedAt) },
        phases,
        polls: votes
          .flatMap((p) =>
            p.results && p.revealedAt ? [{ id: p.id, title: p.title, subject: p.subject, budget: p.budget, revealedAt: p.revealedAt, results: p.results }] : []
          )
          .reverse(),
        decisions: decisions.map((d) => ({ ...d, decidedAt: d.decidedAt.toISOString() })),
        outputs: outputs.map((o) => ({
          ...o,
          ideaText: ideaTexts.get(o.ideaId) ?? "",
          createdAt: o.createdAt.toISOString(),
          experiments: cards
            .filter((c) => c.prototypeId === o.prototypeId)
            .map((c) => ({ cardId: c.cardId, name: c.name, status: c.status, startedAt: iso(c.startedAt) })),
        })),
      };
    },
  };
}

export type SprintVotes = ReturnType<typeof createSprintVotes>;
