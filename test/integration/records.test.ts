/** Goals and prototypes over HTTP: creating, refusing bad input, listing, filtering, archiving. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, location } from "../helpers/http.js";
import { createGoal, createPrototype, createUser, createWorkspace, loginClient } from "../helpers/factories.js";
import { snapshotTables } from "../helpers/snapshot.js";
import { alerts, insertMember, insertUser, linkedIds, uniq, visibleText } from "../helpers/pages.js";
import { DESCRIPTION_MAX, TITLE_MAX } from "../../app/lib/limits.js";
import type { Stage } from "../../app/lib/domain.js";

let app: TestServer;
let owner: { id: string; email: string };
let client: HttpClient;
/** The owner's main workspace, and a workspace they have nothing to do with. */
let ws: { id: string };
let other: { id: string };

beforeAll(async () => {
  app = await startTestServer();
  owner = await createUser(app);
  ws = await createWorkspace(app, owner.id, "Records workspace");
  client = await loginClient(app, owner.email);
  const stranger = await createUser(app);
  other = await createWorkspace(app, stranger.id, "Someone else's workspace");
});
afterAll(async () => {
  await app?.close();
});

/** A fresh workspace of the logged-in owner, for tests that look at a whole list. */
const freshWorkspace = () => createWorkspace(app, owner.id, uniq("List"));

async function archivedGoal(workspaceId: string) {
  const goal = await createGoal(app, workspaceId);
  await app.services.goals.setArchived({ workspaceId, goalId: goal.id, archived: true });
  return goal;
}

async function prototypeList(workspaceId: string, query = ""): Promise<string[]> {
  const res = await client.get(`/w/${workspaceId}/prototypes${query}`);
  expect(res.status).toBe(200);
  return linkedIds(await res.text(), workspaceId, "prototypes");
}

async function goalList(workspaceId: string, query = ""): Promise<string[]> {
  const res = await client.get(`/w/${workspaceId}/goals${query}`);
  expect(res.status).toBe(200);
  return linkedIds(await res.text(), workspaceId, "goals");
}

/** Posts a form that must be refused with 400: the message is shown by the field, and the database is untouched. */
async function expectRefused(path: string, form: Record<string, string>, message: string) {
  const before = await snapshotTables(app.db.sql);
  const res = await client.post(path, form);
  expect(res.status).toBe(400);
  expect(alerts(await res.text())).toContain(message);
  expect(await snapshotTables(app.db.sql)).toEqual(before);
}

