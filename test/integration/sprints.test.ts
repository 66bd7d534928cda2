/**
 * Innovation sprints over HTTP, the services and the collaboration server: creating a sprint (and
 * its refusals), the server-authoritative timer, facilitator-only controls, ideas turned into
 * prototypes from the stored document, and the ideas lock acting on live connections.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { pageText, type HttpClient } from "../helpers/http.js";
import { createPrototype, createUser, createWorkspace, loginClient, memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, synced, type CollabClient } from "../helpers/collab.js";
import { insertIdeas } from "../helpers/sprints.js";
import { upgradeStatus } from "../collab/support.js";
import { CloseCode } from "../../server/collab/constants.js";
import { loadDocumentState } from "../../server/collab/updateLog.js";
import { sprintDocName } from "../../app/lib/editor/docName.js";
import { addIdea, readIdea, readIdeas } from "../../app/lib/sprints/ideas.js";
import { remaining, type TimerState } from "../../app/lib/sprints/timer.js";
import { DEFAULT_PHASES } from "../../app/lib/sprints/phases.js";

let app: TestServer;
const open: CollabClient[] = [];

interface Person {
  user: { id: string; name: string; email: string };
  client: HttpClient;
}
let ws: { id: string };
let owner: Person;
let facilitator: Person;
/** Participants: an editor and a commenter. */
let editor: Person;
let commenter: Person;
let viewer: Person;
/** An editor of the workspace who is not a participant. */
let bystander: Person;
let scope: { id: string }[];

beforeAll(async () => {
  app = await startTestServer();
  const ownerUser = await createUser(app);
  ws = await createWorkspace(app, ownerUser.id);
  owner = { user: ownerUser, client: await loginClient(app, ownerUser.email) };
  facilitator = await memberClient(app, ws.id, "facilitator");
  editor = await memberClient(app, ws.id, "editor");
  commenter = await memberClient(app, ws.id, "commenter");
  viewer = await memberClient(app, ws.id, "viewer");
  bystander = await memberClient(app, ws.id, "editor");
  scope = [await createPrototype(app, ws.id, { title: "Peer coaching circles" }), await createPrototype(app, ws.id, { title: "Shadow a 1:1" })];
});
afterAll(async () => {
  for (const c of open) c.destroy();
  await app?.close();
});

const roomPath = (sprintId: string) => `/w/${ws.id}/sprints/${sprintId}`;

/** The room's state as JSON, as a late joiner or a reload reads it (the page's loader reads the same). */
async function roomData(person: Person, sprintId: string) {
  const res = await person.client.get(`${roomPath(sprintId)}/state`);
  expect(res.status).toBe(200);
  return (await res.json()) as { room: { timer: TimerState; serverNow: number; currentPhase: number; ideasLocked: boolean; access: { canWriteIdeas: boolean } } };
}

/** What a browser shows from a loader answer: the remaining time at the server's clock. */
const shown = (data: { room: { timer: TimerState; serverNow: number } }) => remaining(data.room.timer, data.room.serverNow);

async function newSprint(participants: Person[] = [editor, commenter], name = `Sprint ${Math.random().toString(36).slice(2, 8)}`) {
  return app.services.sprints.create({
    workspaceId: ws.id,
    userId: facilitator.user.id,
    input: { name, challenge: "How might we…", goal: "Three ideas to test", prototypeIds: scope.map((p) => p.id), participantIds: participants.map((p) => p.user.id) },
  });
}

const control = (person: Person, sprintId: string, form: Record<string, string>) => person.client.post(`${roomPath(sprintId)}/state`, form);

const sprintRow = async (id: string) =>
  (await app.db.sql`select current_phase, ideas_locked, decider_id, gather_seq, timer_duration_ms, timer_used_ms, timer_running_since, ended_at from sprints where id = ${id}`)[0];

