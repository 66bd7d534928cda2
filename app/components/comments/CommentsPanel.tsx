import { useFetcher, useLocation } from "@remix-run/react";
import { useEditorState, type Editor } from "@tiptap/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { RelativeTime } from "~/components/ui";
import { commentHighlightsKey, setCommentHighlights, type ThreadRange } from "~/components/editor/CommentHighlights";
import { selectionAnchors } from "~/lib/comments/editorAnchors";
import { CommentBody } from "./CommentBody";
import { MentionTextarea, type MentionMember } from "./MentionTextarea";
import { useAlignedCards, useBesideDocument } from "./useAlignedCards";

export interface PanelComment {
  id: string;
  authorId: string | null;
  authorName: string | null;
  body: string | null;
  createdAt: Date | string;
  editedAt: Date | string | null;
  deleted: boolean;
}

export interface PanelThread {
  id: string;
  anchorStart: string;
  anchorEnd: string;
  quote: string;
  createdBy: string | null;
  createdAt: Date | string;
  resolvedAt: Date | string | null;
  resolvedByName: string | null;
  comments: PanelComment[];
}

interface ActionResult {
  ok: boolean;
  fieldErrors: Record<string, string>;
  formError: string | null;
  threadId?: string;
}

export interface CommentsPanelProps {
  editor: Editor | null;
  threads: PanelThread[];
  members: readonly MentionMember[];
  userId: string;
  /** prototype.comment: open threads, reply, resolve one's own. */
  canComment: boolean;
  /** prototype.write: resolve any thread. */
  canResolveAny: boolean;
  /** comment.moderate: delete any comment. */
  canModerate: boolean;
  /** The comments resource route. */
  actionUrl: string;
}

type Draft = { anchorStart: string; anchorEnd: string; quote: string };

const threadElementId = (id: string) => `thread-${id}`;

/**
 * The comment threads of a prototype in document order. Beside the document (wide screens), each
 * open thread's card sits at the height of its text; detached and resolved threads follow the list.
 */