describe("goals", () => {
  it("a valid goal is created, opens on its own page and appears in the goal list", async () => {
    const title = uniq("Cut onboarding time");
    const res = await client.post(`/w/${ws.id}/goals?index`, { title: `  ${title}  `, description: "New hires productive in 30 days", ownerId: owner.id });
    expect(res.status).toBe(302);
    const [goal] = await app.db.sql<{ id: string; title: string; description: string; owner_id: string }[]>`
      select id, title, description, owner_id from goals where workspace_id = ${ws.id} and title = ${title}`;
    expect(goal).toMatchObject({ title, description: "New hires productive in 30 days", owner_id: owner.id });
    expect(location(res)).toBe(`/w/${ws.id}/goals/${goal.id}`);
    const page = await client.get(location(res)!);
    expect(page.status).toBe(200);
    expect(visibleText(await page.text())).toContain(title);
    expect(await goalList(ws.id)).toContain(goal.id);
  });

  const invalid: [string, () => Promise<Record<string, string>>, string][] = [
    ["an empty title", async () => ({ title: "   ", description: "", ownerId: "" }), "Title is required."],
    ["a missing title", async () => ({ description: "", ownerId: "" }), "Title is required."],
    ["a title one character too long", async () => ({ title: "x".repeat(TITLE_MAX + 1), description: "", ownerId: "" }), `Title must be at most ${TITLE_MAX} characters.`],
    ["a description one character too long", async () => ({ title: "Fine", description: "d".repeat(DESCRIPTION_MAX + 1), ownerId: "" }), `Description must be at most ${DESCRIPTION_MAX} characters.`],
    ["an owner id that is not an id", async () => ({ title: "Fine", description: "", ownerId: "bob" }), "Choose an owner from the list."],
    ["an owner who is not a member", async () => ({ title: "Fine", description: "", ownerId: (await insertUser(app)).id }), "Choose an owner who is a member of this workspace."],
    [
      "an owner who is a member of another workspace only",
      async () => ({ title: "Fine", description: "", ownerId: (await insertMember(app, other.id, "owner")).id }),
      "Choose an owner who is a member of this workspace.",
    ],
  ];

  it.each(invalid)("creating a goal with %s: 400, the message in the page, nothing created", async (_, form, message) => {
    await expectRefused(`/w/${ws.id}/goals?index`, await form(), message);
  });

  it.each(invalid)("editing a goal with %s: 400, the message in the page, the goal unchanged", async (_, form, message) => {
    const goal = await createGoal(app, ws.id);
    await expectRefused(`/w/${ws.id}/goals/${goal.id}`, { intent: "save", ...(await form()) }, message);
  });

  it("an archived goal leaves the active list, shows under ?archived=1, and restore brings it back", async () => {
    const w = await freshWorkspace();
    const kept = await createGoal(app, w.id);
    // Two inserts can share a timestamp; make "kept" clearly older so the order is defined.
    await app.db.sql`update goals set updated_at = now() - interval '1 minute' where id = ${kept.id}`;
    const goal = await createGoal(app, w.id);
    expect(await goalList(w.id)).toEqual([goal.id, kept.id]);

    const archive = await client.post(`/w/${w.id}/goals/${goal.id}`, { intent: "archive" });
    expect(archive.status).toBe(302);
    expect(location(archive)).toBe(`/w/${w.id}/goals/${goal.id}`);
    expect(await goalList(w.id)).toEqual([kept.id]);
    expect(await goalList(w.id, "?archived=1")).toEqual([goal.id]);
    // The archived goal's own page still opens and says so.
    const page = await client.get(`/w/${w.id}/goals/${goal.id}`);
    expect(page.status).toBe(200);
    expect(visibleText(await page.text())).toContain("This goal is archived.");

    const restore = await client.post(`/w/${w.id}/goals/${goal.id}`, { intent: "restore" });
    expect(restore.status).toBe(302);
    expect(await goalList(w.id)).toEqual([goal.id, kept.id]);
    expect(await goalList(w.id, "?archived=1")).toEqual([]);
  });

  it("an unknown intent is refused with 400 and changes nothing", async () => {
    const goal = await createGoal(app, ws.id);
    await expectRefused(`/w/${ws.id}/goals/${goal.id}`, { intent: "delete" }, "That action isn't available on this page.");
  });
});

