import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addMember, createGoal, createPrototype, createUser, createWorkspace, loginClient } from "../helpers/factories.js";
import { insertUser, markup, visibleText } from "../helpers/pages.js";
import type { HttpClient } from "../helpers/http.js";
import type { Card, CardStatus } from "../../app/lib/experiments/cards.js";

let app: TestServer;
let workspaceId: string;
let otherWorkspaceId: string;
let owner: { id: string; email: string; name: string };
let colleague: { id: string; name: string };
let goalA: { id: string };
let goalB: { id: string };
let protoA: { id: string };
let protoB: { id: string };
let client: HttpClient;

// Two days back, so a database time zone a few hours off UTC still sees it as past.
const PAST_DEADLINE = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
const NEXT_WEEK = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

let counter = 0;
/** A card as the projection receives it from a document. */
function card(name: string, overrides: Partial<Card> = {}): Card {
  counter++;
  return {
    id: `card-${String(counter).padStart(4, "0")}-${Math.random().toString(36).slice(2, 8)}`,
    name,
    status: "planned",
    rank: "V",
    owner: null,
    deadline: null,
    hypothesis: `${name}: hypothesis`,
    test: "",
    metric: "",
    criterion: "",
    believed: "",
    observed: "",
    learned: "",
    therefore: "",
    ratings: { critical: 0, cost: 0, reliability: 0, time: 0 },
    decision: null,
    createdAt: Date.now(),
    createdBy: null,
    startedAt: null,
    startedBy: null,
    ...overrides,
  };
}

beforeAll(async () => {
  app = await startTestServer();
  owner = await createUser(app, { name: "Olivia Owner" });
  workspaceId = (await createWorkspace(app, owner.id)).id;
  colleague = await insertUser(app, "Carl Colleague");
  await addMember(app, workspaceId, colleague.id, "editor");
  goalA = await createGoal(app, workspaceId, "Faster onboarding");
  goalB = await createGoal(app, workspaceId, "Better feedback culture");
  protoA = await createPrototype(app, workspaceId, { title: "Buddy programme", goalId: goalA.id });
  protoB = await createPrototype(app, workspaceId, { title: "Feedback clinic", goalId: goalB.id });
  const outsider = await insertUser(app, "Nora Nonmember");

  await app.services.experiments.saveProjection(protoA.id, [
    card("Buddies answer questions faster", { status: "running", owner: owner.id, deadline: PAST_DEADLINE, startedAt: Date.now() }),
    card("New hires feel welcome", { status: "planned", owner: colleague.id, deadline: NEXT_WEEK }),
    card("Checklists are enough", {
      status: "invalidated",
      owner: owner.id,
      deadline: PAST_DEADLINE,
      decision: "pivot",
      learned: "People skip checklists; they ask a person.",
    }),
  ]);
  await app.services.experiments.saveProjection(protoB.id, [
    card("Managers give weekly feedback", { status: "validated", owner: colleague.id, decision: "persevere", learned: "A fixed slot makes it happen." }),
    card("Owned by someone outside", { status: "planned", owner: outsider.id, deadline: PAST_DEADLINE }),
  ]);

  // Another workspace's cards and an archived prototype's cards never show.
  const stranger = await insertUser(app, "Sam Stranger");
  otherWorkspaceId = (await createWorkspace(app, stranger.id)).id;
  const foreign = await createPrototype(app, otherWorkspaceId, { title: "Elsewhere" });
  await app.services.experiments.saveProjection(foreign.id, [card("Foreign card", { status: "running" })]);
  const archived = await createPrototype(app, workspaceId, { title: "Shelved pilot" });
  await app.services.experiments.saveProjection(archived.id, [card("Archived card", { status: "running" })]);
  await app.services.prototypes.setArchived({ workspaceId, prototypeId: archived.id, archived: true });

  client = await loginClient(app, owner.email);
});

afterAll(async () => {
  await app?.close();
});

const names = (rows: { name: string }[]) => rows.map((r) => r.name);
const list = (filters: Parameters<TestServer["services"]["experiments"]["list"]>[0]["filters"] = {}) =>
  app.services.experiments.list({ workspaceId, filters });

