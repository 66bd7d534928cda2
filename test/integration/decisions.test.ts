/**
 * The decision lane: who may decide, what a decision stores (the document version it was made on)
 * and what it changes (approve for pilot → piloting, when the workspace allows it), over the
 * service and over HTTP, with the live event stream of the prototype page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace, loginClient, memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, storedDoc, synced } from "../helpers/collab.js";
import { location, type HttpClient } from "../helpers/http.js";
import { alerts, markup, visibleText } from "../helpers/pages.js";
import { documentText } from "../../server/collab/text.js";
import { prototypeDocName } from "../../app/lib/editor/docName.js";
import { DECISION_NOTE_MAX } from "../../app/lib/decisions.js";

let app: TestServer;
let workspaceId: string;
let owner: { id: string; client: HttpClient };
let commenter: { id: string; client: HttpClient };
let editor: { id: string; client: HttpClient };
let viewer: { id: string; client: HttpClient };

beforeAll(async () => {
  app = await startTestServer();
  const ownerUser = await createUser(app, { name: "Olivia Owner" });
  workspaceId = (await createWorkspace(app, ownerUser.id)).id;
  owner = { id: ownerUser.id, client: await loginClient(app, ownerUser.email) };
  const as = async (role: "commenter" | "editor" | "viewer") => {
    const m = await memberClient(app, workspaceId, role);
    return { id: m.user.id, client: m.client };
  };
  commenter = await as("commenter");
  editor = await as("editor");
  viewer = await as("viewer");
});
afterAll(async () => {
  await app?.close();
});

const decisionRows = (prototypeId: string) =>
  app.db.sql<{ kind: string; note: string; decided_by: string; stage_from: string | null; stage_to: string | null }[]>`
    select kind, note, decided_by, stage_from, stage_to from decisions where prototype_id = ${prototypeId} order by decided_at`;
const stageOf = async (prototypeId: string) => (await app.db.sql<{ stage: string }[]>`select stage from prototypes where id = ${prototypeId}`)[0].stage;
const pagePath = (prototypeId: string) => `/w/${workspaceId}/prototypes/${prototypeId}`;

/** Appends a paragraph as the Tiptap editor would (the XmlFragment Collaboration binds to). */
function appendParagraph(doc: Y.Doc, text: string) {
  const p = new Y.XmlElement("paragraph");
  p.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment("default").push([p]);
}

function textOf(state: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const text = documentText(doc);
  doc.destroy();
  return text;
}

describe("recording decisions (service)", () => {
  it("lists a prototype's decisions newest first with the decider's name", async () => {
    const p = await createPrototype(app, workspaceId);
    await app.services.decisions.record({ workspaceId, prototypeId: p.id, userId: commenter.id, kind: "ask_evidence", note: "First" });
    await app.services.decisions.record({ workspaceId, prototypeId: p.id, userId: owner.id, kind: "request_changes", note: "Second" });
    const list = await app.services.decisions.list({ workspaceId, prototypeId: p.id });
    expect(list.map((d) => d.note)).toEqual(["Second", "First"]);
    expect(list[0].decidedByName).toBe("Olivia Owner");
    expect(list[1].decidedBy).toBe(commenter.id);
  });

  it("refuses an unknown kind and a note over the limit with clear errors", async () => {
    const p = await createPrototype(app, workspaceId);
    const record = (kind: string, note: string) => app.services.decisions.record({ workspaceId, prototypeId: p.id, userId: owner.id, kind, note });
    await expect(record("veto", "")).rejects.toMatchObject({ code: "invalid", field: "kind", message: "Choose one of the four decisions." });
    await expect(record("approve_pilot", "x".repeat(DECISION_NOTE_MAX + 1))).rejects.toMatchObject({ code: "invalid", field: "note" });
    expect(await decisionRows(p.id)).toEqual([]);
    expect(await stageOf(p.id)).toBe("idea");
  });

  it("won't record a decision on another workspace's prototype", async () => {
    const stranger = await createUser(app);
    const other = await createWorkspace(app, stranger.id);
    const p = await createPrototype(app, other.id);
    await expect(app.services.decisions.record({ workspaceId, prototypeId: p.id, userId: owner.id, kind: "approve_pilot", note: "" })).rejects.toMatchObject({
      code: "not_found",
    });
    expect(await decisionRows(p.id)).toEqual([]);
    expect(await app.services.decisions.get({ workspaceId, prototypeId: p.id, decisionId: "00000000-0000-4000-8000-000000000000" })).toBeNull();
  });

  it("approve for pilot leaves a prototype already piloting where it is, without a stage change", async () => {
    const p = await createPrototype(app, workspaceId, { stage: "piloting" });
    const d = await app.services.decisions.record({ workspaceId, prototypeId: p.id, userId: owner.id, kind: "approve_pilot", note: "" });
    expect(d.stageFrom).toBeNull();
    expect(d.stageTo).toBeNull();
    expect(await stageOf(p.id)).toBe("piloting");
  });

  it("other kinds never move the stage", async () => {
    const p = await createPrototype(app, workspaceId, { stage: "prototyping" });
    await app.services.decisions.record({ workspaceId, prototypeId: p.id, userId: owner.id, kind: "fund_next_phase", note: "" });
    expect(await stageOf(p.id)).toBe("prototyping");
  });
});

