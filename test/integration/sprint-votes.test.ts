/**
 * Dot voting in sprints over the real server and database: the ballot a poll opens with, the
 * budget and one-dot-per-item rules under parallel requests, privacy until the reveal (in every
 * API answer, to participants and facilitators), who may vote, supervote, open, close and reveal,
 * and the sprint summary page and its Markdown export.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace, loginClient, memberClient } from "../helpers/factories.js";
import { pageText, type HttpClient } from "../helpers/http.js";
import { insertIdeas, insertSprint } from "../helpers/sprints.js";
import type { VotesView } from "../../app/lib/sprints/votes.js";

let app: TestServer;
let workspaceId: string;
interface Person {
  id: string;
  client: HttpClient;
}
let owner: Person; // facilitates (owner role)
let facilitator: Person;
let ana: Person; // participant (editor), the decider
let ben: Person; // participant (commenter)
let outsider: Person; // editor, not a participant
let watcher: Person; // viewer listed as participant: the role can't take part

beforeAll(async () => {
  app = await startTestServer();
  const ownerUser = await createUser(app, { name: "Olivia Owner" });
  workspaceId = (await createWorkspace(app, ownerUser.id)).id;
  owner = { id: ownerUser.id, client: await loginClient(app, ownerUser.email) };
  const as = async (role: "facilitator" | "editor" | "commenter" | "viewer") => {
    const m = await memberClient(app, workspaceId, role);
    return { id: m.user.id, client: m.client };
  };
  facilitator = await as("facilitator");
  ana = await as("editor");
  ben = await as("commenter");
  outsider = await as("editor");
  watcher = await as("viewer");
});
afterAll(async () => {
  await app?.close();
});

/** A sprint with Ana (decider) and Ben taking part, the viewer listed too, and three ideas. */
async function sprintWithIdeas(texts = ["Peer coaching circles", "Micro-learning nudges", "Shadow a senior"]) {
  const sprintId = await insertSprint(app, { workspaceId, createdBy: owner.id, participantIds: [ana.id, ben.id, watcher.id], deciderId: ana.id });
  const ideaIds = await insertIdeas(app, sprintId, texts);
  return { sprintId, ideaIds };
}

const pollsPath = (sprintId: string) => `/w/${workspaceId}/sprints/${sprintId}/polls`;
const post = (who: Person, sprintId: string, form: Record<string, string>) => who.client.post(pollsPath(sprintId), form);
async function viewOf(who: Person, sprintId: string): Promise<VotesView> {
  const res = await who.client.get(pollsPath(sprintId));
  expect(res.status).toBe(200);
  return (await res.json()) as VotesView;
}
async function openPoll(sprintId: string, fields: Partial<Record<"subject" | "title" | "budget" | "onePerItem", string>> = {}): Promise<string> {
  const res = await post(owner, sprintId, { intent: "open", subject: "ideas", title: "Which ideas should we prototype?", budget: "3", ...fields });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.pollId;
}
const dots = (pollId: string) =>
  app.db.sql<
    { voter_id: string; item_id: string; kind: string }[]
  >`select voter_id, item_id, kind from sprint_votes where poll_id = ${pollId} order by created_at`;

