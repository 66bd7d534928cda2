/**
 * The role matrix over HTTP: every kind of visitor against every workspace action.
 * Expected outcomes come from the policy table itself (PERMISSIONS), so this file
 * checks that the routes enforce the table, not a second copy of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, location } from "../helpers/http.js";
import { addMember, createGoal, createPrototype, createUser, createWorkspace, loginClient, memberClient } from "../helpers/factories.js";
import { snapshotTables } from "../helpers/snapshot.js";
import { insertMember, inviteLinks, roleOf, uniq } from "../helpers/pages.js";
import { ACTIONS, PERMISSIONS, ROLES, type Action, type Role } from "../../app/lib/policy.js";
import * as Y from "yjs";
import { anchorRange, encodeAnchor } from "../../app/lib/comments/anchors.js";
import { addIdea } from "../../app/lib/sprints/ideas.js";
import { connectProvider, eventually, synced } from "../helpers/collab.js";
import { upgradeStatus } from "../collab/support.js";

let app: TestServer;

/** Everyone who knocks: the five roles of workspace A, a signed-in stranger to A, and nobody. */
type ActorKey = Role | "outsider" | "anonymous";
interface Actor {
  key: ActorKey;
  role: Role | null;
  /** How the actor reads in a test name. */
  who: string;
}
const ACTORS: Actor[] = [
  ...ROLES.map((role) => ({ key: role, role, who: `${/^[aeiou]/.test(role) ? "an" : "a"} ${role}` })),
  { key: "outsider", role: null, who: "a signed-in non-member" },
  { key: "anonymous", role: null, who: "a signed-out visitor" },
];

type Outcome = "allowed" | "forbidden" | "not found" | "login";

/** What should happen, straight from the policy table (plus the membership and login guards). */
function expectedOutcome(actor: Actor, action: Action): Outcome {
  if (actor.key === "anonymous") return "login";
  if (actor.key === "outsider") return "not found";
  return PERMISSIONS[actor.role!].has(action) ? "allowed" : "forbidden";
}

interface Fixture {
  /** Workspace A: every role has a member here. */
  a: { id: string };
  /** Workspace B: owned by the outsider; nobody of A belongs to it. */
  b: { id: string };
  clients: Record<ActorKey, HttpClient>;
  /** Records of A that every page-view test may read (never changed). */
  goal: { id: string };
  prototype: { id: string };
}
let fx: Fixture;

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const a = await createWorkspace(app, owner.id, "Workspace A");
  const outsider = await createUser(app);
  const b = await createWorkspace(app, outsider.id, "Workspace B");
  const clients = { owner: await loginClient(app, owner.email) } as Record<ActorKey, HttpClient>;
  for (const role of ROLES) if (role !== "owner") clients[role] = (await memberClient(app, a.id, role)).client;
  clients.outsider = await loginClient(app, outsider.email);
  clients.anonymous = new HttpClient(app.url);
  const goal = await createGoal(app, a.id, "A goal everyone can read");
  const prototype = await createPrototype(app, a.id, { title: "A prototype everyone can read", goalId: goal.id });
  fx = { a, b, clients, goal, prototype };
});
afterAll(async () => {
  await app?.close();
});

// ---------------------------------------------------------------------------------------------
// The workspace actions, as data.

interface MutationCase<T = unknown> {
  /** Verb phrase for the test name: "archive a goal". */
  label: string;
  action: Action;
  /** Fresh rows for one test, so a change made by one test never hides another's. */
  prepare: () => Promise<T>;
  /** The form a browser would post. */
  request: (target: T) => { path: string; form: Record<string, string> };
  /** Whether the database now shows the change this request asks for. */
  changed: (target: T) => Promise<boolean>;
  /** What an allowed request answers. */
  succeeded: (res: Response, target: T) => Promise<void>;
}

/** Keeps each case's target type while the list holds them all. */
const mutation = <T>(c: MutationCase<T>) => c as unknown as MutationCase;