describe("creating a sprint", () => {
  it("a facilitator creates one through the form, with scope, participants and edited phases", async () => {
    const form = new URLSearchParams({ name: "  Onboarding sprint  ", challenge: "How might new managers give feedback sooner?", goal: "Two pilots" });
    for (const p of scope) form.append("prototypeId", p.id);
    form.append("participantId", editor.user.id);
    form.append("participantId", commenter.user.id);
    for (const [name, kind, minutes] of [["Warm-up", "understand", "5"], ["Ideas", "diverge", "12"], ["Vote", "decide", "8"]]) {
      form.append("phaseName", name);
      form.append("phaseKind", kind);
      form.append("phaseMinutes", minutes);
      form.append("phaseInstructions", `Do ${name}`);
    }
    const res = await facilitator.client.request(`/w/${ws.id}/sprints/new`, { method: "POST", body: form });
    expect(res.status).toBe(302);
    const sprintId = res.headers.get("location")!.split("/").pop()!;
    const [sprint] = await app.db.sql`select name, challenge, goal, created_by, timer_duration_ms::int as duration from sprints where id = ${sprintId}`;
    expect(sprint).toMatchObject({ name: "Onboarding sprint", goal: "Two pilots", created_by: facilitator.user.id, duration: 5 * 60_000 });
    const phases = await app.db.sql`select position, name, kind, duration_seconds, instructions from sprint_phases where sprint_id = ${sprintId} order by position`;
    expect(phases.map((p) => [p.name, p.kind, p.duration_seconds])).toEqual([["Warm-up", "understand", 300], ["Ideas", "diverge", 720], ["Vote", "decide", 480]]);
    const participants = await app.db.sql`select user_id from sprint_participants where sprint_id = ${sprintId}`;
    expect(participants.map((p) => p.user_id).sort()).toEqual([editor.user.id, commenter.user.id].sort());
    expect((await app.db.sql`select 1 from sprint_prototypes where sprint_id = ${sprintId}`).length).toBe(2);

    // It shows in the workspace's list, and the room opens for a participant.
    expect(await pageText(await editor.client.get(`/w/${ws.id}/sprints`))).toContain("Onboarding sprint");
    const room = await pageText(await editor.client.get(roomPath(sprintId)));
    expect(room).toContain("Phase 1 of 3: Warm-up");
    expect(room).toContain("How might new managers give feedback sooner?");
  });

  it("defaults to the design-sprint phases", async () => {
    const { id } = await newSprint();
    const phases = await app.db.sql`select name, kind, duration_seconds from sprint_phases where sprint_id = ${id} order by position`;
    expect(phases.map((p) => p.kind)).toEqual(DEFAULT_PHASES.map((p) => p.kind));
  });

  it("explains bad input and creates nothing", async () => {
    const [{ n: before }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from sprints`;
    const post = (fields: Record<string, string | string[]>) => {
      const form = new URLSearchParams();
      const all = { name: "Valid", phaseName: "Map", phaseKind: "understand", phaseMinutes: "10", phaseInstructions: "", ...fields };
      for (const [k, v] of Object.entries(all)) for (const value of Array.isArray(v) ? v : [v]) form.append(k, value);
      return facilitator.client.request(`/w/${ws.id}/sprints/new`, { method: "POST", body: form });
    };
    const archived = await createPrototype(app, ws.id);
    await app.services.prototypes.setArchived({ workspaceId: ws.id, prototypeId: archived.id, archived: true });
    const otherOwner = await createUser(app);
    const otherWs = await createWorkspace(app, otherOwner.id);
    const foreign = await createPrototype(app, otherWs.id);
    const cases: [Record<string, string | string[]>, string][] = [
      [{ name: "   " }, "Name is required."],
      [{ name: "x".repeat(201) }, "Name must be at most 200 characters."],
      [{ challenge: "x".repeat(2001) }, "Challenge must be at most 2000 characters."],
      [{ prototypeId: archived.id }, "Choose prototypes of this workspace that are not archived."],
      [{ prototypeId: foreign.id }, "Choose prototypes of this workspace that are not archived."],
      [{ prototypeId: "not-a-uuid" }, "Choose prototypes of this workspace that are not archived."],
      [{ participantId: otherOwner.id }, "Choose participants who are members of this workspace."],
      [{ phaseMinutes: "0" }, "Phase 1 lasts 1 to 480 whole minutes."],
      [{ phaseName: "  " }, "Phase 1 needs a name."],
      [{ phaseKind: "party" }, "Choose what phase 1 is for."],
      [{ phaseName: [], phaseKind: [], phaseMinutes: [], phaseInstructions: [] }, "Add at least one phase."],
    ];
    for (const [fields, message] of cases) {
      const res = await post(fields);
      expect(res.status, message).toBe(400);
      expect(await pageText(res)).toContain(message);
    }
    const [{ n: after }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from sprints`;
    expect(after).toBe(before);
  });

  it("only facilitators and owners may create one (403, nothing created)", async () => {
    for (const person of [editor, commenter, viewer]) {
      expect((await person.client.get(`/w/${ws.id}/sprints/new`)).status).toBe(403);
      const res = await person.client.post(`/w/${ws.id}/sprints/new`, { name: "Sneaky", phaseName: "Map", phaseKind: "understand", phaseMinutes: "5", phaseInstructions: "" });
      expect(res.status).toBe(403);
    }
    expect((await app.db.sql`select 1 from sprints where name = 'Sneaky'`).length).toBe(0);
    await expect(app.services.sprints.create({ workspaceId: ws.id, userId: editor.user.id, input: { name: "Sneaky", challenge: "", goal: "", prototypeIds: [], participantIds: [] } })).rejects.toMatchObject({ code: "forbidden" });
    // The list offers "New sprint" to facilitators only.
    expect(await pageText(await owner.client.get(`/w/${ws.id}/sprints`))).toContain("New sprint");
    expect(await pageText(await editor.client.get(`/w/${ws.id}/sprints`))).not.toContain("New sprint");
  });
});

describe("the shared timer", () => {
  it("every reader computes the same remaining time, across start, pause, extend, reload and late joins", async () => {
    const { id } = await newSprint();
    const phaseMs = DEFAULT_PHASES[0].durationSeconds * 1000;
    // Paused at the phase's duration: everyone sees the full time, whenever they look.
    expect(shown(await roomData(editor, id))).toBe(phaseMs);

    expect((await control(facilitator, id, { intent: "timer", op: "start" })).status).toBe(200);
    const early = await roomData(editor, id);
    await new Promise((r) => setTimeout(r, 400));
    const late = await roomData(commenter, id); // joins later, another person
    // Both answers describe one clock: the difference is exactly the server time between them.
    expect(late.room.timer).toEqual(early.room.timer);
    expect(shown(early) - shown(late)).toBeCloseTo(late.room.serverNow - early.room.serverNow, 0);
    expect(shown(late)).toBeLessThanOrEqual(phaseMs - 350);

    expect((await control(facilitator, id, { intent: "timer", op: "pause" })).status).toBe(200);
    const paused = await roomData(editor, id);
    const used = paused.room.timer.usedMs;
    expect(used).toBeGreaterThanOrEqual(400);
    expect(used).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 200));
    // A reload (or reconnect) later shows the same frozen time.
    expect(shown(await roomData(commenter, id))).toBe(phaseMs - used);

    expect((await control(facilitator, id, { intent: "timer", op: "extend", minutes: "5" })).status).toBe(200);
    const extended = await roomData(editor, id);
    expect(extended.room.timer).toMatchObject({ durationMs: phaseMs + 5 * 60_000, usedMs: used, runningSince: null });
    expect(shown(extended)).toBe(phaseMs + 5 * 60_000 - used);

    // Extending a running timer keeps it running and carries the time run so far.
    await control(facilitator, id, { intent: "timer", op: "start" });
    await new Promise((r) => setTimeout(r, 150));
    await control(facilitator, id, { intent: "timer", op: "extend", minutes: "1" });
    const running = await roomData(viewer, id);
    expect(running.room.timer.runningSince).not.toBeNull();
    expect(running.room.timer.usedMs).toBeGreaterThan(used);
    expect(running.room.timer.durationMs).toBe(phaseMs + 6 * 60_000);

    expect((await control(facilitator, id, { intent: "timer", op: "reset" })).status).toBe(200);
    expect((await roomData(editor, id)).room.timer).toEqual({ durationMs: phaseMs, usedMs: 0, runningSince: null });
  });

  it("changing phase moves everyone and resets the timer to that phase's duration, paused", async () => {
    const { id } = await newSprint();
    await control(facilitator, id, { intent: "timer", op: "start" });
    expect((await control(facilitator, id, { intent: "phase", position: "1" })).status).toBe(200);
    const data = await roomData(commenter, id);
    expect(data.room.currentPhase).toBe(1);
    expect(data.room.timer).toEqual({ durationMs: DEFAULT_PHASES[1].durationSeconds * 1000, usedMs: 0, runningSince: null });
    expect((await control(facilitator, id, { intent: "phase", position: "0" })).status).toBe(200);
    expect((await roomData(commenter, id)).room.currentPhase).toBe(0);
  });

  it("Start on a timer that ran out starts it again from the phase's full duration", async () => {
    const { id } = await newSprint();
    const phaseMs = DEFAULT_PHASES[0].durationSeconds * 1000;
    // Extended, started, and run out an hour ago (as if the room had been left running).
    await control(facilitator, id, { intent: "timer", op: "extend", minutes: "5" });
    await app.db.sql`update sprints set timer_running_since = now() - interval '1 hour' where id = ${id}`;
    const out = await roomData(editor, id);
    expect(shown(out)).toBe(0);

    expect((await control(facilitator, id, { intent: "timer", op: "start" })).status).toBe(200);
    const restarted = await roomData(editor, id);
    expect(restarted.room.timer).toMatchObject({ durationMs: phaseMs, usedMs: 0 });
    expect(restarted.room.timer.runningSince).not.toBeNull();
    expect(shown(restarted)).toBeGreaterThan(phaseMs - 5000);
    expect(shown(restarted)).toBeLessThanOrEqual(phaseMs);

    // Paused at zero: the same.
    await app.db.sql`update sprints set timer_used_ms = timer_duration_ms, timer_running_since = null where id = ${id}`;
    expect(shown(await roomData(editor, id))).toBe(0);
    expect((await control(facilitator, id, { intent: "timer", op: "start" })).status).toBe(200);
    expect(shown(await roomData(editor, id))).toBeGreaterThan(phaseMs - 5000);
  });

  it("refuses out-of-range phases and extensions with a clear message", async () => {
    const { id } = await newSprint();
    const before = await sprintRow(id);
    const cases: [Record<string, string>, string][] = [
      [{ intent: "phase", position: "5" }, "There is no such phase in this sprint."],
      [{ intent: "phase", position: "-1" }, "There is no such phase in this sprint."],
      [{ intent: "phase", position: "one" }, "There is no such phase in this sprint."],
      [{ intent: "timer", op: "extend", minutes: "0" }, "Add 1 to 60 whole minutes."],
      [{ intent: "timer", op: "extend", minutes: "61" }, "Add 1 to 60 whole minutes."],
      [{ intent: "timer", op: "extend", minutes: "1.5" }, "Add 1 to 60 whole minutes."],
      [{ intent: "timer", op: "explode" }, "Choose start, pause, extend or reset."],
      [{ intent: "decider", deciderId: bystander.user.id }, "Choose the decider among the sprint's participants."],
      [{ intent: "nonsense" }, "Unknown action."],
    ];
    for (const [form, message] of cases) {
      const res = await control(facilitator, id, form);
      expect(res.status, message).toBe(400);
      expect(((await res.json()) as { formError: string }).formError).toContain(message);
    }
    // Past a day in total.
    await app.db.sql`update sprints set timer_duration_ms = ${86_400_000 - 60_000} where id = ${id}`;
    const res = await control(facilitator, id, { intent: "timer", op: "extend", minutes: "2" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { formError: string }).formError).toBe("A timer can't run longer than a day.");
    await app.db.sql`update sprints set timer_duration_ms = ${before.timer_duration_ms} where id = ${id}`;
    expect(await sprintRow(id)).toEqual(before);
  });
});