describe("services.experiments.list", () => {
  it("lists the cards of the workspace's live prototypes only, running first, then planned, then concluded", async () => {
    const rows = await list();
    expect(names(rows)).toEqual([
      "Buddies answer questions faster",
      // Within a status, the nearest deadline first.
      "Owned by someone outside",
      "New hires feel welcome",
      "Managers give weekly feedback",
      "Checklists are enough",
    ]);
    expect(names(rows)).not.toContain("Foreign card");
    expect(names(rows)).not.toContain("Archived card");
  });

  it("joins the prototype, goal and owner names", async () => {
    const [running] = await list({ status: "running" });
    expect(running).toMatchObject({
      prototypeId: protoA.id,
      prototypeTitle: "Buddy programme",
      goalId: goalA.id,
      goalTitle: "Faster onboarding",
      ownerId: owner.id,
      ownerName: "Olivia Owner",
      deadline: PAST_DEADLINE,
      overdue: true,
    });
  });

  it("filters by status", async () => {
    const byStatus = async (status: CardStatus) => names(await list({ status }));
    expect(await byStatus("planned")).toEqual(["Owned by someone outside", "New hires feel welcome"]);
    expect(await byStatus("validated")).toEqual(["Managers give weekly feedback"]);
    expect(await byStatus("inconclusive")).toEqual([]);
  });

  it("filters by owner, and keeps no owner who is not a member", async () => {
    expect(names(await list({ ownerId: colleague.id }))).toEqual(["New hires feel welcome", "Managers give weekly feedback"]);
    const outsiders = (await list()).find((r) => r.name === "Owned by someone outside");
    expect(outsiders?.ownerId).toBeNull();
  });

  it("filters by goal", async () => {
    expect(names(await list({ goalId: goalB.id }))).toEqual(["Owned by someone outside", "Managers give weekly feedback"]);
  });

  it("overdue means a past deadline on a card still planned or running", async () => {
    expect(names(await list({ overdue: true }))).toEqual(["Buddies answer questions faster", "Owned by someone outside"]);
    const concluded = (await list()).find((r) => r.name === "Checklists are enough");
    expect(concluded?.overdue).toBe(false);
  });

  it("combines filters", async () => {
    expect(names(await list({ overdue: true, ownerId: owner.id, goalId: goalA.id, status: "running" }))).toEqual(["Buddies answer questions faster"]);
    expect(await list({ overdue: true, ownerId: colleague.id })).toEqual([]);
  });

  it("replaces a prototype's cards when the projection is saved again", async () => {
    const temp = await createPrototype(app, workspaceId, { title: "Short-lived" });
    await app.services.experiments.saveProjection(temp.id, [card("First version", { status: "inconclusive" })]);
    expect(names(await list({ status: "inconclusive" }))).toEqual(["First version"]);
    await app.services.experiments.saveProjection(temp.id, []);
    expect(await list({ status: "inconclusive" })).toEqual([]);
  });
});

describe("the workspace Experiments page", () => {
  const page = async (query = "", as = client) => {
    const res = await as.get(`/w/${workspaceId}/experiments${query}`);
    expect(res.status).toBe(200);
    return markup(await res.text());
  };

  it("shows every card with its prototype, goal, owner, deadline and counts per status", async () => {
    const html = await page();
    const text = visibleText(html);
    expect(text).toContain("5 experiments");
    expect(text).toMatch(/5 All 2 Planned 1 Running 1 Validated 1 Invalidated 0 Inconclusive/);
    expect(text).toContain("2 overdue");
    expect(text).toContain("Buddies answer questions faster");
    expect(text).toContain("Prototype: Buddy programme");
    expect(text).toContain("Goal: Faster onboarding");
    expect(text).toContain("Owner: Carl Colleague");
    expect(text).toMatch(/Deadline: \w{3} \d{1,2}, \d{4} Overdue/);
  });

  it("links each card to its place on the prototype's board", async () => {
    const [row] = await list({ status: "running" });
    expect(await page()).toContain(`href="/w/${workspaceId}/prototypes/${protoA.id}#experiment-${row.cardId}"`);
  });

  it("shows the decision and what was learned for concluded cards only", async () => {
    const text = visibleText(await page("?status=invalidated"));
    expect(text).toContain("Decision Pivot");
    expect(text).toContain("We learned that People skip checklists; they ask a person.");
    expect(visibleText(await page("?status=running"))).not.toContain("Decision");
  });

  it("filters by the query parameters and says so", async () => {
    const text = visibleText(await page(`?owner=${colleague.id}&goal=${goalB.id}`));
    expect(text).toContain("1 experiment owned by Carl Colleague for “Better feedback culture”");
    expect(text).toContain("Managers give weekly feedback");
    expect(text).not.toContain("New hires feel welcome");
    expect(visibleText(await page("?overdue=1"))).toContain("2 experiments, overdue");
  });

  it("ignores filter values that are not a status, a member or a goal of this workspace", async () => {
    expect(visibleText(await page(`?status=bogus&owner=${otherWorkspaceId}&goal=nope`))).toContain("5 experiments");
  });

  it("offers to clear filters that match nothing", async () => {
    const html = await page("?status=inconclusive");
    expect(visibleText(html)).toContain("No experiments match these filters");
    expect(html).toMatch(new RegExp(`href="/w/${workspaceId}/experiments"[^>]*>Clear filters`));
  });

  it("says there are no experiments yet in a workspace without cards", async () => {
    const solo = await createUser(app);
    const ws = await createWorkspace(app, solo.id);
    const soloClient = await loginClient(app, solo.email);
    const res = await soloClient.get(`/w/${ws.id}/experiments`);
    expect(res.status).toBe(200);
    expect(visibleText(await res.text())).toContain("No experiments yet");
  });

  it("any member can view it, a non-member gets a 404", async () => {
    const viewer = await createUser(app);
    await addMember(app, workspaceId, viewer.id, "viewer");
    expect(visibleText(await page("", await loginClient(app, viewer.email)))).toContain("5 experiments");
    const outsider = await createUser(app);
    const res = await (await loginClient(app, outsider.email)).get(`/w/${workspaceId}/experiments`);
    expect(res.status).toBe(404);
  });

  it("is in the workspace navigation", async () => {
    expect(await page()).toMatch(new RegExp(`<a[^>]*href="/w/${workspaceId}/experiments"[^>]*>Experiments</a>`));
  });
});
