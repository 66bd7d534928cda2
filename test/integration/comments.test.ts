/** Comment threads over HTTP and the service: who may do what, bodies, mentions and the inbox. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { HttpClient } from "../helpers/http.js";
import { createPrototype, createUser, createWorkspace, memberClient } from "../helpers/factories.js";
import { snapshotTables } from "../helpers/snapshot.js";
import { anchorRange, encodeAnchor } from "../../app/lib/comments/anchors.js";
import { mentionToken, COMMENT_BODY_MAX } from "../../app/lib/comments/mentions.js";
import type { Role } from "../../app/lib/policy.js";

let app: TestServer;
let ws: { id: string };
let prototypeId: string;
const people = {} as Record<"owner" | "editor" | "commenter" | "viewer" | "leader2", { user: { id: string; name: string }; client: HttpClient; role: Role }>;

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app, { name: "Olga Owner" });
  ws = await createWorkspace(app, owner.id);
  prototypeId = (await createPrototype(app, ws.id)).id;
  const { loginClient } = await import("../helpers/factories.js");
  people.owner = { user: { id: owner.id, name: "Olga Owner" }, client: await loginClient(app, owner.email), role: "owner" };
  for (const role of ["editor", "commenter", "viewer"] as const) {
    const m = await memberClient(app, ws.id, role);
    people[role] = { user: { id: m.user.id, name: (await app.db.sql<{ name: string }[]>`select name from users where id = ${m.user.id}`)[0].name }, client: m.client, role };
  }
  const l2 = await memberClient(app, ws.id, "commenter");
  people.leader2 = { user: { id: l2.user.id, name: "second leader" }, client: l2.client, role: "commenter" };
});
afterAll(async () => {
  await app?.close();
});

const path = () => `/w/${ws.id}/prototypes/${prototypeId}/comments`;

function anchor() {
  const doc = new Y.Doc();
  const text = doc.getText("t");
  text.insert(0, "Managers coach their teams weekly");
  const { start, end } = anchorRange(text, 9, 26);
  return { anchorStart: encodeAnchor(start), anchorEnd: encodeAnchor(end), quote: "coach their teams" };
}

async function post(who: keyof typeof people, form: Record<string, string>) {
  const res = await people[who].client.post(path(), form);
  const body = res.headers.get("content-type")?.includes("json") ? ((await res.json()) as { ok: boolean; formError: string | null; fieldErrors: Record<string, string>; threadId?: string; commentId?: string }) : null;
  if (!body) await res.text();
  return { status: res.status, body };
}

async function openThread(who: keyof typeof people, text = "Is weekly realistic?") {
  const { status, body } = await post(who, { intent: "thread", body: text, ...anchor() });
  expect(status).toBe(200);
  return { threadId: body!.threadId!, commentId: body!.commentId! };
}

describe("who may comment", () => {
  it("a viewer can read threads but not comment: 403 and nothing stored", async () => {
    await openThread("commenter");
    const before = await snapshotTables(app.db.sql);
    const { status } = await post("viewer", { intent: "thread", body: "I have a view", ...anchor() });
    expect(status).toBe(403);
    expect(await snapshotTables(app.db.sql)).toEqual(before);
    const list = await people.viewer.client.get(path());
    expect(list.status).toBe(200);
    expect(((await list.json()) as { threads: unknown[] }).threads.length).toBeGreaterThan(0);
  });

  it("a commenter comments, replies and resolves their own thread, but not someone else's", async () => {
    const own = await openThread("commenter", "Who owns the follow-up?");
    expect((await post("commenter", { intent: "reply", threadId: own.threadId, body: "Answering myself" })).status).toBe(200);
    expect((await post("commenter", { intent: "resolve", threadId: own.threadId })).status).toBe(200);
    expect((await post("commenter", { intent: "reopen", threadId: own.threadId })).status).toBe(200);

    const other = await openThread("leader2", "Budget?");
    const refused = await post("commenter", { intent: "resolve", threadId: other.threadId });
    expect(refused.status).toBe(403);
    expect(refused.body!.formError).toMatch(/thread's author or someone who can edit/);
    expect((await app.db.sql`select resolved_at from comment_threads where id = ${other.threadId}`)[0].resolved_at).toBeNull();
    // Anyone who may edit the prototype can resolve any thread.
    expect((await post("editor", { intent: "resolve", threadId: other.threadId })).status).toBe(200);
    expect((await app.db.sql`select resolved_by from comment_threads where id = ${other.threadId}`)[0].resolved_by).toBe(people.editor.user.id);
  });

  it("edit and delete one's own comment; not others' — except owners, who may delete any", async () => {
    const t = await openThread("commenter", "First draft of a question");
    const edited = await post("commenter", { intent: "edit", commentId: t.commentId, body: "Second draft of a question" });
    expect(edited.status).toBe(200);
    expect((await app.db.sql`select body, edited_at from comments where id = ${t.commentId}`)[0]).toMatchObject({ body: "Second draft of a question", edited_at: expect.any(Date) });

    for (const who of ["leader2", "editor"] as const) {
      expect((await post(who, { intent: "edit", commentId: t.commentId, body: "Hijacked" })).status).toBe(403);
      expect((await post(who, { intent: "delete", commentId: t.commentId })).status).toBe(403);
    }
    expect((await app.db.sql`select deleted_at from comments where id = ${t.commentId}`)[0].deleted_at).toBeNull();
    expect((await post("owner", { intent: "delete", commentId: t.commentId })).status).toBe(200);
    // Deleted: the text is gone, the thread keeps its place.
    const list = (await (await people.viewer.client.get(path())).json()) as { threads: { id: string; comments: { id: string; body: string | null; deleted: boolean }[] }[] };
    const comment = list.threads.find((th) => th.id === t.threadId)!.comments[0];
    expect(comment).toMatchObject({ body: null, deleted: true });
    expect((await app.db.sql`select body from comments where id = ${t.commentId}`)[0].body).toBe("(deleted)");
  });
});

describe("live", () => {
  it("every stored change is announced on the prototype's event channel; a refused one is not", async () => {
    const events: { kind: string; id: string }[] = [];
    const stop = app.services.prototypeEvents.subscribe(prototypeId, (e) => events.push(e))!;
    try {
      await post("viewer", { intent: "thread", body: "refused", ...anchor() });
      expect(events).toEqual([]);
      const t = await openThread("commenter", "Announced?");
      await post("editor", { intent: "reply", threadId: t.threadId, body: "Yes" });
      await post("commenter", { intent: "resolve", threadId: t.threadId });
      expect(events.map((e) => e.kind)).toEqual(["comment", "comment", "comment"]);
      expect(events[0].id).toBe(t.commentId);
    } finally {
      stop();
    }
  });
});

describe("archived prototypes", () => {
  it("take no new threads or replies while archived; their threads stay readable", async () => {
    const t = await openThread("commenter", "Before the archive");
    await app.services.prototypes.setArchived({ workspaceId: ws.id, prototypeId, archived: true });
    try {
      const before = await snapshotTables(app.db.sql);
      const thread = await post("commenter", { intent: "thread", body: "After", ...anchor() });
      expect(thread.status).toBe(400);
      expect(thread.body!.formError).toMatch(/archived/);
      expect((await post("editor", { intent: "reply", threadId: t.threadId, body: "After" })).status).toBe(400);
      expect(await snapshotTables(app.db.sql)).toEqual(before);
      expect((await people.viewer.client.get(path())).status).toBe(200);
    } finally {
      await app.services.prototypes.setArchived({ workspaceId: ws.id, prototypeId, archived: false });
    }
  });
});

describe("bodies and anchors", () => {
  it("empty, blank and too-long bodies are refused with a clear message and nothing stored", async () => {
    const before = await snapshotTables(app.db.sql);
    for (const body of ["", "   \n  ", "x".repeat(COMMENT_BODY_MAX + 1)]) {
      const { status, body: result } = await post("commenter", { intent: "thread", body, ...anchor() });
      expect(status).toBe(400);
      expect(result!.fieldErrors.body ?? result!.formError).toMatch(/Write a comment|characters or fewer/);
    }
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("an anchor that is not a Yjs position, or no quoted text, is refused", async () => {
    const before = await snapshotTables(app.db.sql);
    const bad = await post("commenter", { intent: "thread", body: "Hello", anchorStart: "bm90IGFuIGFuY2hvcg==", anchorEnd: "%%%", quote: "x" });
    expect(bad.status).toBe(400);
    expect(bad.body!.fieldErrors.anchor ?? bad.body!.formError).toMatch(/selection could not be read/);
    const noQuote = await post("commenter", { intent: "thread", body: "Hello", ...anchor(), quote: "  " });
    expect(noQuote.status).toBe(400);
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("HTML and script in a body are stored and returned as plain text, never markup", async () => {
    const text = `<script>alert("x")</script><b>bold</b> **md**`;
    const t = await openThread("commenter", text);
    const res = await people.viewer.client.get(path());
    expect(res.headers.get("content-type")).toContain("application/json");
    const list = (await res.json()) as { threads: { id: string; comments: { body: string }[] }[] };
    expect(list.threads.find((th) => th.id === t.threadId)!.comments[0].body).toBe(text);
  });

  it("the anchors come back exactly as sent, with the quote", async () => {
    const a = anchor();
    const { body } = await post("commenter", { intent: "thread", body: "Anchored", ...a });
    const list = (await (await people.viewer.client.get(path())).json()) as { threads: { id: string; anchorStart: string; anchorEnd: string; quote: string }[] };
    expect(list.threads.find((th) => th.id === body!.threadId)).toMatchObject({ anchorStart: a.anchorStart, anchorEnd: a.anchorEnd, quote: a.quote });
  });
});

describe("mentions and the inbox", () => {
  it("a mention and a reply land in the right inboxes; unknown and look-alike mentions don't", async () => {
    // Two members with look-alike names; a user outside the workspace.
    const anaUser = await createUser(app, { name: "Ana" });
    const annaUser = await createUser(app, { name: "Anna" });
    const outsider = await createUser(app, { name: "Ana" });
    const { addMember } = await import("../helpers/factories.js");
    await addMember(app, ws.id, anaUser.id, "viewer");
    await addMember(app, ws.id, annaUser.id, "viewer");
    const unread = (id: string) => app.services.comments.unreadCount(id);
    const [ana0, anna0, outsider0, commenter0] = await Promise.all([unread(anaUser.id), unread(annaUser.id), unread(outsider.id), unread(people.commenter.user.id)]);

    const body = `${mentionToken({ id: annaUser.id, name: "Anna" })} can you check? cc @[Ana](${outsider.id}) @Ana`;
    const t = await openThread("commenter", body);
    expect(await unread(annaUser.id)).toBe(anna0 + 1);
    expect(await unread(anaUser.id)).toBe(ana0);
    expect(await unread(outsider.id)).toBe(outsider0);

    // A reply notifies the thread's author (not the replier), and mentions in it notify too.
    expect((await post("editor", { intent: "reply", threadId: t.threadId, body: `Yes, ${mentionToken({ id: anaUser.id, name: "Ana" })} knows` })).status).toBe(200);
    expect(await unread(people.commenter.user.id)).toBe(commenter0 + 1);
    expect(await unread(anaUser.id)).toBe(ana0 + 1);
    // Mentioning yourself or replying to your own thread notifies nobody.
    const editor0 = await unread(people.editor.user.id);
    await post("commenter", { intent: "reply", threadId: t.threadId, body: `Thanks ${mentionToken({ id: people.commenter.user.id, name: "me" })}` });
    expect(await unread(people.commenter.user.id)).toBe(commenter0 + 1);
    expect(await unread(people.editor.user.id)).toBe(editor0);

    const items = await app.services.comments.inbox({ userId: people.commenter.user.id });
    expect(items[0]).toMatchObject({ kind: "reply", threadId: t.threadId, prototypeId, readAt: null });
    await app.services.comments.markRead({ userId: people.commenter.user.id, ids: [items[0].id] });
    expect(await unread(people.commenter.user.id)).toBe(commenter0);
    // Someone else's ids are not theirs to mark.
    const annaItems = await app.services.comments.inbox({ userId: annaUser.id });
    await app.services.comments.markRead({ userId: people.commenter.user.id, ids: annaItems.map((i) => i.id) });
    expect(await unread(annaUser.id)).toBe(anna0 + 1);
    await app.services.comments.markRead({ userId: annaUser.id, ids: "all" });
    expect(await unread(annaUser.id)).toBe(0);
  });

  it("a member removed from the workspace no longer sees its inbox items", async () => {
    const m = await memberClient(app, ws.id, "viewer");
    await openThread("commenter", `${mentionToken({ id: m.user.id, name: "Viewer" })} FYI`);
    expect(await app.services.comments.unreadCount(m.user.id)).toBe(1);
    await app.services.workspaces.removeMember({ workspaceId: ws.id, userId: m.user.id });
    expect(await app.services.comments.unreadCount(m.user.id)).toBe(0);
    expect(await app.services.comments.inbox({ userId: m.user.id })).toEqual([]);
  });
});