async function expectRedirect(res: Response, to: string | RegExp) {
  expect(res.status).toBe(302);
  if (typeof to === "string") expect(location(res)).toBe(to);
  else expect(location(res)).toMatch(to);
}

const goalRow = async (id: string) => (await app.db.sql<{ title: string; archived: boolean }[]>`
  select title, archived_at is not null as archived from goals where id = ${id}`)[0];
const prototypeRow = async (id: string) => (await app.db.sql<{ title: string; stage: string; archived: boolean }[]>`
  select title, stage, archived_at is not null as archived from prototypes where id = ${id}`)[0];

async function archivedGoal() {
  const goal = await createGoal(app, fx.a.id);
  await app.services.goals.setArchived({ workspaceId: fx.a.id, goalId: goal.id, archived: true });
  return goal;
}
async function archivedPrototype() {
  const prototype = await createPrototype(app, fx.a.id);
  await app.services.prototypes.setArchived({ workspaceId: fx.a.id, prototypeId: prototype.id, archived: true });
  return prototype;
}

const MUTATIONS: MutationCase[] = [
  mutation({
    label: "rename the workspace",
    action: "workspace.rename",
    prepare: async () => ({ name: uniq("Renamed") }),
    request: (t) => ({ path: `/w/${fx.a.id}/settings`, form: { intent: "rename", name: t.name } }),
    changed: async (t) => (await app.db.sql`select 1 from workspaces where id = ${fx.a.id} and name = ${t.name}`).length === 1,
    succeeded: async (res) => expectRedirect(res, `/w/${fx.a.id}/settings?saved=name`),
  }),
  mutation({
    label: "connect a Learning Record Store",
    action: "workspace.integrations",
    prepare: async () => ({ endpoint: `https://lrs.example.com/${uniq("x").replace(/\W/g, "")}/` }),
    request: (t) => ({ path: `/w/${fx.a.id}/settings`, form: { intent: "lrs", endpoint: t.endpoint, username: "key", password: "secret", enabled: "on" } }),
    changed: async (t) => (await app.db.sql`select 1 from lrs_settings where workspace_id = ${fx.a.id} and endpoint = ${t.endpoint}`).length === 1,
    succeeded: async (res) => expectRedirect(res, `/w/${fx.a.id}/settings?saved=lrs`),
  }),
  mutation({
    label: "create an invite link",
    action: "members.invite",
    prepare: async () => {
      const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from invites where workspace_id = ${fx.a.id}`;
      return { before: n };
    },
    request: () => ({ path: `/w/${fx.a.id}/members`, form: { intent: "createInvite", role: "editor", expiresInDays: "7" } }),
    changed: async (t) => {
      const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from invites where workspace_id = ${fx.a.id}`;
      return n !== t.before;
    },
    succeeded: async (res) => {
      expect(res.status).toBe(200);
      expect(inviteLinks(await res.text())).toHaveLength(1);
    },
  }),
  mutation({
    label: "change a member's role",
    action: "members.changeRole",
    prepare: () => insertMember(app, fx.a.id, "viewer"),
    request: (t) => ({ path: `/w/${fx.a.id}/members`, form: { intent: "changeRole", userId: t.id, role: "editor" } }),
    changed: async (t) => (await roleOf(app, fx.a.id, t.id)) !== "viewer",
    succeeded: async (res) => expectRedirect(res, `/w/${fx.a.id}/members?notice=role`),
  }),
  mutation({
    label: "remove a member",
    action: "members.remove",
    prepare: () => insertMember(app, fx.a.id, "viewer"),
    request: (t) => ({ path: `/w/${fx.a.id}/members`, form: { intent: "remove", userId: t.id } }),
    changed: async (t) => (await roleOf(app, fx.a.id, t.id)) === null,
    succeeded: async (res) => expectRedirect(res, `/w/${fx.a.id}/members?notice=removed`),
  }),
  mutation({
    label: "revoke an invite link",
    action: "members.invite",
    prepare: async () => {
      const [owner] = await app.db.sql<{ user_id: string }[]>`select user_id from memberships where workspace_id = ${fx.a.id} and role = 'owner'`;
      return app.services.invites.create({ workspaceId: fx.a.id, role: "viewer", expiresInDays: 7, createdBy: owner.user_id });
    },
    request: (t) => ({ path: `/w/${fx.a.id}/members`, form: { intent: "revoke", inviteId: t.id } }),
    changed: async (t) => (await app.db.sql`select 1 from invites where id = ${t.id} and revoked_at is not null`).length === 1,
    succeeded: async (res) => expectRedirect(res, `/w/${fx.a.id}/members?notice=revoked`),
  }),
  mutation({
    label: "create a goal",
    action: "goal.create",
    prepare: async () => ({ title: uniq("New goal") }),
    request: (t) => ({ path: `/w/${fx.a.id}/goals?index`, form: { title: t.title, description: "Fewer escalations", ownerId: "" } }),
    changed: async (t) => (await app.db.sql`select 1 from goals where workspace_id = ${fx.a.id} and title = ${t.title}`).length > 0,
    succeeded: async (res, t) => {
      const [goal] = await app.db.sql<{ id: string }[]>`select id from goals where workspace_id = ${fx.a.id} and title = ${t.title}`;
      await expectRedirect(res, `/w/${fx.a.id}/goals/${goal.id}`);
    },
  }),
  mutation({
    label: "edit a goal",
    action: "goal.edit",
    prepare: async () => ({ ...(await createGoal(app, fx.a.id)), title: uniq("Edited goal") }),
    request: (t) => ({ path: `/w/${fx.a.id}/goals/${t.id}`, form: { intent: "save", title: t.title, description: "", ownerId: "" } }),
    changed: async (t) => (await goalRow(t.id)).title === t.title,
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/goals/${t.id}`),
  }),
  mutation({
    label: "archive a goal",
    action: "goal.archive",
    prepare: () => createGoal(app, fx.a.id),
    request: (t) => ({ path: `/w/${fx.a.id}/goals/${t.id}`, form: { intent: "archive" } }),
    changed: async (t) => (await goalRow(t.id)).archived,
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/goals/${t.id}`),
  }),
  mutation({
    label: "restore an archived goal",
    action: "goal.archive",
    prepare: archivedGoal,
    request: (t) => ({ path: `/w/${fx.a.id}/goals/${t.id}`, form: { intent: "restore" } }),
    changed: async (t) => !(await goalRow(t.id)).archived,
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/goals/${t.id}`),
  }),
  mutation({
    label: "create a prototype",
    action: "prototype.create",
    prepare: async () => ({ title: uniq("New prototype") }),
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/new`, form: { title: t.title, stage: "idea", ownerId: "", goalId: fx.goal.id } }),
    changed: async (t) => (await app.db.sql`select 1 from prototypes where workspace_id = ${fx.a.id} and title = ${t.title}`).length > 0,
    succeeded: async (res, t) => {
      const [p] = await app.db.sql<{ id: string }[]>`select id from prototypes where workspace_id = ${fx.a.id} and title = ${t.title}`;
      await expectRedirect(res, `/w/${fx.a.id}/prototypes/${p.id}`);
    },
  }),
  mutation({
    label: "rename a prototype",
    action: "prototype.edit",
    prepare: async () => ({ ...(await createPrototype(app, fx.a.id)), title: uniq("Renamed prototype") }),
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/${t.id}`, form: { intent: "save", title: t.title, stage: "idea", ownerId: "", goalId: "" } }),
    changed: async (t) => (await prototypeRow(t.id)).title === t.title,
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/prototypes/${t.id}`),
  }),
  mutation({
    label: "move a prototype to another stage",
    action: "prototype.edit",
    prepare: async () => {
      const title = uniq("Staged prototype");
      return { ...(await createPrototype(app, fx.a.id, { title, stage: "idea" })), title };
    },
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/${t.id}`, form: { intent: "save", title: t.title, stage: "piloting", ownerId: "", goalId: "" } }),
    changed: async (t) => (await prototypeRow(t.id)).stage === "piloting",
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/prototypes/${t.id}`),
  }),
  mutation({
    label: "archive a prototype",
    action: "prototype.archive",
    prepare: () => createPrototype(app, fx.a.id),
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/${t.id}`, form: { intent: "archive" } }),
    changed: async (t) => (await prototypeRow(t.id)).archived,
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/prototypes/${t.id}`),
  }),
  mutation({
    label: "restore an archived prototype",
    action: "prototype.archive",
    prepare: archivedPrototype,
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/${t.id}`, form: { intent: "restore" } }),
    changed: async (t) => !(await prototypeRow(t.id)).archived,
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/prototypes/${t.id}`),
  }),
  mutation({
    label: "create a feedback form",
    action: "feedback.manage",
    prepare: async () => ({ title: uniq("Feedback form") }),
    request: (t) => ({
      path: `/w/${fx.a.id}/prototypes/${fx.prototype.id}/feedback?index`,
      form: { title: t.title, intro: "", followsFormId: "", onePerBrowser: "on" },
    }),
    changed: async (t) => (await app.db.sql`select 1 from feedback_forms where workspace_id = ${fx.a.id} and title = ${t.title}`).length > 0,
    succeeded: async (res, t) => {
      const [f] = await app.db.sql<{ id: string }[]>`select id from feedback_forms where workspace_id = ${fx.a.id} and title = ${t.title}`;
      await expectRedirect(res, `/w/${fx.a.id}/prototypes/${fx.prototype.id}/feedback/${f.id}`);
    },
  }),
  mutation({
    label: "open a feedback form",
    action: "feedback.manage",
    prepare: async () => {
      const [owner] = await app.db.sql<{ user_id: string }[]>`select user_id from memberships where workspace_id = ${fx.a.id} and role = 'owner'`;
      const input = { title: uniq("Draft form"), intro: "", cardId: null, followsFormId: null, onePerBrowser: false };
      const form = await app.services.feedback.create({ workspaceId: fx.a.id, prototypeId: fx.prototype.id, userId: owner.user_id, input });
      const question = { kind: "rating" as const, prompt: "Useful?", help: "", required: true, level: 1 as const, choices: [], lowLabel: "", highLabel: "" };
      await app.services.feedback.addQuestion({ workspaceId: fx.a.id, formId: form.id, input: question });
      return form;
    },
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/${fx.prototype.id}/feedback/${t.id}`, form: { intent: "open" } }),
    changed: async (t) => (await app.db.sql`select 1 from feedback_forms where id = ${t.id} and status = 'open'`).length > 0,
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/prototypes/${fx.prototype.id}/feedback/${t.id}`),
  }),
  mutation({
    label: "approve a prototype for pilot",
    action: "prototype.decide",
    prepare: async () => ({ ...(await createPrototype(app, fx.a.id, { stage: "prototyping" })), note: uniq("Approved") }),
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/${t.id}`, form: { intent: "decide", kind: "approve_pilot", note: t.note } }),
    changed: async (t) =>
      (await app.db.sql`select 1 from decisions where prototype_id = ${t.id} and note = ${t.note}`).length === 1 && (await prototypeRow(t.id)).stage === "piloting",
    succeeded: async (res, t) => expectRedirect(res, `/w/${fx.a.id}/prototypes/${t.id}`),
  }),
  mutation({
    label: "open a comment thread",
    action: "prototype.comment",
    prepare: async () => ({ body: uniq("A question about this"), ...commentAnchor() }),
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/${fx.prototype.id}/comments`, form: { intent: "thread", body: t.body, anchorStart: t.start, anchorEnd: t.end, quote: "the problem" } }),
    changed: async (t) => (await app.db.sql`select 1 from comments where body = ${t.body}`).length > 0,
    succeeded: async (res) => {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    },
  }),
  mutation({
    label: "delete someone else's comment",
    action: "comment.moderate",
    prepare: async () => {
      // Written by someone who is none of the actors.
      const author = await createUser(app);
      await addMember(app, fx.a.id, author.id, "editor");
      const anchor = commentAnchor();
      return app.services.comments.createThread({
        workspaceId: fx.a.id,
        prototypeId: fx.prototype.id,
        actor: { userId: author.id, role: "editor" },
        anchor: { start: anchor.start, end: anchor.end, quote: "the problem" },
        body: uniq("An editor's comment"),
      });
    },
    request: (t) => ({ path: `/w/${fx.a.id}/prototypes/${fx.prototype.id}/comments`, form: { intent: "delete", commentId: t.commentId } }),
    changed: async (t) => (await app.db.sql`select 1 from comments where id = ${t.commentId} and deleted_at is not null`).length > 0,
    succeeded: async (res) => {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    },
  }),
  mutation({
    label: "create a sprint",
    action: "sprint.facilitate",
    prepare: async () => ({ name: uniq("Sprint") }),
    request: (t) => ({
      path: `/w/${fx.a.id}/sprints/new`,
      form: { name: t.name, challenge: "", goal: "", prototypeId: fx.prototype.id, phaseName: "Map", phaseKind: "understand", phaseMinutes: "10", phaseInstructions: "" },
    }),
    changed: async (t) => (await app.db.sql`select 1 from sprints where workspace_id = ${fx.a.id} and name = ${t.name}`).length === 1,
    succeeded: async (res) => expectRedirect(res, new RegExp(`^/w/${fx.a.id}/sprints/[0-9a-f-]{36}$`)),
  }),
];