describe("prototypes", () => {
  it("a valid prototype is created, opens on its own page and appears in the list", async () => {
    const goal = await createGoal(app, ws.id);
    const title = uniq("Peer coaching circles");
    const res = await client.post(`/w/${ws.id}/prototypes/new`, { title, stage: "prototyping", ownerId: owner.id, goalId: goal.id });
    expect(res.status).toBe(302);
    const [p] = await app.db.sql<{ id: string; stage: Stage; owner_id: string; goal_id: string }[]>`
      select id, stage, owner_id, goal_id from prototypes where workspace_id = ${ws.id} and title = ${title}`;
    expect(p).toMatchObject({ stage: "prototyping", owner_id: owner.id, goal_id: goal.id });
    expect(location(res)).toBe(`/w/${ws.id}/prototypes/${p.id}`);
    const page = await client.get(location(res)!);
    expect(page.status).toBe(200);
    expect(visibleText(await page.text())).toContain(title);
    expect(await prototypeList(ws.id)).toContain(p.id);
  });

  it("a prototype may have no owner and no goal", async () => {
    const title = uniq("Unaligned");
    const res = await client.post(`/w/${ws.id}/prototypes/new`, { title, stage: "idea", ownerId: "", goalId: "" });
    expect(res.status).toBe(302);
    const [p] = await app.db.sql`select owner_id, goal_id from prototypes where title = ${title}`;
    expect(p).toEqual({ owner_id: null, goal_id: null });
  });

  const valid = { title: "Fine", stage: "idea", ownerId: "", goalId: "" };
  const invalid: [string, () => Promise<Record<string, string>>, string][] = [
    ["an empty title", async () => ({ ...valid, title: " " }), "Title is required."],
    ["a title one character too long", async () => ({ ...valid, title: "t".repeat(TITLE_MAX + 1) }), `Title must be at most ${TITLE_MAX} characters.`],
    ["a stage that does not exist", async () => ({ ...valid, stage: "launched" }), "Choose a stage."],
    ["no stage", async () => ({ title: "Fine", ownerId: "", goalId: "" }), "Choose a stage."],
    ["a goal id that is not an id", async () => ({ ...valid, goalId: "42" }), "Choose a goal from the list."],
    ["a goal of another workspace", async () => ({ ...valid, goalId: (await createGoal(app, other.id)).id }), "Choose a goal of this workspace."],
    ["a goal that does not exist", async () => ({ ...valid, goalId: randomUUID() }), "Choose a goal of this workspace."],
    ["an archived goal", async () => ({ ...valid, goalId: (await archivedGoal(ws.id)).id }), "That goal is archived; choose an active goal."],
    ["an owner id that is not an id", async () => ({ ...valid, ownerId: "me" }), "Choose an owner from the list."],
    ["an owner who is not a member", async () => ({ ...valid, ownerId: (await insertUser(app)).id }), "Choose an owner who is a member of this workspace."],
  ];

  it.each(invalid)("creating a prototype with %s: 400, the message in the page, nothing created", async (_, form, message) => {
    await expectRefused(`/w/${ws.id}/prototypes/new`, await form(), message);
  });

  it.each(invalid)("editing a prototype with %s: 400, the message in the page, the prototype unchanged", async (_, form, message) => {
    const prototype = await createPrototype(app, ws.id);
    await expectRefused(`/w/${ws.id}/prototypes/${prototype.id}`, { intent: "save", ...(await form()) }, message);
  });

  it("a prototype already aligned to a goal that was archived since can still be saved, keeping that goal", async () => {
    const goal = await createGoal(app, ws.id);
    const prototype = await createPrototype(app, ws.id, { goalId: goal.id });
    await app.services.goals.setArchived({ workspaceId: ws.id, goalId: goal.id, archived: true });
    const title = uniq("Renamed after goal archived");
    const res = await client.post(`/w/${ws.id}/prototypes/${prototype.id}`, { intent: "save", title, stage: "piloting", ownerId: "", goalId: goal.id });
    expect(res.status).toBe(302);
    const [row] = await app.db.sql`select title, stage, goal_id from prototypes where id = ${prototype.id}`;
    expect(row).toEqual({ title, stage: "piloting", goal_id: goal.id });
  });

  it("an unknown intent is refused with 400 and changes nothing", async () => {
    const prototype = await createPrototype(app, ws.id);
    await expectRefused(`/w/${ws.id}/prototypes/${prototype.id}`, { intent: "publish" }, "That action isn't available on this page.");
  });
});