export function CommentsPanel({ editor, threads, members, userId, canComment, canResolveAny, canModerate, actionUrl }: CommentsPanelProps) {
  const names = useMemo(() => new Map(members.map((m) => [m.userId, m.name])), [members]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [hint, setHint] = useState<string | null>(null);
  const [active, setActive] = useState<string | null>(null);
  const location = useLocation();
  // The open threads' list, aligned with the document while the panel is beside it.
  const [openList, setOpenList] = useState<HTMLOListElement | null>(null);
  const aligned = useBesideDocument() && editor !== null;
  useAlignedCards(editor, openList, { enabled: aligned, active });

  // The editor highlights the threads' ranges and tells where each one is now.
  const highlightKey = threads.map((t) => `${t.id}:${t.resolvedAt ? 1 : 0}`).join(",");
  useEffect(() => {
    if (!editor || editor.isDestroyed) return;
    editor.view.dispatch(
      setCommentHighlights(editor.state.tr, { threads: threads.map((t) => ({ id: t.id, anchorStart: t.anchorStart, anchorEnd: t.anchorEnd, resolved: Boolean(t.resolvedAt) })) }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the key covers what the highlights use
  }, [editor, highlightKey]);

  useEffect(() => {
    if (!editor || editor.isDestroyed) return;
    editor.view.dispatch(setCommentHighlights(editor.state.tr, { active }));
  }, [editor, active]);

  const ranges = useEditorState({
    editor,
    selector: ({ editor: e }) => (e ? (commentHighlightsKey.getState(e.state)?.ranges ?? []) : []),
  }) as ThreadRange[] | null;
  const hasSelection = useEditorState({ editor, selector: ({ editor: e }) => Boolean(e && !e.state.selection.empty) }) ?? false;

  const focusThread = useCallback((id: string, { focus = true }: { focus?: boolean } = {}) => {
    setActive(id);
    requestAnimationFrame(() => {
      const el = document.getElementById(threadElementId(id));
      if (!el) return;
      el.scrollIntoView({ block: "nearest" });
      if (focus) el.focus({ preventScroll: true });
    });
  }, []);

  // Clicking a highlight in the document activates its thread; someone writing keeps the focus.
  useEffect(() => {
    if (!editor) return;
    editor.storage.commentHighlights.onActivate = (id) => focusThread(id, { focus: !editor.isEditable });
    return () => {
      if (!editor.isDestroyed) editor.storage.commentHighlights.onActivate = null;
    };
  }, [editor, focusThread]);

  const position = new Map((ranges ?? []).map((r) => [r.id, r.range]));
  // Every anchor resolved against the synced document (before that, nothing is called detached).
  const bound = (ranges ?? []).length > 0 && (ranges ?? []).every((r) => r.range !== undefined);

  // Arriving from the inbox: #thread-<id>; again once the threads have found their places.
  useEffect(() => {
    const m = /^#thread-([0-9a-f-]{36})$/i.exec(location.hash);
    if (m) focusThread(m[1].toLowerCase());
  }, [location.hash, location.key, focusThread, bound]);

  const openComposer = useCallback(() => {
    if (!editor) return;
    const anchors = selectionAnchors(editor.state);
    if (!anchors) {
      setHint("Select some text in the document first, then comment on it.");
      return;
    }
    setHint(null);
    setDraft(anchors);
  }, [editor]);

  // Ctrl+Alt+M comments on the selection (a read-only editor can't take focus, so listen on the window).
  useEffect(() => {
    if (!canComment) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey && event.altKey && event.key.toLowerCase() === "m") {
        event.preventDefault();
        openComposer();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canComment, openComposer]);

  const ordered = [...threads].sort((a, b) => {
    const pa = position.get(a.id);
    const pb = position.get(b.id);
    return (pa?.from ?? Number.MAX_SAFE_INTEGER) - (pb?.from ?? Number.MAX_SAFE_INTEGER);
  });
  // Only once the editor has resolved the anchors can a thread be called detached.
  const isDetached = (t: PanelThread) => bound && position.get(t.id) === null;
  const open = ordered.filter((t) => !t.resolvedAt && !isDetached(t));
  const detached = ordered.filter((t) => !t.resolvedAt && isDetached(t));
  // Resolved threads fold away, detached or not.
  const resolved = ordered.filter((t) => t.resolvedAt);

  const threadProps = { names, members, userId, canComment, canResolveAny, canModerate, actionUrl, active, onActivate: setActive };
  return (
    <aside className="card comments-panel" aria-labelledby="comments-heading">
      <div className="comments-header">
        <h2 id="comments-heading">Comments</h2>
        {canComment ? (
          <button
            type="button"
            className="button button-small"
            aria-keyshortcuts="Control+Alt+M"
            title="Comment on the selected text (Ctrl+Alt+M)"
            disabled={!editor}
            aria-disabled={!hasSelection || undefined}
            // Keep the document's selection: a click must not move it.
            onMouseDown={(e) => e.preventDefault()}
            onClick={openComposer}
          >
            Comment
          </button>
        ) : null}
      </div>
      {canComment && !draft ? <p className="comments-hint">{hint ?? "Select text in the document and choose Comment (Ctrl+Alt+M)."}</p> : null}
      {draft ? (
        <NewThread
          draft={draft}
          members={members}
          actionUrl={actionUrl}
          onCancel={() => setDraft(null)}
          onCreated={(id) => {
            setDraft(null);
            if (id) focusThread(id);
          }}
        />
      ) : null}
      {threads.length === 0 ? <p className="comments-empty">No comments yet.</p> : null}
      {open.length ? (
        <ol className={aligned ? "thread-list thread-list-aligned" : "thread-list"} aria-label="Open threads" ref={setOpenList}>
          {open.map((t) => (
            <ThreadItem key={t.id} thread={t} {...threadProps} />
          ))}
        </ol>
      ) : null}
      {resolved.length ? (
        <details className="thread-group">
          <summary>Resolved ({resolved.length})</summary>
          <ol className="thread-list" aria-label="Resolved threads">
            {resolved.map((t) => (
              <ThreadItem key={t.id} thread={t} detached={isDetached(t)} {...threadProps} />
            ))}
          </ol>
        </details>
      ) : null}
      {detached.length ? (
        <section className="thread-group" aria-labelledby="detached-heading">
          <h3 id="detached-heading">Detached</h3>
          <p className="comments-hint">The text these threads were on has been deleted.</p>
          <ol className="thread-list" aria-label="Detached threads">
            {detached.map((t) => (
              <ThreadItem key={t.id} thread={t} detached {...threadProps} />
            ))}
          </ol>
        </section>
      ) : null}
    </aside>
  );
}

function NewThread({ draft, members, actionUrl, onCancel, onCreated }: { draft: Draft; members: readonly MentionMember[]; actionUrl: string; onCancel: () => void; onCreated: (threadId: string | undefined) => void }) {
  const fetcher = useFetcher<ActionResult>();
  const form = useRef<HTMLFormElement>(null);
  const done = useRef(false);
  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data?.ok && !done.current) {
      done.current = true;
      onCreated(fetcher.data.threadId);
    }
  }, [fetcher.state, fetcher.data, onCreated]);
  const error = fetcher.data && !fetcher.data.ok ? fetcher.data : null;
  return (
    <fetcher.Form method="post" action={actionUrl} className="thread-composer" ref={form} aria-label="New comment">
      <input type="hidden" name="intent" value="thread" />
      <input type="hidden" name="anchorStart" value={draft.anchorStart} />
      <input type="hidden" name="anchorEnd" value={draft.anchorEnd} />
      <input type="hidden" name="quote" value={draft.quote} />
      <blockquote className="thread-quote">{draft.quote}</blockquote>
      {error?.formError || error?.fieldErrors.anchor ? (
        <p className="form-error" role="alert">
          {error.formError ?? error.fieldErrors.anchor}
        </p>
      ) : null}
      <MentionTextarea name="body" label="Comment" members={members} autoFocus error={error?.fieldErrors.body} onSubmitShortcut={() => fetcher.submit(form.current)} />
      <div className="form-actions">
        <button type="submit" className="button button-small" disabled={fetcher.state !== "idle"}>
          {fetcher.state !== "idle" ? "Sending…" : "Send comment"}
        </button>
        <button type="button" className="button button-small button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </fetcher.Form>
  );
}