describe("deciding over HTTP", () => {
  it("refuses a viewer with 403 and stores nothing", async () => {
    const p = await createPrototype(app, workspaceId);
    const res = await viewer.client.post(pagePath(p.id), { intent: "decide", kind: "approve_pilot", note: "Sneaky" });
    expect(res.status).toBe(403);
    await res.text();
    expect(await decisionRows(p.id)).toEqual([]);
    expect(await stageOf(p.id)).toBe("idea");
  });

  it("shows viewers the timeline but not the form", async () => {
    const p = await createPrototype(app, workspaceId);
    await app.services.decisions.record({ workspaceId, prototypeId: p.id, userId: commenter.id, kind: "ask_evidence", note: "Show me the NPS" });
    const html = markup(await (await viewer.client.get(pagePath(p.id))).text());
    expect(visibleText(html)).toContain("Show me the NPS");
    expect(html).not.toContain('value="decide"');
  });

  it("lets a commenter approve for pilot, which moves the stage to piloting and records the move", async () => {
    const p = await createPrototype(app, workspaceId, { stage: "prototyping" });
    const res = await commenter.client.post(pagePath(p.id), { intent: "decide", kind: "approve_pilot", note: "Go for it" });
    expect(res.status).toBe(302);
    expect(location(res)).toBe(pagePath(p.id));
    expect(await decisionRows(p.id)).toEqual([{ kind: "approve_pilot", note: "Go for it", decided_by: commenter.id, stage_from: "prototyping", stage_to: "piloting" }]);
    expect(await stageOf(p.id)).toBe("piloting");
    const text = visibleText(await (await commenter.client.get(pagePath(p.id))).text());
    expect(text).toContain("Approve for pilot");
    expect(text).toContain("Go for it");
    expect(text).toMatch(/Made on the version of/);
  });

  it("takes the decider from the session, never from the form", async () => {
    const p = await createPrototype(app, workspaceId);
    await commenter.client.post(pagePath(p.id), { intent: "decide", kind: "ask_evidence", note: "", decidedBy: owner.id, userId: owner.id });
    expect((await decisionRows(p.id))[0].decided_by).toBe(commenter.id);
  });

  it("does not move the stage when the owner turned the setting off", async () => {
    const res = await owner.client.post(`/w/${workspaceId}/settings`, { intent: "review" });
    expect(res.status).toBe(302);
    expect(await app.services.decisions.approveMovesStage(workspaceId)).toBe(false);
    try {
      const p = await createPrototype(app, workspaceId, { stage: "prototyping" });
      await commenter.client.post(pagePath(p.id), { intent: "decide", kind: "approve_pilot", note: "" });
      expect(await decisionRows(p.id)).toEqual([{ kind: "approve_pilot", note: "", decided_by: commenter.id, stage_from: null, stage_to: null }]);
      expect(await stageOf(p.id)).toBe("prototyping");
    } finally {
      await owner.client.post(`/w/${workspaceId}/settings`, { intent: "review", approveMovesStage: "on" });
    }
    expect(await app.services.decisions.approveMovesStage(workspaceId)).toBe(true);
  });

  it("refuses the settings change from a non-owner", async () => {
    const res = await editor.client.post(`/w/${workspaceId}/settings`, { intent: "review" });
    expect(res.status).toBe(403);
    await res.text();
    expect(await app.services.decisions.approveMovesStage(workspaceId)).toBe(true);
  });

  it("shows a note with <script> and HTML as text", async () => {
    const p = await createPrototype(app, workspaceId);
    const note = `<script>window.pwned = 1</script><img src=x onerror="alert(1)"> **bold**`;
    await commenter.client.post(pagePath(p.id), { intent: "decide", kind: "request_changes", note });
    const html = markup(await (await editor.client.get(pagePath(p.id))).text());
    expect(html).not.toContain("<script>window.pwned");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;window.pwned = 1&lt;/script&gt;");
    expect(visibleText(html)).toContain(note);
  });

  it("answers a too-long note with 400 and a clear message, storing nothing", async () => {
    const p = await createPrototype(app, workspaceId);
    const res = await commenter.client.post(pagePath(p.id), { intent: "decide", kind: "approve_pilot", note: "x".repeat(DECISION_NOTE_MAX + 1) });
    expect(res.status).toBe(400);
    expect(alerts(await res.text()).join(" ")).toMatch(/Keep the note under 5,000 characters/);
    expect(await decisionRows(p.id)).toEqual([]);
    expect(await stageOf(p.id)).toBe("idea");
  });

  it("answers an unknown kind with 400", async () => {
    const p = await createPrototype(app, workspaceId);
    const res = await commenter.client.post(pagePath(p.id), { intent: "decide", kind: "veto", note: "" });
    expect(res.status).toBe(400);
    expect(alerts(await res.text()).join(" ")).toContain("Choose one of the four decisions.");
    expect(await decisionRows(p.id)).toEqual([]);
  });
});