/** Anchors of a range in a scratch document (the server only checks that they decode). */
function commentAnchor() {
  const doc = new Y.Doc();
  const text = doc.getText("t");
  text.insert(0, "the problem we solve");
  const { start, end } = anchorRange(text, 0, 11);
  return { start: encodeAnchor(start), end: encodeAnchor(end) };
}

interface PageCase {
  label: string;
  action: Action;
  path: () => string;
  /** Text an allowed visitor sees on the page. */
  shows: string;
}

const PAGES: PageCase[] = [
  { label: "open the settings page", action: "workspace.rename", path: () => `/w/${fx.a.id}/settings`, shows: "Workspace settings" },
  { label: "open the new-prototype page", action: "prototype.create", path: () => `/w/${fx.a.id}/prototypes/new`, shows: "Create prototype" },
  { label: "open the new-sprint page", action: "sprint.facilitate", path: () => `/w/${fx.a.id}/sprints/new`, shows: "Create sprint" },
  { label: "open the overview", action: "workspace.view", path: () => `/w/${fx.a.id}`, shows: "Recently updated prototypes" },
  { label: "open the prototype list", action: "workspace.view", path: () => `/w/${fx.a.id}/prototypes`, shows: "A prototype everyone can read" },
  { label: "open the goal list", action: "workspace.view", path: () => `/w/${fx.a.id}/goals`, shows: "A goal everyone can read" },
  { label: "open the member list", action: "members.view", path: () => `/w/${fx.a.id}/members`, shows: "People" },
  { label: "open a goal", action: "workspace.view", path: () => `/w/${fx.a.id}/goals/${fx.goal.id}`, shows: "Prototypes aligned to this goal" },
  { label: "open a prototype", action: "workspace.view", path: () => `/w/${fx.a.id}/prototypes/${fx.prototype.id}`, shows: "Design document" },
  { label: "open a prototype's feedback forms", action: "workspace.view", path: () => `/w/${fx.a.id}/prototypes/${fx.prototype.id}/feedback`, shows: "Feedback forms" },
];