describe("opening a vote", () => {
  it("fixes the ballot from the sprint's ideas (empty notes skipped) in board order", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas(["First idea", "   ", "Second idea"]);
    const pollId = await openPoll(sprintId, { budget: "2", onePerItem: "on" });
    const [poll] = (await viewOf(ben, sprintId)).polls;
    expect(poll).toMatchObject({ id: pollId, status: "open", budget: 2, onePerItem: true, subject: "ideas", results: null, dotsCast: 0 });
    expect(poll.items).toEqual([
      { id: ideaIds[0], label: "First idea" },
      { id: ideaIds[2], label: "Second idea" },
    ]);
    // Ideas added afterwards don't change the open ballot.
    await insertIdeas(app, sprintId, ["Late idea"]);
    expect((await viewOf(ben, sprintId)).polls[0].items).toHaveLength(2);
  });

  it("opens over the sprint's prototypes in scope, labelled by title", async () => {
    const p1 = await createPrototype(app, workspaceId, { title: "Buddy program" });
    const p2 = await createPrototype(app, workspaceId, { title: "Academy week" });
    await createPrototype(app, workspaceId, { title: "Not in scope" });
    const sprintId = await insertSprint(app, { workspaceId, createdBy: owner.id, participantIds: [ben.id], prototypeIds: [p1.id, p2.id] });
    await openPoll(sprintId, { subject: "prototypes", title: "Pilot first" });
    expect((await viewOf(ben, sprintId)).polls[0].items).toEqual([
      { id: p2.id, label: "Academy week" },
      { id: p1.id, label: "Buddy program" },
    ]);
  });

  it("refuses with clear errors: no ideas, no prototypes, bad budget, no title, a second open vote", async () => {
    const sprintId = await insertSprint(app, { workspaceId, createdBy: owner.id, participantIds: [ben.id] });
    const open = async (fields: Record<string, string>) => {
      const res = await post(facilitator, sprintId, { intent: "open", subject: "ideas", title: "Vote", budget: "3", ...fields });
      return { status: res.status, body: await res.json() };
    };
    expect(await open({})).toMatchObject({
      status: 400,
      body: { fieldErrors: { subject: "There are no ideas to vote on yet: add some on the ideas board first." } },
    });
    expect(await open({ subject: "prototypes" })).toMatchObject({
      status: 400,
      body: { fieldErrors: { subject: "This sprint has no prototypes in scope to vote on." } },
    });
    expect(await open({ budget: "0" })).toMatchObject({ status: 400, body: { fieldErrors: { budget: "Give each person between 1 and 20 dots." } } });
    expect(await open({ budget: "21" })).toMatchObject({ status: 400, body: { fieldErrors: { budget: "Give each person between 1 and 20 dots." } } });
    expect(await open({ budget: "lots" })).toMatchObject({ status: 400, body: { fieldErrors: { budget: expect.stringContaining("dots") } } });
    expect(await open({ title: "  " })).toMatchObject({ status: 400, body: { fieldErrors: { title: "Give the vote a title." } } });
    expect(await open({ subject: "people" })).toMatchObject({ status: 400, body: { fieldErrors: { subject: "Choose ideas or prototypes to vote on." } } });
    await insertIdeas(app, sprintId, ["An idea"]);
    expect(await open({})).toMatchObject({ status: 200, body: { ok: true } });
    expect(await open({})).toMatchObject({ status: 409, body: { formError: "A vote is already open; close it before opening another." } });
    expect(await app.db.sql`select 1 from sprint_polls where sprint_id = ${sprintId}`).toHaveLength(1);
  });

  it("lets only facilitators open, close and reveal (403 for participants, 404 for non-members)", async () => {
    const { sprintId } = await sprintWithIdeas();
    for (const who of [ana, ben, outsider, watcher]) {
      const res = await post(who, sprintId, { intent: "open", subject: "ideas", title: "Mine", budget: "3" });
      expect(res.status).toBe(403);
      expect((await res.json()).formError).toBe("Only the sprint's facilitators can open, close or reveal votes.");
    }
    const pollId = await openPoll(sprintId);
    for (const intent of ["close", "reveal"]) {
      expect((await post(ana, sprintId, { intent, pollId })).status).toBe(403);
    }
    const stranger = await createUser(app);
    const strangerClient = await loginClient(app, stranger.email);
    expect((await strangerClient.post(pollsPath(sprintId), { intent: "reveal", pollId })).status).toBe(404);
    expect((await strangerClient.get(pollsPath(sprintId))).status).toBe(404);
    expect((await dots(pollId)).length).toBe(0);
    const [row] = await app.db.sql`select closed_at, revealed_at from sprint_polls where id = ${pollId}`;
    expect(row).toEqual({ closed_at: null, revealed_at: null });
    expect((await post(facilitator, sprintId, { intent: "close", pollId })).status).toBe(200);
    expect((await post(facilitator, sprintId, { intent: "reveal", pollId })).status).toBe(200);
  });
});