describe("facilitator controls", () => {
  it("non-facilitators get a 403 for every control and nothing changes", async () => {
    const { id } = await newSprint();
    const before = await sprintRow(id);
    const forms: Record<string, string>[] = [
      { intent: "phase", position: "1" },
      { intent: "timer", op: "start" },
      { intent: "timer", op: "extend", minutes: "5" },
      { intent: "timer", op: "reset" },
      { intent: "lock" },
      { intent: "decider", deciderId: editor.user.id },
      { intent: "gather" },
      { intent: "end" },
    ];
    for (const person of [editor, commenter, viewer, bystander]) {
      for (const form of forms) expect((await control(person, id, form)).status, `${person.user.name} ${JSON.stringify(form)}`).toBe(403);
    }
    expect(await sprintRow(id)).toEqual(before);
    // A stranger to the workspace learns nothing.
    const stranger = await createUser(app);
    const strangerClient = await loginClient(app, stranger.email);
    expect((await strangerClient.post(`${roomPath(id)}/state`, { intent: "timer", op: "start" })).status).toBe(404);
    expect((await strangerClient.get(`${roomPath(id)}/state`)).status).toBe(404);
    expect((await strangerClient.get(roomPath(id))).status).toBe(404);
  });

  it("decider, gather and end work, announce themselves to the room's event stream, and an ended sprint takes no more controls", async () => {
    const { id } = await newSprint();
    const events: string[] = [];
    const controller = new AbortController();
    const stream = await editor.client.get(`${roomPath(id)}/events`, { signal: controller.signal });
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const reader = stream.body!.getReader();
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          for (const m of decoder.decode(value).matchAll(/^event: (\w+)$/gm)) events.push(m[1]);
        }
      } catch {
        // Aborted at the end of the test.
      }
    })();

    expect((await control(facilitator, id, { intent: "decider", deciderId: commenter.user.id })).status).toBe(200);
    expect((await control(facilitator, id, { intent: "gather" })).status).toBe(200);
    expect((await control(facilitator, id, { intent: "phase", position: "2" })).status).toBe(200);
    await eventually(() => ["sprint", "gather", "phase"].every((k) => events.includes(k)), "sprint, gather and phase events");
    let row = await sprintRow(id);
    expect(row).toMatchObject({ decider_id: commenter.user.id, gather_seq: 1, current_phase: 2 });

    await control(facilitator, id, { intent: "timer", op: "start" });
    expect((await control(owner, id, { intent: "end" })).status).toBe(200);
    row = await sprintRow(id);
    expect(row.ended_at).not.toBeNull();
    expect(row.timer_running_since).toBeNull();
    const res = await control(facilitator, id, { intent: "timer", op: "start" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { formError: string }).formError).toBe("This sprint has ended.");
    controller.abort();
  });
});