describe("the prototype list", () => {
  /** Four prototypes made one after another (so the newest is first): stage and goal vary. */
  async function listFixture() {
    const w = await freshWorkspace();
    const g1 = await createGoal(app, w.id, "Goal one");
    const g2 = await createGoal(app, w.id, "Goal two");
    const p1 = await createPrototype(app, w.id, { title: "P1 idea g1", stage: "idea", goalId: g1.id });
    const p2 = await createPrototype(app, w.id, { title: "P2 piloting g1", stage: "piloting", goalId: g1.id });
    const p3 = await createPrototype(app, w.id, { title: "P3 piloting g2", stage: "piloting", goalId: g2.id });
    const p4 = await createPrototype(app, w.id, { title: "P4 idea no goal", stage: "idea" });
    // Embedded PGlite's clock can give two quick inserts one timestamp: spread them to define the order.
    for (const [minutesAgo, p] of [[4, p1], [3, p2], [2, p3], [1, p4]] as const) {
      await app.db.sql`update prototypes set updated_at = now() - ${minutesAgo} * interval '1 minute' where id = ${p.id}`;
    }
    return { w, g1, g2, p1: p1.id, p2: p2.id, p3: p3.id, p4: p4.id };
  }

  it("shows the most recently updated first, and filters by stage, by goal, and by both", async () => {
    const { w, g1, g2, p1, p2, p3, p4 } = await listFixture();
    expect(await prototypeList(w.id)).toEqual([p4, p3, p2, p1]);
    expect(await prototypeList(w.id, "?stage=piloting")).toEqual([p3, p2]);
    expect(await prototypeList(w.id, "?stage=idea")).toEqual([p4, p1]);
    expect(await prototypeList(w.id, "?stage=scaling")).toEqual([]);
    expect(await prototypeList(w.id, `?goal=${g1.id}`)).toEqual([p2, p1]);
    expect(await prototypeList(w.id, `?goal=${g2.id}`)).toEqual([p3]);
    expect(await prototypeList(w.id, `?stage=piloting&goal=${g1.id}`)).toEqual([p2]);
    expect(await prototypeList(w.id, `?stage=idea&goal=${g2.id}`)).toEqual([]);
  });

  it("updating a prototype moves it to the top", async () => {
    const { w, p1, p2, p3, p4 } = await listFixture();
    const res = await client.post(`/w/${w.id}/prototypes/${p2}`, { intent: "save", title: "P2 renamed", stage: "scaling", ownerId: "", goalId: "" });
    expect(res.status).toBe(302);
    expect(await prototypeList(w.id)).toEqual([p2, p4, p3, p1]);
    const again = await client.post(`/w/${w.id}/prototypes/${p1}`, { intent: "save", title: "P1 renamed", stage: "idea", ownerId: "", goalId: "" });
    expect(again.status).toBe(302);
    expect(await prototypeList(w.id)).toEqual([p1, p2, p4, p3]);
  });

  it.each([
    ["an unknown stage", "?stage=launched"],
    ["a stage in the wrong case", "?stage=Piloting"],
    ["a goal that is not an id", "?goal=abc"],
    ["a goal id that does not exist", `?goal=${randomUUID()}`],
    ["an archived flag other than 1", "?archived=yes"],
    ["repeated garbage", "?stage=&goal=&archived=&stage=%00"],
  ])("ignores %s (200, the whole active list)", async (_, query) => {
    const { w, p1, p2, p3, p4 } = await listFixture();
    expect(await prototypeList(w.id, query)).toEqual([p4, p3, p2, p1]);
  });

  it("ignores a goal of another workspace as a filter", async () => {
    const { w, p1, p2, p3, p4 } = await listFixture();
    const foreign = await createGoal(app, other.id);
    await createPrototype(app, other.id, { goalId: foreign.id });
    expect(await prototypeList(w.id, `?goal=${foreign.id}`)).toEqual([p4, p3, p2, p1]);
  });

  it("an archived prototype leaves the default list and shows under ?archived=1; restore brings it back", async () => {
    const { w, g1, p1, p2, p3, p4 } = await listFixture();
    const archive = await client.post(`/w/${w.id}/prototypes/${p2}`, { intent: "archive" });
    expect(archive.status).toBe(302);
    expect(location(archive)).toBe(`/w/${w.id}/prototypes/${p2}`);
    expect(await prototypeList(w.id)).toEqual([p4, p3, p1]);
    expect(await prototypeList(w.id, "?archived=1")).toEqual([p2]);
    // Filters apply to the archive too.
    expect(await prototypeList(w.id, `?archived=1&goal=${g1.id}`)).toEqual([p2]);
    expect(await prototypeList(w.id, "?archived=1&stage=idea")).toEqual([]);
    const page = await client.get(`/w/${w.id}/prototypes/${p2}`);
    expect(page.status).toBe(200);
    expect(visibleText(await page.text())).toContain("This prototype is archived.");

    const restore = await client.post(`/w/${w.id}/prototypes/${p2}`, { intent: "restore" });
    expect(restore.status).toBe(302);
    expect(await prototypeList(w.id, "?archived=1")).toEqual([]);
    // Restoring is an update: it comes back at the top.
    expect(await prototypeList(w.id)).toEqual([p2, p4, p3, p1]);
  });
});