describe("the version a decision was made on", () => {
  it("is the document as it was when decided, not as it was edited later", async () => {
    const p = await createPrototype(app, workspaceId);
    const docName = prototypeDocName(p.id);
    const writer = connectProvider(app, editor.client, docName);
    try {
      await synced(writer.provider);
      appendParagraph(writer.doc, "Before the decision: run it with two teams.");
      await eventually(async () => documentText(await storedDoc(app, docName)).includes("Before the decision"), "the first edit is stored");

      const res = await commenter.client.post(pagePath(p.id), { intent: "decide", kind: "approve_pilot", note: "On this version" });
      expect(res.status).toBe(302);

      appendParagraph(writer.doc, "After the decision: scale to every team.");
      await eventually(async () => documentText(await storedDoc(app, docName)).includes("After the decision"), "the later edit is stored");
    } finally {
      writer.destroy();
    }

    const [listed] = await app.services.decisions.list({ workspaceId, prototypeId: p.id });
    const decision = await app.services.decisions.get({ workspaceId, prototypeId: p.id, decisionId: listed.id });
    expect(decision).not.toBeNull();
    const then = textOf(decision!.docState);
    expect(then).toContain("Before the decision: run it with two teams.");
    expect(then).not.toContain("After the decision");
    expect(decision!.text).toBe(then);
    expect(decision!.docSeq).toBeGreaterThan(0);

    // The read-only view serves that version to members, and nothing to outsiders.
    const view = `${pagePath(p.id)}/decisions/${listed.id}`;
    const res = await viewer.client.get(view);
    expect(res.status).toBe(200);
    const text = visibleText(await res.text());
    expect(text).toContain("Before the decision: run it with two teams.");
    expect(text).not.toContain("After the decision");
    const stranger = await createUser(app);
    const outsider = await loginClient(app, stranger.email);
    const refused = await outsider.get(view);
    expect(refused.status).toBe(404);
    await refused.text();
  });
});

describe("live events of a prototype", () => {
  /** Reads an SSE response until `pattern` appears (or fails after the timeout). */
  async function readUntil(res: Response, pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const deadline = Date.now() + timeoutMs;
    try {
      while (!pattern.test(text)) {
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${pattern} in: ${text}`)), Math.max(0, deadline - Date.now()))),
        ]);
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
    return text;
  }

  it("announces a new decision to a member's open stream", async () => {
    const p = await createPrototype(app, workspaceId);
    const controller = new AbortController();
    const res = await viewer.client.get(`${pagePath(p.id)}/events`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reading = readUntil(res, /event: decision\ndata: \{"id":"[0-9a-f-]{36}"\}/);
    await eventually(() => app.services.prototypeEvents.openStreams > 0, "the stream is subscribed");
    const d = await app.services.decisions.record({ workspaceId, prototypeId: p.id, userId: commenter.id, kind: "fund_next_phase", note: "" });
    expect(await reading).toContain(d.id);
    controller.abort();
  });

  it("refuses a stream to non-members", async () => {
    const p = await createPrototype(app, workspaceId);
    const stranger = await createUser(app);
    const outsider = await loginClient(app, stranger.email);
    const res = await outsider.get(`${pagePath(p.id)}/events`);
    expect(res.status).toBe(404);
    await res.text();
  });
});