/** Connects `person` to the sprint's ideas document and waits for the first sync. */
/** Reads the first event of a room's event stream: its name and data. */
async function firstEvent(person: Person, sprintId: string): Promise<{ name: string; data: unknown }> {
  const controller = new AbortController();
  const stream = await person.client.get(`${roomPath(sprintId)}/events`, { signal: controller.signal });
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const match = /^event: (\w+)\ndata: (.*)$/m.exec(text);
      if (match) return { name: match[1], data: JSON.parse(match[2]) };
      const { value, done } = await reader.read();
      if (done) throw new Error(`The stream ended before its first event: ${JSON.stringify(text)}`);
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    controller.abort();
  }
}

describe("the room's version", () => {
  it("the event stream starts with the room's current version, which every stored change of the sprint moves", async () => {
    const { id } = await newSprint();
    const actor = { sprintId: id, workspaceId: ws.id, userId: facilitator.user.id };
    const loaded = ((await roomData(editor, id)) as unknown as { version: string }).version;
    expect(loaded).toMatch(/^[0-9a-f]{32}$/);
    expect(await firstEvent(editor, id)).toEqual({ name: "version", data: { id, version: loaded } });

    // A change between a page's load and its stream's opening: the stream's first event tells.
    expect((await control(facilitator, id, { intent: "timer", op: "start" })).status).toBe(200);
    const after = await firstEvent(editor, id);
    expect(after.name).toBe("version");
    expect((after.data as { version: string }).version).not.toBe(loaded);
    expect(((await roomData(editor, id)) as unknown as { version: string }).version).toBe((after.data as { version: string }).version);

    // Every kind of stored change moves it: phase, timer, gather, lock, decider, polls, dots, outputs.
    const { sprints, sprintVotes } = app.services;
    const [ideaId] = await insertIdeas(app, id, ["Buddy lunches"]);
    const changes: [string, () => Promise<unknown>][] = [
      ["phase", () => sprints.goToPhase(actor, 1)],
      ["timer start", () => sprints.timerStart(actor)],
      ["timer pause", () => sprints.timerPause(actor)],
      ["timer extend", () => sprints.timerExtend(actor, 2)],
      ["gather", () => sprints.gather(actor)],
      ["lock", () => sprints.setIdeasLocked(actor, true)],
      ["decider", () => sprints.setDecider(actor, editor.user.id)],
      ["poll", () => sprintVotes.open({ ...actor, subject: "ideas", title: "Which?", budget: 2, onePerItem: false })],
      ["dot", async () => sprintVotes.vote({ ...actor, userId: editor.user.id, pollId: await openPoll(id), itemId: ideaId })],
      ["dot taken back", async () => sprintVotes.unvote({ ...actor, userId: editor.user.id, pollId: await openPoll(id), itemId: ideaId })],
      ["output", () => sprints.ideaToPrototype(actor, ideaId)],
    ];
    // A fingerprint of the stored state: it differs after each change (it would only come back to an
    // earlier value with the state itself, where the page's data is current again).
    let previous = await sprints.version(id);
    for (const [what, change] of changes) {
      await change();
      const version = await sprints.version(id);
      expect(version, `${what} moves the version`).not.toBe(previous);
      previous = version;
    }
    expect(await sprints.version("00000000-0000-0000-0000-000000000000")).toBeNull();
  });
});