describe("placing dots", () => {
  it("never lands more dots than the budget, even for 20 parallel requests", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId, { budget: "3" });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => post(ana, sprintId, { intent: "vote", pollId, itemId: ideaIds[i % 3] })));
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = bodies.filter((b) => !b.ok);
    expect(refused).toHaveLength(17);
    for (const b of refused) expect(b.formError).toBe("You have used all 3 of your dots.");
    expect(await dots(pollId)).toHaveLength(3);
    // Ben's budget is his own.
    expect((await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] })).status).toBe(200);
  });

  it("never lands a second dot on one item in a one-per-item vote, even in parallel", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId, { budget: "5", onePerItem: "on" });
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[1] })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    const refusals = (await Promise.all(responses.filter((r) => r.status !== 200).map((r) => r.json()))).map((b) => b.formError);
    expect(new Set(refusals)).toEqual(new Set(["You already put a dot on “Micro-learning nudges”; this vote allows one dot per item."]));
    expect(await dots(pollId)).toEqual([{ voter_id: ben.id, item_id: ideaIds[1], kind: "dot" }]);
    // Other items are still fine.
    expect((await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[2] })).status).toBe(200);
  });

  it("lets people stack dots when allowed and take their own dots back", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId, { budget: "3" });
    for (let i = 0; i < 2; i++) expect((await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] })).status).toBe(200);
    expect((await viewOf(ben, sprintId)).polls[0].myDots).toEqual({ [ideaIds[0]]: 2 });
    expect((await post(ben, sprintId, { intent: "unvote", pollId, itemId: ideaIds[0] })).status).toBe(200);
    expect((await viewOf(ben, sprintId)).polls[0].myDots).toEqual({ [ideaIds[0]]: 1 });
    const none = await post(ben, sprintId, { intent: "unvote", pollId, itemId: ideaIds[1] });
    expect(none.status).toBe(400);
    expect((await none.json()).formError).toBe("You have no dot on that item to take back.");
    // Ana can't take Ben's dot back.
    expect((await post(ana, sprintId, { intent: "unvote", pollId, itemId: ideaIds[0] })).status).toBe(400);
    expect(await dots(pollId)).toEqual([{ voter_id: ben.id, item_id: ideaIds[0], kind: "dot" }]);
  });

  it("votes as the session's user whatever the body says", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId);
    const res = await post(ana, sprintId, { intent: "vote", pollId, itemId: ideaIds[0], userId: ben.id, voterId: ben.id });
    expect(res.status).toBe(200);
    expect(await dots(pollId)).toEqual([{ voter_id: ana.id, item_id: ideaIds[0], kind: "dot" }]);
    expect((await viewOf(ben, sprintId)).polls[0].myDots).toEqual({});
  });

  it("refuses people who don't take part (403), unknown items and votes of other sprints", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId);
    for (const who of [outsider, watcher]) {
      const res = await post(who, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
      expect(res.status).toBe(403);
      expect((await res.json()).formError).toBe("Only the sprint's participants can vote.");
    }
    const unknown = await post(ben, sprintId, { intent: "vote", pollId, itemId: "no-such-idea" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).formError).toBe("That item isn't on this vote's ballot.");
    const other = await sprintWithIdeas();
    const wrongSprint = await post(ben, other.sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
    expect(wrongSprint.status).toBe(404);
    const missing = await post(ben, sprintId, { intent: "vote", pollId, itemId: "" });
    expect(missing.status).toBe(400);
    expect((await missing.json()).fieldErrors.itemId).toBe("Choose an item.");
    const noIntent = await post(ben, sprintId, { intent: "stuff" });
    expect(noIntent.status).toBe(400);
    expect((await noIntent.json()).formError).toBe("That action isn't available here.");
    expect(await dots(pollId)).toEqual([]);
    // Facilitators may vote too.
    expect((await post(facilitator, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] })).status).toBe(200);
  });

  it("refuses dots, taking dots back and supervotes once the vote is closed", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId);
    await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
    expect((await post(owner, sprintId, { intent: "close", pollId })).status).toBe(200);
    for (const [who, intent] of [
      [ben, "vote"],
      [ben, "unvote"],
      [ana, "supervote"],
    ] as const) {
      const res = await post(who, sprintId, { intent, pollId, itemId: ideaIds[0] });
      expect(res.status).toBe(400);
      expect((await res.json()).formError).toBe("This vote is closed; no more dots can be placed or removed.");
    }
    const again = await post(owner, sprintId, { intent: "close", pollId });
    expect((await again.json()).formError).toBe("This vote is already closed.");
    expect(await dots(pollId)).toHaveLength(1);
    expect((await viewOf(ben, sprintId)).polls[0].status).toBe("closed");
  });

  it("lets only the decider cast one supervote per vote, kept apart from the dots", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId);
    for (const who of [ben, owner, facilitator]) {
      const res = await post(who, sprintId, { intent: "supervote", pollId, itemId: ideaIds[0] });
      expect(res.status).toBe(403);
      expect((await res.json()).formError).toBe("Only the sprint's decider can cast a supervote.");
    }
    expect((await post(ana, sprintId, { intent: "supervote", pollId, itemId: ideaIds[0] })).status).toBe(200);
    // Again: it moves, there is still one.
    const both = await Promise.all([ideaIds[1], ideaIds[2]].map((itemId) => post(ana, sprintId, { intent: "supervote", pollId, itemId })));
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const supers = (await dots(pollId)).filter((d) => d.kind === "super");
    expect(supers).toHaveLength(1);
    const view = await viewOf(ana, sprintId);
    expect(view.isDecider).toBe(true);
    expect(view.polls[0].mySupervote).toBe(supers[0].item_id);
    // Supervotes use no dot of the budget.
    expect(view.polls[0].myDots).toEqual({});
    expect((await viewOf(ben, sprintId)).polls[0].mySupervote).toBeNull();
  });
});