interface ThreadItemProps {
  thread: PanelThread;
  detached?: boolean;
  names: ReadonlyMap<string, string>;
  members: readonly MentionMember[];
  userId: string;
  canComment: boolean;
  canResolveAny: boolean;
  canModerate: boolean;
  actionUrl: string;
  active: string | null;
  onActivate: (id: string) => void;
}

function ThreadItem({ thread, detached, names, members, userId, canComment, canResolveAny, canModerate, actionUrl, active, onActivate }: ThreadItemProps) {
  const reply = useFetcher<ActionResult>();
  const resolve = useFetcher<ActionResult>();
  const [replyKey, setReplyKey] = useState(0);
  const replyForm = useRef<HTMLFormElement>(null);
  const lastReply = useRef<unknown>(null);
  useEffect(() => {
    // A sent reply empties the box (a new textarea).
    if (reply.state === "idle" && reply.data?.ok && lastReply.current !== reply.data) {
      lastReply.current = reply.data;
      setReplyKey((k) => k + 1);
    }
  }, [reply.state, reply.data]);
  const isResolved = Boolean(thread.resolvedAt);
  const mayResolve = (thread.createdBy === userId && canComment) || canResolveAny;
  const replyError = reply.data && !reply.data.ok ? reply.data : null;
  const resolveError = resolve.data && !resolve.data.ok ? resolve.data.formError : null;
  return (
    <li data-thread-id={thread.id}>
      <article
        id={threadElementId(thread.id)}
        tabIndex={-1}
        className={`thread${active === thread.id ? " thread-active" : ""}${isResolved ? " thread-resolved" : ""}${detached ? " thread-detached" : ""}`}
        aria-label={`Thread on “${thread.quote.slice(0, 60)}”`}
        onFocus={() => onActivate(thread.id)}
      >
        <blockquote className="thread-quote">{thread.quote}</blockquote>
        {isResolved ? (
          <p className="thread-status">
            Resolved{thread.resolvedByName ? ` by ${thread.resolvedByName}` : ""} <RelativeTime date={thread.resolvedAt!} />
          </p>
        ) : null}
        <ol className="comment-list" aria-label="Comments">
          {thread.comments.map((c) => (
            <CommentItem key={c.id} comment={c} names={names} members={members} actionUrl={actionUrl} mayEdit={c.authorId === userId && canComment} mayDelete={c.authorId === userId || canModerate} />
          ))}
        </ol>
        {canComment && !isResolved ? (
          <reply.Form method="post" action={actionUrl} className="reply-form" ref={replyForm}>
            <input type="hidden" name="intent" value="reply" />
            <input type="hidden" name="threadId" value={thread.id} />
            <MentionTextarea key={replyKey} name="body" label="Reply" members={members} error={replyError?.fieldErrors.body} onSubmitShortcut={() => reply.submit(replyForm.current)} />
            {replyError?.formError ? (
              <p className="form-error" role="alert">
                {replyError.formError}
              </p>
            ) : null}
            <button type="submit" className="button button-small" disabled={reply.state !== "idle"}>
              {reply.state !== "idle" ? "Sending…" : "Send reply"}
            </button>
          </reply.Form>
        ) : null}
        {mayResolve ? (
          <resolve.Form method="post" action={actionUrl} className="resolve-form">
            <input type="hidden" name="intent" value={isResolved ? "reopen" : "resolve"} />
            <input type="hidden" name="threadId" value={thread.id} />
            <button type="submit" className="link-button" disabled={resolve.state !== "idle"}>
              {isResolved ? "Reopen" : "Resolve"}
            </button>
          </resolve.Form>
        ) : null}
        {resolveError ? (
          <p className="form-error" role="alert">
            {resolveError}
          </p>
        ) : null}
      </article>
    </li>
  );
}