/** Actions exercised over the collaboration WebSocket rather than HTTP (see "live sprint ideas" below). */
const LIVE_WRITES: Action[] = ["sprint.participate"];

function testName(actor: Actor, label: string, outcome: Outcome, mutates: boolean): string {
  const rest = mutates ? " and nothing changes" : "";
  switch (outcome) {
    case "allowed":
      return `${actor.who} may ${label}: ${mutates ? "it is done" : "200"}`;
    case "forbidden":
      return `${actor.who} may not ${label}: 403${rest}`;
    case "not found":
      return `${actor.who} may not ${label}: 404${rest}`;
    case "login":
      return `${actor.who} may not ${label}: 302 to /login${rest}`;
  }
}

/** Where a signed-out visitor is sent: the login page, coming back to the page (Remix drops its own ?index). */
const loginRedirect = (path: string) => `/login?redirectTo=${encodeURIComponent(path.replace(/\?index$/, ""))}`;

describe("the matrix covers the policy table", () => {
  it("every workspace action except live document writes (WebSocket, not HTTP) is exercised", () => {
    const covered = new Set<Action>([...MUTATIONS.map((m) => m.action), ...PAGES.map((p) => p.action), ...LIVE_WRITES]);
    expect(ACTIONS.filter((a) => a !== "prototype.write" && !covered.has(a))).toEqual([]);
  });

  it("each case expects both allowed and refused members unless the table grants it to every role", () => {
    for (const c of [...MUTATIONS, ...PAGES]) {
      const refusedRoles = ROLES.filter((r) => !PERMISSIONS[r].has(c.action));
      const allRead = c.action === "workspace.view" || c.action === "members.view";
      expect(refusedRoles.length === 0, `${c.label} (${c.action})`).toBe(allRead);
    }
  });
});