describe("unknown and malformed ids", () => {
  const gets: [string, () => string | Promise<string>][] = [
    ["a prototype id that does not exist", () => `/w/${ws.id}/prototypes/${randomUUID()}`],
    ["a prototype id that is not a UUID", () => `/w/${ws.id}/prototypes/not-a-uuid`],
    ["a prototype id with SQL in it", () => `/w/${ws.id}/prototypes/${encodeURIComponent("1' or '1'='1")}`],
    ["a goal id that does not exist", () => `/w/${ws.id}/goals/${randomUUID()}`],
    ["a goal id that is not a UUID", () => `/w/${ws.id}/goals/123`],
    ["a workspace id that does not exist", () => `/w/${randomUUID()}`],
    ["a workspace id that is not a UUID", () => `/w/not-a-uuid/prototypes`],
    ["a prototype of another workspace", async () => `/w/${ws.id}/prototypes/${(await createPrototype(app, other.id)).id}`],
    ["a goal of another workspace", async () => `/w/${ws.id}/goals/${(await createGoal(app, other.id)).id}`],
  ];

  it.each(gets)("GET with %s: 404", async (_, path) => {
    const res = await client.get(await path());
    expect(res.status).toBe(404);
    await res.text();
  });

  const posts: [string, () => string, Record<string, string>][] = [
    ["saving a prototype that does not exist", () => `/w/${ws.id}/prototypes/${randomUUID()}`, { intent: "save", title: "Ghost", stage: "idea", ownerId: "", goalId: "" }],
    ["archiving a prototype that does not exist", () => `/w/${ws.id}/prototypes/${randomUUID()}`, { intent: "archive" }],
    ["saving a prototype with a malformed id", () => `/w/${ws.id}/prototypes/xyz`, { intent: "save", title: "Ghost", stage: "idea", ownerId: "", goalId: "" }],
    ["saving a goal that does not exist", () => `/w/${ws.id}/goals/${randomUUID()}`, { intent: "save", title: "Ghost", description: "", ownerId: "" }],
    ["restoring a goal that does not exist", () => `/w/${ws.id}/goals/${randomUUID()}`, { intent: "restore" }],
    ["archiving a goal with a malformed id", () => `/w/${ws.id}/goals/1`, { intent: "archive" }],
    ["creating a prototype in a workspace that does not exist", () => `/w/${randomUUID()}/prototypes/new`, { title: "Ghost", stage: "idea", ownerId: "", goalId: "" }],
    ["creating a goal in a malformed workspace id", () => `/w/abc/goals?index`, { title: "Ghost", description: "", ownerId: "" }],
  ];

  it.each(posts)("POST %s: 404 and nothing changes", async (_, path, form) => {
    const before = await snapshotTables(app.db.sql);
    const res = await client.post(path(), form);
    expect(res.status).toBe(404);
    await res.text();
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });
});