describe("live events and ended sprints", () => {
  it("announces polls and votes to the room with ids only, never who voted for what", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const seen: unknown[] = [];
    const stop = app.services.sprintEvents.subscribe(sprintId, (e) => seen.push(e));
    try {
      const pollId = await openPoll(sprintId);
      await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
      await post(ana, sprintId, { intent: "supervote", pollId, itemId: ideaIds[1] });
      await post(owner, sprintId, { intent: "reveal", pollId });
      expect(seen).toEqual([
        { sprintId, kind: "poll" },
        { sprintId, kind: "vote" },
        { sprintId, kind: "vote" },
        { sprintId, kind: "poll" },
      ]);
    } finally {
      stop?.();
    }
  });

  it("refuses new votes and dots once the sprint has ended, but still lets the facilitator reveal", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId);
    await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
    await app.db.sql`update sprints set ended_at = now() where id = ${sprintId}`;
    const dot = await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[1] });
    expect(dot.status).toBe(400);
    expect((await dot.json()).formError).toBe("This sprint has ended.");
    const open = await post(owner, sprintId, { intent: "open", subject: "ideas", title: "Another", budget: "3" });
    expect((await open.json()).formError).toBe("This sprint has ended.");
    expect((await viewOf(ben, sprintId)).canVote).toBe(false);
    expect((await post(owner, sprintId, { intent: "reveal", pollId })).status).toBe(200);
    expect((await viewOf(ben, sprintId)).polls[0].results?.ranking[0]).toMatchObject({ id: ideaIds[0], dots: 1 });
  });
});

