import type { Sql, TransactionSql } from "../db/index.js";
import { ServiceError } from "./errors.js";
import type { InboxEvents } from "../liveEvents.js";
import { can, type Role } from "../../app/lib/policy.js";
import { COMMENT_BODY_MAX, mentionedIds } from "../../app/lib/comments/mentions.js";
import { decodeAnchor } from "../../app/lib/comments/anchors.js";

export interface CommentView {
  id: string;
  authorId: string | null;
  authorName: string | null;
  /** Null once deleted (the thread keeps its place). */
  body: string | null;
  createdAt: Date;
  editedAt: Date | null;
  deleted: boolean;
}

export interface ThreadView {
  id: string;
  /** Base64 of the encoded Yjs relative positions. */
  anchorStart: string;
  anchorEnd: string;
  quote: string;
  createdBy: string | null;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedByName: string | null;
  comments: CommentView[];
}

export interface InboxItem {
  id: string;
  kind: "mention" | "reply";
  createdAt: Date;
  readAt: Date | null;
  workspaceId: string;
  prototypeId: string;
  prototypeTitle: string;
  threadId: string;
  commentId: string;
  authorName: string | null;
  /** The comment, or null when it was deleted. */
  body: string | null;
}

export const QUOTE_MAX = 2000;

/** Who is acting, as the route established it from the session. */
export interface Actor {
  userId: string;
  role: Role;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkBody(body: string): string {
  const trimmed = body.trim();
  if (!trimmed) throw new ServiceError("invalid", "Write a comment before sending it.", "body");
  if (trimmed.length > COMMENT_BODY_MAX) throw new ServiceError("invalid", `Keep a comment to ${COMMENT_BODY_MAX} characters or fewer.`, "body");
  return trimmed;
}

/**
 * Comment threads anchored in a prototype's document, their replies, resolution and the inbox
 * (mentions and replies). Authors always come from the session (the Actor), never from input.
 */
export function createComments({ sql, inboxEvents }: { sql: Sql; inboxEvents?: InboxEvents }) {
  /** Inbox items for the members mentioned in a comment and the thread's author (a reply). */
  async function notify(tx: TransactionSql, comment: { id: string; body: string; authorId: string; workspaceId: string; threadAuthor: string | null; isReply: boolean }) {
    const mentioned = mentionedIds(comment.body).filter((id) => id !== comment.authorId);
    // Only members of the workspace are notified; other ids are text.
    const members = mentioned.length
      ? (await tx<{ userId: string }[]>`select user_id as "userId" from memberships where workspace_id = ${comment.workspaceId} and user_id in ${tx(mentioned)}`).map((m) => m.userId)
      : [];
    const items = members.map((userId) => ({ user_id: userId, workspace_id: comment.workspaceId, kind: "mention", comment_id: comment.id }));
    if (comment.isReply && comment.threadAuthor && comment.threadAuthor !== comment.authorId && !members.includes(comment.threadAuthor)) {
      const [stillMember] = await tx`select 1 from memberships where workspace_id = ${comment.workspaceId} and user_id = ${comment.threadAuthor}`;
      if (stillMember) items.push({ user_id: comment.threadAuthor, workspace_id: comment.workspaceId, kind: "reply", comment_id: comment.id });
    }
    if (items.length) await tx`insert into inbox_items ${tx(items)} on conflict (user_id, comment_id) do nothing`;
    return items.map((i) => i.user_id);
  }

  /** Tells each recipient's open pages (after the commit) that their inbox changed. */
  function announce(userIds: string[]) {
    for (const userId of userIds) inboxEvents?.publish({ userId });
  }

  async function threadIn(workspaceId: string, threadId: string) {
    if (!UUID.test(threadId)) throw new ServiceError("not_found", "This comment thread doesn't exist.");
    const [thread] = await sql<{ id: string; prototypeId: string; createdBy: string | null; archived: boolean }[]>`
      select t.id, t.prototype_id as "prototypeId", t.created_by as "createdBy", p.archived_at is not null as archived
      from comment_threads t join prototypes p on p.id = t.prototype_id
      where t.id = ${threadId} and t.workspace_id = ${workspaceId}`;
    if (!thread) throw new ServiceError("not_found", "This comment thread doesn't exist.");
    return thread;
  }

  async function commentIn(workspaceId: string, commentId: string) {
    if (!UUID.test(commentId)) throw new ServiceError("not_found", "This comment doesn't exist.");
    const [comment] = await sql<{ id: string; authorId: string | null; threadId: string; prototypeId: string; deleted: boolean }[]>`
      select c.id, c.author_id as "authorId", c.thread_id as "threadId", t.prototype_id as "prototypeId", c.deleted_at is not null as deleted
      from comments c join comment_threads t on t.id = c.thread_id
      where c.id = ${commentId} and t.workspace_id = ${workspaceId}`;
    if (!comment || comment.deleted) throw new ServiceError("not_found", "This comment doesn't exist.");
    return comment;
  }

  return {
    async threads({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<ThreadView[]> {
      const threads = await sql<(Omit<ThreadView, "comments" | "anchorStart" | "anchorEnd"> & { anchorStart: Buffer; anchorEnd: Buffer })[]>`
        select t.id, t.anchor_start as "anchorStart", t.anchor_end as "anchorEnd", t.quote, t.created_by as "createdBy", t.created_at as "createdAt",
               t.resolved_at as "resolvedAt", u.name as "resolvedByName"
        from comment_threads t left join users u on u.id = t.resolved_by
        where t.workspace_id = ${workspaceId} and t.prototype_id = ${prototypeId}
        order by t.created_at, t.id`;
      if (!threads.length) return [];
      const comments = await sql<(CommentView & { threadId: string })[]>`
        select c.id, c.thread_id as "threadId", c.author_id as "authorId", u.name as "authorName",
               case when c.deleted_at is null then c.body end as body, c.created_at as "createdAt", c.edited_at as "editedAt",
               c.deleted_at is not null as deleted
        from comments c left join users u on u.id = c.author_id
        where c.thread_id in ${sql(threads.map((t) => t.id))}
        order by c.created_at, c.id`;
      return threads.map((t) => ({
        ...t,
        anchorStart: Buffer.from(t.anchorStart).toString("base64"),
        anchorEnd: Buffer.from(t.anchorEnd).toString("base64"),
        comments: comments.filter((c) => c.threadId === t.id).map(({ threadId: _threadId, ...c }) => c),
      }));
    },

    /** Opens a thread on a range of the document with its first comment. */
    async createThread({
      workspaceId,
      prototypeId,
      actor,
      anchor,
      body,
    }: {
      workspaceId: string;
      prototypeId: string;
      actor: Actor;
      anchor: { start: string; end: string; quote: string };
      body: string;
    }): Promise<{ threadId: string; commentId: string }> {
      if (!can(actor.role, "prototype.comment")) throw new ServiceError("invalid", "Your role in this workspace doesn't allow comments.");
      const text = checkBody(body);
      const start = decodeAnchor(anchor.start);
      const end = decodeAnchor(anchor.end);
      if (!start || !end) throw new ServiceError("invalid", "Select the text to comment on again; the selection could not be read.", "anchor");
      const quote = anchor.quote.trim();
      if (!quote) throw new ServiceError("invalid", "Select some text to comment on.", "anchor");
      if (quote.length > QUOTE_MAX) throw new ServiceError("invalid", `Select at most ${QUOTE_MAX} characters to comment on.`, "anchor");
      return sql.begin(async (tx) => {
        const [proto] = await tx<{ archived: boolean }[]>`
          select archived_at is not null as archived from prototypes where id = ${prototypeId} and workspace_id = ${workspaceId}`;
        if (!proto) throw new ServiceError("not_found", "This prototype doesn't exist in this workspace.");
        if (proto.archived) throw new ServiceError("invalid", "This prototype is archived: restore it to comment on it.");
        const [thread] = await tx<{ id: string }[]>`
          insert into comment_threads (workspace_id, prototype_id, anchor_start, anchor_end, quote, created_by)
          values (${workspaceId}, ${prototypeId}, ${Buffer.from(anchor.start, "base64")}, ${Buffer.from(anchor.end, "base64")}, ${quote}, ${actor.userId})
          returning id`;
        const [comment] = await tx<{ id: string }[]>`
          insert into comments (thread_id, author_id, body) values (${thread.id}, ${actor.userId}, ${text}) returning id`;
        const notified = await notify(tx, { id: comment.id, body: text, authorId: actor.userId, workspaceId, threadAuthor: actor.userId, isReply: false });
        return { threadId: thread.id, commentId: comment.id, notified };
      }).then(({ notified, ...created }) => {
        announce(notified);
        return created;
      });
    },

    async reply({ workspaceId, threadId, actor, body }: { workspaceId: string; threadId: string; actor: Actor; body: string }): Promise<{ commentId: string; prototypeId: string }> {
      if (!can(actor.role, "prototype.comment")) throw new ServiceError("invalid", "Your role in this workspace doesn't allow comments.");
      const text = checkBody(body);
      const thread = await threadIn(workspaceId, threadId);
      if (thread.archived) throw new ServiceError("invalid", "This prototype is archived: restore it to comment on it.");
      return sql.begin(async (tx) => {
        const [comment] = await tx<{ id: string }[]>`insert into comments (thread_id, author_id, body) values (${thread.id}, ${actor.userId}, ${text}) returning id`;
        const notified = await notify(tx, { id: comment.id, body: text, authorId: actor.userId, workspaceId, threadAuthor: thread.createdBy, isReply: true });
        return { commentId: comment.id, prototypeId: thread.prototypeId, notified };
      }).then(({ notified, ...created }) => {
        announce(notified);
        return created;
      });
    },

    /** Changes one's own comment. */
    async edit({ workspaceId, commentId, actor, body }: { workspaceId: string; commentId: string; actor: Actor; body: string }): Promise<{ prototypeId: string }> {
      const text = checkBody(body);
      const comment = await commentIn(workspaceId, commentId);
      if (comment.authorId !== actor.userId) throw new ServiceError("conflict", "Only its author can edit a comment.");
      await sql`update comments set body = ${text}, edited_at = now() where id = ${comment.id}`;
      return { prototypeId: comment.prototypeId };
    },

    /** Deletes one's own comment; owners may delete any. The text is gone; the thread keeps its place. */
    async remove({ workspaceId, commentId, actor }: { workspaceId: string; commentId: string; actor: Actor }): Promise<{ prototypeId: string }> {
      const comment = await commentIn(workspaceId, commentId);
      if (comment.authorId !== actor.userId && !can(actor.role, "comment.moderate")) throw new ServiceError("conflict", "You can delete your own comments only.");
      await sql`update comments set body = '(deleted)', deleted_at = now() where id = ${comment.id}`;
      return { prototypeId: comment.prototypeId };
    },

    /** Resolves or reopens a thread: its author, or anyone who may edit the prototype. */
    async setResolved({ workspaceId, threadId, actor, resolved }: { workspaceId: string; threadId: string; actor: Actor; resolved: boolean }): Promise<{ prototypeId: string }> {
      const thread = await threadIn(workspaceId, threadId);
      const allowed = (thread.createdBy === actor.userId && can(actor.role, "prototype.comment")) || can(actor.role, "prototype.write");
      if (!allowed) throw new ServiceError("conflict", "Only the thread's author or someone who can edit the prototype can resolve it.");
      await sql`
        update comment_threads set resolved_at = ${resolved ? sql`now()` : null}, resolved_by = ${resolved ? actor.userId : null}
        where id = ${thread.id}`;
      return { prototypeId: thread.prototypeId };
    },

    async inbox({ userId, limit = 50 }: { userId: string; limit?: number }): Promise<InboxItem[]> {
      return sql<InboxItem[]>`
        select i.id, i.kind, i.created_at as "createdAt", i.read_at as "readAt", i.workspace_id as "workspaceId",
               t.prototype_id as "prototypeId", p.title as "prototypeTitle", t.id as "threadId", c.id as "commentId",
               u.name as "authorName", case when c.deleted_at is null then c.body end as body
        from inbox_items i
        join comments c on c.id = i.comment_id
        join comment_threads t on t.id = c.thread_id
        join prototypes p on p.id = t.prototype_id
        join memberships m on m.workspace_id = i.workspace_id and m.user_id = i.user_id
        left join users u on u.id = c.author_id
        where i.user_id = ${userId}
        order by i.created_at desc, i.id
        limit ${limit}`;
    },

    async unreadCount(userId: string): Promise<number> {
      const [row] = await sql<{ count: number }[]>`
        select count(*)::int as count from inbox_items i
        join memberships m on m.workspace_id = i.workspace_id and m.user_id = i.user_id
        where i.user_id = ${userId} and i.read_at is null`;
      return row.count;
    },

    /** Marks items read: the given ones, or all. Only the user's own. */
    async markRead({ userId, ids }: { userId: string; ids: string[] | "all" }): Promise<void> {
      if (ids === "all") {
        await sql`update inbox_items set read_at = now() where user_id = ${userId} and read_at is null`;
        return;
      }
      const valid = ids.filter((id) => UUID.test(id));
      if (!valid.length) return;
      await sql`update inbox_items set read_at = now() where user_id = ${userId} and read_at is null and id in ${sql(valid)}`;
    },
  };
}

export type Comments = ReturnType<typeof createComments>;