function CommentItem({ comment, names, members, actionUrl, mayEdit, mayDelete }: { comment: PanelComment; names: ReadonlyMap<string, string>; members: readonly MentionMember[]; actionUrl: string; mayEdit: boolean; mayDelete: boolean }) {
  const edit = useFetcher<ActionResult>();
  const remove = useFetcher<ActionResult>();
  const [editing, setEditing] = useState(false);
  const lastEdit = useRef<unknown>(null);
  useEffect(() => {
    if (edit.state === "idle" && edit.data?.ok && lastEdit.current !== edit.data) {
      lastEdit.current = edit.data;
      setEditing(false);
    }
  }, [edit.state, edit.data]);
  const editError = edit.data && !edit.data.ok ? edit.data : null;
  const removeError = remove.data && !remove.data.ok ? remove.data.formError : null;
  if (comment.deleted || comment.body === null) {
    return (
      <li className="comment comment-deleted">
        <p>This comment was deleted.</p>
      </li>
    );
  }
  return (
    <li className="comment">
      <p className="comment-meta">
        <strong>{comment.authorName ?? "Former member"}</strong> <RelativeTime date={comment.createdAt} />
        {comment.editedAt ? <span className="comment-edited"> (edited)</span> : null}
      </p>
      {editing ? (
        <edit.Form method="post" action={actionUrl} className="edit-form" aria-label="Editing your comment">
          <input type="hidden" name="intent" value="edit" />
          <input type="hidden" name="commentId" value={comment.id} />
          <MentionTextarea name="body" label="Edit comment" members={members} defaultValue={comment.body} autoFocus error={editError?.fieldErrors.body} />
          <div className="form-actions">
            <button type="submit" className="button button-small" disabled={edit.state !== "idle"}>
              Save
            </button>
            <button type="button" className="button button-small button-secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </edit.Form>
      ) : (
        <p className="comment-body">
          <CommentBody body={comment.body} members={names} />
        </p>
      )}
      {!editing && (mayEdit || mayDelete) ? (
        <div className="comment-actions">
          {mayEdit ? (
            <button type="button" className="link-button" onClick={() => setEditing(true)}>
              Edit
            </button>
          ) : null}
          {mayDelete ? (
            <remove.Form
              method="post"
              action={actionUrl}
              onSubmit={(e) => {
                if (!window.confirm("Delete this comment?")) e.preventDefault();
              }}
            >
              <input type="hidden" name="intent" value="delete" />
              <input type="hidden" name="commentId" value={comment.id} />
              <button type="submit" className="link-button" disabled={remove.state !== "idle"}>
                Delete
              </button>
            </remove.Form>
          ) : null}
        </div>
      ) : null}
      {editError?.formError || removeError ? (
        <p className="form-error" role="alert">
          {editError?.formError ?? removeError}
        </p>
      ) : null}
    </li>
  );
}