describe("privacy until the reveal", () => {
  it("shows nobody, not even the facilitator, anything but their own dots and the total", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId, { budget: "3" });
    await post(ana, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
    await post(ana, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
    await post(ana, sprintId, { intent: "supervote", pollId, itemId: ideaIds[0] });
    await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[1] });
    const raw = async (who: Person) => (await who.client.get(pollsPath(sprintId))).text();
    const before = { owner: await raw(owner), ben: await raw(ben), facilitator: await raw(facilitator) };

    // Ana moves her dots and her supervote elsewhere: what others receive must not change at all.
    await post(ana, sprintId, { intent: "unvote", pollId, itemId: ideaIds[0] });
    await post(ana, sprintId, { intent: "unvote", pollId, itemId: ideaIds[0] });
    await post(ana, sprintId, { intent: "vote", pollId, itemId: ideaIds[2] });
    await post(ana, sprintId, { intent: "vote", pollId, itemId: ideaIds[1] });
    await post(ana, sprintId, { intent: "supervote", pollId, itemId: ideaIds[2] });
    expect({ owner: await raw(owner), ben: await raw(ben), facilitator: await raw(facilitator) }).toEqual(before);
    for (const text of Object.values(before)) expect(text).not.toContain(ana.id);

    const benView = JSON.parse(before.ben) as VotesView;
    expect(benView.polls[0]).toMatchObject({ results: null, myDots: { [ideaIds[1]]: 1 }, mySupervote: null, dotsCast: 3 });
    const ownerView = JSON.parse(before.owner) as VotesView;
    expect(ownerView.polls[0]).toMatchObject({ results: null, myDots: {}, dotsCast: 3 });

    // Closing alone reveals nothing either.
    await post(owner, sprintId, { intent: "close", pollId });
    expect((await viewOf(facilitator, sprintId)).polls[0].results).toBeNull();
    // Nor do the summary page and its export.
    const page = await pageText(await ben.client.get(`/w/${workspaceId}/sprints/${sprintId}/summary`));
    const md = await (await ben.client.get(`/w/${workspaceId}/sprints/${sprintId}/summary.md`)).text();
    for (const text of [page, md]) {
      expect(text).not.toContain("Which ideas should we prototype?");
      expect(text).not.toContain("Micro-learning nudges");
    }
  });

  it("after the reveal everyone sees the same ranking, ties marked and the supervote apart", async () => {
    const { sprintId, ideaIds } = await sprintWithIdeas();
    const pollId = await openPoll(sprintId, { budget: "3" });
    // Peer coaching 2, Micro-learning 2, Shadow 1; Ana's supervote on Shadow.
    for (const [who, item] of [
      [ana, 0],
      [ana, 1],
      [ana, 2],
      [ben, 0],
      [ben, 1],
    ] as const)
      expect((await post(who, sprintId, { intent: "vote", pollId, itemId: ideaIds[item] })).status).toBe(200);
    await post(ana, sprintId, { intent: "supervote", pollId, itemId: ideaIds[2] });
    expect((await post(facilitator, sprintId, { intent: "reveal", pollId })).status).toBe(200);

    const results = await Promise.all([owner, facilitator, ana, ben, outsider, watcher].map(async (who) => (await viewOf(who, sprintId)).polls[0].results));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[0]).toEqual({
      ranking: [
        { id: ideaIds[0], label: "Peer coaching circles", dots: 2, rank: 1, tied: true },
        { id: ideaIds[1], label: "Micro-learning nudges", dots: 2, rank: 1, tied: true },
        { id: ideaIds[2], label: "Shadow a senior", dots: 1, rank: 3, tied: false },
      ],
      winners: [
        { id: ideaIds[0], label: "Peer coaching circles" },
        { id: ideaIds[1], label: "Micro-learning nudges" },
      ],
      supervote: { id: ideaIds[2], label: "Shadow a senior" },
      dotsCast: 5,
      voters: 2,
    });
    const [poll] = (await viewOf(ben, sprintId)).polls;
    expect(poll.status).toBe("revealed");
    const again = await post(facilitator, sprintId, { intent: "reveal", pollId });
    expect((await again.json()).formError).toBe("This vote is already revealed.");
  });
});