/** The sprint's open poll. */
const openPoll = async (sprintId: string) =>
  (await app.db.sql<{ id: string }[]>`select id from sprint_polls where sprint_id = ${sprintId} and closed_at is null`)[0].id;

async function ideasClient(person: Person, sprintId: string) {
  const c = connectProvider(app, person.client, sprintDocName(sprintId));
  open.push(c);
  await synced(c.provider);
  return c;
}

const serverIdeas = (sprintId: string) => {
  const doc = app.collab.registry.loaded(sprintDocName(sprintId))?.doc;
  return doc ? readIdeas(doc).map((i) => i.text) : [];
};

/** Closes the server sent a provider. */
function closeCodes(c: CollabClient) {
  const codes: number[] = [];
  c.provider.on("connection-close", (event: CloseEvent | null) => {
    if (event) codes.push(event.code);
  });
  return codes;
}

describe("ideas", () => {
  it("a participant's idea becomes a prototype read from the stored document, once", async () => {
    const { id } = await newSprint();
    const c = await ideasClient(editor, id);
    const ideaId = addIdea(c.doc, { text: "Buddy lunches for new managers\nPair each new manager with a peer for four lunches.", author: { id: editor.user.id, name: editor.user.name } });
    // Durable before broadcast: once another client has it, it is in the log.
    await eventually(async () => {
      const state = await loadDocumentState(app.db.sql, sprintDocName(id));
      const doc = new Y.Doc();
      if (state.update) Y.applyUpdate(doc, state.update);
      return readIdea(doc, ideaId) !== null;
    }, "idea stored");

    const res = await control(commenter, id, { intent: "makePrototype", ideaId });
    // A commenter takes part but may not create prototypes.
    expect(res.status).toBe(403);

    const made = await control(editor, id, { intent: "makePrototype", ideaId });
    expect(made.status).toBe(200);
    const body = (await made.json()) as { ok: boolean; prototypeId: string; created: boolean };
    expect(body).toMatchObject({ ok: true, created: true });
    const [prototype] = await app.db.sql`select title, stage, owner_id, workspace_id, doc_text from prototypes where id = ${body.prototypeId}`;
    expect(prototype).toMatchObject({ title: "Buddy lunches for new managers", stage: "idea", owner_id: editor.user.id, workspace_id: ws.id });
    expect(prototype.doc_text).toContain("Pair each new manager with a peer for four lunches.");
    expect((await app.db.sql`select created_by from sprint_outputs where sprint_id = ${id} and idea_id = ${ideaId}`)[0]).toEqual({ created_by: editor.user.id });
    expect((await app.db.sql`select 1 from sprint_prototypes where sprint_id = ${id} and prototype_id = ${body.prototypeId}`).length).toBe(1);

    // Again (and twice at once): the same prototype, no new one.
    const [{ n: before }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from prototypes where workspace_id = ${ws.id}`;
    const again = await Promise.all([control(editor, id, { intent: "makePrototype", ideaId }), control(facilitator, id, { intent: "makePrototype", ideaId })]);
    for (const r of again) expect(await r.json()).toMatchObject({ ok: true, created: false, prototypeId: body.prototypeId });
    const [{ n: after }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from prototypes where workspace_id = ${ws.id}`;
    expect(after).toBe(before);
    // The room lists it.
    expect(await pageText(await viewer.client.get(roomPath(id)))).toContain("Buddy lunches for new managers");
  });

  it("refuses unknown or empty ideas, and viewers", async () => {
    const { id } = await newSprint();
    const c = await ideasClient(editor, id);
    const empty = addIdea(c.doc, { text: "   ", author: { id: editor.user.id, name: editor.user.name } });
    await eventually(() => serverIdeas(id).length === 1, "empty idea on the server");
    await app.collab.updateLog.flush();
    for (const [ideaId, message] of [
      ["nope", "That idea doesn't exist (any more)."],
      ["../../etc", "That idea doesn't exist."],
      [empty, "Write the idea before turning it into a prototype."],
    ]) {
      const res = await control(editor, id, { intent: "makePrototype", ideaId });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { formError: string }).formError).toBe(message);
    }
    expect((await control(viewer, id, { intent: "makePrototype", ideaId: empty })).status).toBe(403);
    expect((await app.db.sql`select 1 from sprint_outputs where sprint_id = ${id}`).length).toBe(0);
  });

  it("viewers and non-participants read the board but cannot write; strangers cannot open it", async () => {
    const { id } = await newSprint();
    const writer = await ideasClient(commenter, id);
    const watcher = await ideasClient(viewer, id);
    const outsider = await ideasClient(bystander, id);
    addIdea(watcher.doc, { text: "from a viewer", author: { id: viewer.user.id, name: "v" } });
    addIdea(outsider.doc, { text: "from a non-participant", author: { id: bystander.user.id, name: "b" } });
    addIdea(writer.doc, { text: "from a participant", author: { id: commenter.user.id, name: "c" } });
    await eventually(() => serverIdeas(id).includes("from a participant"), "participant's idea applied");
    // Readers receive it too.
    await eventually(() => readIdeas(watcher.doc).some((i) => i.text === "from a participant"), "viewer sees the idea");
    expect(serverIdeas(id)).toEqual(["from a participant"]);
    expect((await roomData(viewer, id)).room.access.canWriteIdeas).toBe(false);
    expect((await roomData(bystander, id)).room.access.canWriteIdeas).toBe(false);

    const stranger = await createUser(app);
    const strangerClient = await loginClient(app, stranger.email);
    expect(await upgradeStatus(app, `/collab/${sprintDocName(id)}`, { cookie: strangerClient.cookieHeader, origin: app.url })).toBe(404);
    expect(await upgradeStatus(app, `/collab/${sprintDocName(crypto.randomUUID())}`, { cookie: editor.client.cookieHeader, origin: app.url })).toBe(404);
  });

  it("locking the ideas turns participants' open connections read-only at once; unlocking restores them", async () => {
    const { id } = await newSprint();
    const participant = await ideasClient(editor, id);
    const codes = closeCodes(participant);
    const host = await ideasClient(facilitator, id);
    addIdea(participant.doc, { text: "before the lock", author: { id: editor.user.id, name: "e" } });
    await eventually(() => serverIdeas(id).includes("before the lock"), "first idea applied");

    expect((await control(facilitator, id, { intent: "lock" })).status).toBe(200);
    await eventually(() => codes.includes(CloseCode.AccessChanged), "participant's connection closed with access-changed");
    await eventually(() => participant.provider.synced, "participant reconnected");
    expect((await roomData(editor, id)).room.access.canWriteIdeas).toBe(false);
    addIdea(participant.doc, { text: "during the lock", author: { id: editor.user.id, name: "e" } });
    // The facilitator still writes; once their later note is applied, the refused one would have been too.
    addIdea(host.doc, { text: "facilitator note", author: { id: facilitator.user.id, name: "f" } });
    await eventually(() => serverIdeas(id).includes("facilitator note"), "facilitator's idea applied");
    expect(serverIdeas(id)).not.toContain("during the lock");

    expect((await control(facilitator, id, { intent: "unlock" })).status).toBe(200);
    await eventually(() => codes.filter((c) => c === CloseCode.AccessChanged).length === 2, "closed again on unlock");
    await eventually(() => participant.provider.synced, "participant reconnected again");
    addIdea(participant.doc, { text: "after the lock", author: { id: editor.user.id, name: "e" } });
    await eventually(() => serverIdeas(id).includes("after the lock"), "participant writes again");
  });

  it("ending the sprint freezes the board for everyone but the record", async () => {
    const { id } = await newSprint();
    const participant = await ideasClient(commenter, id);
    const codes = closeCodes(participant);
    expect((await control(facilitator, id, { intent: "end" })).status).toBe(200);
    await eventually(() => codes.includes(CloseCode.AccessChanged), "closed on end");
    await eventually(() => participant.provider.synced, "reconnected read-only");
    addIdea(participant.doc, { text: "too late", author: { id: commenter.user.id, name: "c" } });
    const host = await ideasClient(facilitator, id);
    addIdea(host.doc, { text: "also too late", author: { id: facilitator.user.id, name: "f" } });
    await new Promise((r) => setTimeout(r, 300));
    await app.collab.updateLog.flush();
    expect(serverIdeas(id)).toEqual([]);
  });
});