/** "%s" rather than "$name": vitest quotes and truncates interpolated object fields. */
const named = <T extends { label: string; action: Action }>(cases: T[]) => cases.map((c) => [`${c.label} (${c.action})`, c] as const);

describe.each(named(MUTATIONS))("%s", (_, c) => {
  const rows = ACTORS.map((actor) => {
    const outcome = expectedOutcome(actor, c.action);
    return [testName(actor, c.label, outcome, true), { actor, outcome }] as const;
  });

  it.each(rows)("%s", async (_, { actor, outcome }) => {
    const target = await c.prepare();
    const { path, form } = c.request(target);
    const before = await snapshotTables(app.db.sql);
    const res = await fx.clients[actor.key].post(path, form);

    if (outcome === "allowed") {
      await c.succeeded(res, target);
      expect(await c.changed(target)).toBe(true);
      return;
    }
    if (outcome === "login") {
      expect(res.status).toBe(302);
      expect(location(res)).toBe(loginRedirect(path));
    } else {
      expect(res.status).toBe(outcome === "forbidden" ? 403 : 404);
      await res.text();
    }
    expect(await c.changed(target)).toBe(false);
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });
});

describe.each(named(PAGES))("%s", (_, p) => {
  const rows = ACTORS.map((actor) => {
    const outcome = expectedOutcome(actor, p.action);
    return [testName(actor, p.label, outcome, false), { actor, outcome }] as const;
  });

  it.each(rows)("%s", async (_, { actor, outcome }) => {
    const path = p.path();
    const res = await fx.clients[actor.key].get(path);
    const body = await res.text();
    switch (outcome) {
      case "allowed":
        expect(res.status).toBe(200);
        expect(body).toContain(p.shows);
        break;
      case "forbidden":
        expect(res.status).toBe(403);
        expect(body).not.toContain(p.shows);
        break;
      case "not found":
        expect(res.status).toBe(404);
        expect(body).not.toContain(p.shows);
        break;
      case "login":
        expect(res.status).toBe(302);
        expect(location(res)).toBe(loginRedirect(path));
        break;
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Across workspaces: the owner of A (allowed everything in A) reaching for B's records.

interface CrossCase {
  name: string;
  /** Fresh rows in B; `changed` says whether any of them moved. */
  prepare: () => Promise<{ path: string; form?: Record<string, string>; changed: () => Promise<boolean> }>;
}

async function bOwner(): Promise<string> {
  const [row] = await app.db.sql<{ user_id: string }[]>`select user_id from memberships where workspace_id = ${fx.b.id} and role = 'owner'`;
  return row.user_id;
}

const CROSS: CrossCase[] = [
  {
    name: "edit B's goal through A's URL",
    prepare: async () => {
      const g = await createGoal(app, fx.b.id, "B's goal");
      return { path: `/w/${fx.a.id}/goals/${g.id}`, form: { intent: "save", title: "Hijacked", description: "", ownerId: "" }, changed: async () => (await goalRow(g.id)).title !== "B's goal" };
    },
  },
  {
    name: "archive B's goal through A's URL",
    prepare: async () => {
      const g = await createGoal(app, fx.b.id);
      return { path: `/w/${fx.a.id}/goals/${g.id}`, form: { intent: "archive" }, changed: async () => (await goalRow(g.id)).archived };
    },
  },
  {
    name: "edit B's prototype through A's URL",
    prepare: async () => {
      const p = await createPrototype(app, fx.b.id, { title: "B's prototype", stage: "idea" });
      return {
        path: `/w/${fx.a.id}/prototypes/${p.id}`,
        form: { intent: "save", title: "Hijacked", stage: "scaling", ownerId: "", goalId: "" },
        changed: async () => {
          const row = await prototypeRow(p.id);
          return row.title !== "B's prototype" || row.stage !== "idea";
        },
      };
    },
  },
  {
    name: "archive B's prototype through A's URL",
    prepare: async () => {
      const p = await createPrototype(app, fx.b.id);
      return { path: `/w/${fx.a.id}/prototypes/${p.id}`, form: { intent: "archive" }, changed: async () => (await prototypeRow(p.id)).archived };
    },
  },
  {
    name: "change the role of B's member through A's members page",
    prepare: async () => {
      const m = await insertMember(app, fx.b.id, "viewer");
      return { path: `/w/${fx.a.id}/members`, form: { intent: "changeRole", userId: m.id, role: "owner" }, changed: async () => (await roleOf(app, fx.b.id, m.id)) !== "viewer" };
    },
  },
  {
    name: "remove B's member through A's members page",
    prepare: async () => {
      const m = await insertMember(app, fx.b.id, "viewer");
      return { path: `/w/${fx.a.id}/members`, form: { intent: "remove", userId: m.id }, changed: async () => (await roleOf(app, fx.b.id, m.id)) === null };
    },
  },
  {
    name: "revoke B's invite link through A's members page",
    prepare: async () => {
      const inv = await app.services.invites.create({ workspaceId: fx.b.id, role: "editor", expiresInDays: 7, createdBy: await bOwner() });
      return {
        path: `/w/${fx.a.id}/members`,
        form: { intent: "revoke", inviteId: inv.id },
        changed: async () => (await app.db.sql`select 1 from invites where id = ${inv.id} and revoked_at is not null`).length > 0,
      };
    },
  },
  {
    name: "rename B through B's URL",
    prepare: async () => ({
      path: `/w/${fx.b.id}/settings`,
      form: { intent: "rename", name: "Taken over" },
      changed: async () => (await app.db.sql`select 1 from workspaces where id = ${fx.b.id} and name = 'Taken over'`).length > 0,
    }),
  },
  {
    name: "create a goal in B through B's URL",
    prepare: async () => {
      const title = uniq("Planted goal");
      return {
        path: `/w/${fx.b.id}/goals?index`,
        form: { title, description: "", ownerId: "" },
        changed: async () => (await app.db.sql`select 1 from goals where title = ${title}`).length > 0,
      };
    },
  },
  {
    name: "create a prototype in B through B's URL",
    prepare: async () => {
      const title = uniq("Planted prototype");
      return {
        path: `/w/${fx.b.id}/prototypes/new`,
        form: { title, stage: "idea", ownerId: "", goalId: "" },
        changed: async () => (await app.db.sql`select 1 from prototypes where title = ${title}`).length > 0,
      };
    },
  },
  {
    name: "invite people to B through B's URL",
    prepare: async () => {
      const [{ n: before }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from invites where workspace_id = ${fx.b.id}`;
      return {
        path: `/w/${fx.b.id}/members`,
        form: { intent: "createInvite", role: "owner", expiresInDays: "7" },
        changed: async () => (await app.db.sql<{ n: number }[]>`select count(*)::int as n from invites where workspace_id = ${fx.b.id}`)[0].n !== before,
      };
    },
  },
  {
    name: "edit B's goal through B's URL",
    prepare: async () => {
      const g = await createGoal(app, fx.b.id, "B's other goal");
      return { path: `/w/${fx.b.id}/goals/${g.id}`, form: { intent: "save", title: "Hijacked", description: "", ownerId: "" }, changed: async () => (await goalRow(g.id)).title !== "B's other goal" };
    },
  },
  {
    name: "open B's goal through A's URL",
    prepare: async () => {
      const g = await createGoal(app, fx.b.id, "B's secret goal");
      return { path: `/w/${fx.a.id}/goals/${g.id}`, changed: async () => false };
    },
  },
  {
    name: "open B's prototype through A's URL",
    prepare: async () => {
      const p = await createPrototype(app, fx.b.id, { title: "B's secret prototype" });
      return { path: `/w/${fx.a.id}/prototypes/${p.id}`, changed: async () => false };
    },
  },
  {
    name: "open B's overview",
    prepare: async () => ({ path: `/w/${fx.b.id}`, changed: async () => false }),
  },
];

describe("across workspaces, the owner of A is a stranger to B", () => {
  it.each(CROSS.map((c) => [c.name, c] as const))("the owner of A may not %s: 404 and nothing changes", async (_, c) => {
    const { path, form, changed } = await c.prepare();
    const before = await snapshotTables(app.db.sql);
    const client = fx.clients.owner;
    const res = form ? await client.post(path, form) : await client.get(path);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain("B&#x27;s secret");
    expect(body).not.toContain("B's secret");
    expect(body).not.toContain("Workspace B");
    expect(await changed()).toBe(false);
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });
});

describe("live sprint ideas follow the table (sprint.participate, over the WebSocket)", () => {
  /** A sprint of A in which every member of A is listed as a participant. */
  let sprintId: string;
  const docName = () => `sprint.${sprintId}`;
  const serverIdeas = () => {
    const doc = app.collab.registry.loaded(docName())?.doc;
    return doc ? [...doc.getMap<Y.Map<unknown>>("ideas").values()].map((m) => String(m.get("text"))) : [];
  };
  beforeAll(async () => {
    const members = await app.db.sql<{ userId: string; role: Role }[]>`select user_id as "userId", role from memberships where workspace_id = ${fx.a.id}`;
    const owner = members.find((m) => m.role === "owner")!;
    sprintId = (
      await app.services.sprints.create({
        workspaceId: fx.a.id,
        userId: owner.userId,
        input: { name: uniq("Matrix sprint"), challenge: "", goal: "", prototypeIds: [], participantIds: members.map((m) => m.userId) },
      })
    ).id;
  });

  it.each(ACTORS.map((actor) => [`${actor.who}: ${expectedOutcome(actor, "sprint.participate")}`, actor] as const))("%s", async (_, actor) => {
    const outcome = expectedOutcome(actor, "sprint.participate");
    const client = fx.clients[actor.key];
    if (outcome === "login" || outcome === "not found") {
      const status = await upgradeStatus(app, `/collab/${docName()}`, { cookie: client.cookieHeader || undefined, origin: app.url });
      expect(status).toBe(outcome === "login" ? 401 : 404);
      return;
    }
    const idea = uniq(`idea from ${actor.key}`);
    const c = connectProvider(app, client, docName());
    try {
      await synced(c.provider);
      addIdea(c.doc, { text: idea, author: { id: actor.key, name: actor.key } });
      // The owner's later note proves the server has processed the actor's.
      const marker = uniq("marker");
      const owner = connectProvider(app, fx.clients.owner, docName());
      try {
        await synced(owner.provider);
        addIdea(owner.doc, { text: marker, author: { id: "owner", name: "owner" } });
        await eventually(() => serverIdeas().includes(marker), "owner's marker applied");
        if (outcome === "allowed") await eventually(() => serverIdeas().includes(idea), "actor's idea applied");
        else expect(serverIdeas()).not.toContain(idea);
      } finally {
        owner.destroy();
      }
    } finally {
      c.destroy();
    }
  });
});