describe("the sprint summary", () => {
  it("shows and exports revealed rankings, decisions and prototypes made from ideas, nothing of unrevealed votes", async () => {
    const scope = await createPrototype(app, workspaceId, { title: "Buddy <program>" });
    const sprintId = await insertSprint(app, {
      workspaceId,
      createdBy: owner.id,
      name: "Onboarding *sprint*",
      challenge: "New hires take # months to ramp up",
      goal: "Ramp-up in 6 weeks",
      participantIds: [ana.id, ben.id],
      deciderId: ana.id,
      prototypeIds: [scope.id],
    });
    const ideaIds = await insertIdeas(app, sprintId, ["Peer | coaching", "Micro-learning nudges"]);
    const pollId = await openPoll(sprintId, { title: "Round one" });
    await post(ana, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
    await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[0] });
    await post(ben, sprintId, { intent: "vote", pollId, itemId: ideaIds[1] });
    await post(ana, sprintId, { intent: "supervote", pollId, itemId: ideaIds[1] });
    await post(owner, sprintId, { intent: "reveal", pollId });
    const hidden = await openPoll(sprintId, { title: "Secret round two" });
    await post(ana, sprintId, { intent: "vote", pollId: hidden, itemId: ideaIds[1] });

    await app.services.decisions.record({ workspaceId, prototypeId: scope.id, userId: owner.id, kind: "approve_pilot", note: "Go ahead" });
    const made = await createPrototype(app, workspaceId, { title: "Coaching circles pilot" });
    await app.db.sql`insert into sprint_outputs (sprint_id, idea_id, prototype_id, created_by) values (${sprintId}, ${ideaIds[0]}, ${made.id}, ${ana.id})`;
    await app.db.sql`
      insert into experiment_cards (prototype_id, card_id, workspace_id, name, status, rank, hypothesis, test, metric, criterion, believed, observed, learned, therefore, started_at)
      values (${made.id}, 'card-started-1', ${workspaceId}, 'Circle attendance', 'running', 'a', '', '', '', '', '', '', '', '', now()),
             (${made.id}, 'card-planned-1', ${workspaceId}, 'Only planned', 'planned', 'b', '', '', '', '', '', '', '', '', null)`;

    // Any member may read it, even one who doesn't take part.
    const res = await watcher.client.get(`/w/${workspaceId}/sprints/${sprintId}/summary`);
    expect(res.status).toBe(200);
    const page = await pageText(res);
    for (const text of [
      "Onboarding *sprint*",
      "New hires take # months to ramp up",
      "Ramp-up in 6 weeks",
      "Round one",
      "Peer | coaching",
      "Decider’s supervote",
      "Approve for pilot",
      "Go ahead",
      "Coaching circles pilot",
      "Circle attendance",
    ]) {
      expect(page).toContain(text);
    }
    expect(page).not.toContain("Secret round two");
    expect(page).not.toContain("Only planned");

    const mdRes = await watcher.client.get(`/w/${workspaceId}/sprints/${sprintId}/summary.md`);
    expect(mdRes.status).toBe(200);
    expect(mdRes.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(mdRes.headers.get("content-disposition")).toMatch(/^attachment; filename="onboarding-sprint-summary\.md"$/);
    const md = await mdRes.text();
    expect(md).toContain("# Sprint summary: Onboarding \\*sprint\\*");
    expect(md).toContain("\\# months");
    expect(md).toContain("| 1 | Peer \\| coaching | 2 |");
    expect(md).toContain("| 2 | Micro\\-learning nudges | 1 |");
    expect(md).toContain("Supervote: Micro\\-learning nudges");
    expect(md).toContain("Approve for pilot on Buddy \\<program\\>");
    expect(md).toContain("Coaching circles pilot (idea), from the idea “Peer \\| coaching”");
    expect(md).toContain("Experiment: Circle attendance — running");
    expect(md).not.toContain("Secret round two");
    expect(md).not.toContain("Only planned");

    const stranger = await createUser(app);
    expect((await (await loginClient(app, stranger.email)).get(`/w/${workspaceId}/sprints/${sprintId}/summary.md`)).status).toBe(404);
  });
});
