import * as Y from "yjs";
import type { Sql, TransactionSql } from "../db/index.js";
import type { AccessEvents } from "../events.js";
import { contentUpdate, designContent, templateUpdate, type PilotDesign } from "../collab/template.js";
import { documentText } from "../collab/text.js";
import { prototypeDocName } from "../../app/lib/editor/docName.js";
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
  /** The start of the document's text, or with a search the passage that matched (matches between \u0002 and \u0003). */
  excerpt: string;
}

/** Marks around search matches in excerpts (control characters never typed in documents). */
export const MATCH_START = "\u0002";
export const MATCH_END = "\u0003";
const EXCERPT_CHARS = 240;

/**
 * The start of a document's text as an excerpt: up to EXCERPT_CHARS, cut after a whole word with
 * an ellipsis when the text goes on (`text` holds one character more than that when it does).
 */
export function clipExcerpt(text: string): string {
  if (text.length <= EXCERPT_CHARS) return text;
  const shown = text.slice(0, EXCERPT_CHARS);
  const lastSpace = shown.search(/\s\S*$/);
  // A very long "word" (a pasted URL) is cut where it is, not dropped.
  const cut = lastSpace > EXCERPT_CHARS / 2 ? shown.slice(0, lastSpace) : shown;
  return `${cut.replace(/[\s·.,;:]+$/, "")}…`;
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
  /** Words to find in the title and the document (web-search syntax: "quoted phrases", -not, or). */
  q?: string | null;
}

function referenceError(error: unknown): never {
  if (pgCode(error) === "23503") {
    const constraint = (error as { constraint_name?: string }).constraint_name ?? "";
    if (constraint.includes("goal")) throw new ServiceError("invalid", "Choose a goal of this workspace.", "goalId");
    throw new ServiceError("invalid", "Choose an owner who is a member of this workspace.", "ownerId");
  }
  throw error;
}

/** Stores a new prototype's starting document (the template, or a design already written) as its first update, with its text projection. */
export async function insertInitialDocument(
  tx: TransactionSql,
  { prototypeId, goalTitle, idea = null, design = null }: { prototypeId: string; goalTitle: string | null; idea?: string | null; design?: PilotDesign | null },
) {
  const update = design ? contentUpdate(designContent(design, goalTitle)) : templateUpdate({ goalTitle, idea });
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  const text = documentText(doc);
  doc.destroy();
  await tx`insert into doc_updates (doc_name, update) values (${prototypeDocName(prototypeId)}, ${Buffer.from(update)})`;
  await tx`update prototypes set doc_text = ${text} where id = ${prototypeId}`;
}

/**
 * Inserts a prototype and its starting document inside the caller's transaction (a sprint turns an
 * idea into a prototype and records it in the same transaction). Goal checks are the caller's.
 */
export async function insertPrototype(
  tx: TransactionSql,
  { workspaceId, input, goalTitle, idea = null }: { workspaceId: string; input: PrototypeInput; goalTitle: string | null; idea?: string | null },
): Promise<{ id: string }> {
  const [row] = await tx<{ id: string }[]>`
    insert into prototypes (workspace_id, title, stage, owner_id, goal_id)
    values (${workspaceId}, ${input.title.trim()}, ${input.stage}, ${input.ownerId}, ${input.goalId})
    returning id`;
  await insertInitialDocument(tx, { prototypeId: row.id, goalTitle, idea });
  return row;
}

export function createPrototypes({ sql, events }: { sql: Sql; events?: AccessEvents }) {
  // One character more than shown, so clipExcerpt knows whether the text goes on.
  const select = (workspaceId: string, excerpt = sql`left(p.doc_text, ${EXCERPT_CHARS + 1})`) => sql`
    select ${excerpt} as excerpt, p.id, p.workspace_id as "workspaceId", p.title, p.stage, p.owner_id as "ownerId", u.name as "ownerName",
           p.goal_id as "goalId", g.title as "goalTitle", p.archived_at as "archivedAt",
           p.created_at as "createdAt", p.updated_at as "updatedAt"
    from prototypes p
    left join users u on u.id = p.owner_id
    left join goals g on g.id = p.goal_id
    where p.workspace_id = ${workspaceId}`;

  /** An archived goal takes no new prototypes; returns the goal's title. */
  async function assertGoalOpen(workspaceId: string, goalId: string | null): Promise<string | null> {
    if (!goalId) return null;
    const [goal] = await sql<{ archived: boolean; title: string }[]>`
      select archived_at is not null as archived, title from goals where id = ${goalId} and workspace_id = ${workspaceId}`;
    if (!goal) throw new ServiceError("invalid", "Choose a goal of this workspace.", "goalId");
    if (goal.archived) throw new ServiceError("invalid", "That goal is archived; choose an active goal.", "goalId");
    return goal.title;
  }

  async function get({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<Prototype | null> {
    const [row] = await sql<Prototype[]>`${select(workspaceId)} and p.id = ${prototypeId}`;
    return row ? { ...row, excerpt: clipExcerpt(row.excerpt) } : null;
  }

  return {
    get,

    /** Prototypes of a workspace, most recently updated first. */
    async list({ workspaceId, stage = null, goalId = null, archived = false, q = null }: PrototypeFilter): Promise<Prototype[]> {
      const query = q?.trim() ? sql`websearch_to_tsquery('english', ${q.trim()})` : null;
      const excerpt = query
        ? sql`ts_headline('english', p.doc_text, ${query}, ${`MaxWords=35, MinWords=15, MaxFragments=1, StartSel=${MATCH_START}, StopSel=${MATCH_END}`})`
        : undefined;
      const rows = await sql<Prototype[]>`
        ${select(workspaceId, excerpt)}
          and (p.archived_at is not null) = ${archived}
          ${stage ? sql`and p.stage = ${stage}` : sql``}
          ${goalId ? sql`and p.goal_id = ${goalId}` : sql``}
          ${query ? sql`and p.search @@ ${query}` : sql``}
        order by ${query ? sql`ts_rank(p.search, ${query}) desc,` : sql``} p.updated_at desc, p.id`;
      return query ? rows : rows.map((row) => ({ ...row, excerpt: clipExcerpt(row.excerpt) }));
    },

    /** Creates the record and its document, which starts from the design template. */
    async create({ workspaceId, input }: { workspaceId: string; input: PrototypeInput }): Promise<{ id: string }> {
      const goalTitle = await assertGoalOpen(workspaceId, input.goalId);
      try {
        return await sql.begin((tx) => insertPrototype(tx, { workspaceId, input, goalTitle }));
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
      events?.emit({ kind: "prototype", prototypeId });
    },
  };
}

export type Prototypes = ReturnType<typeof createPrototypes>;
