import { afterAll, beforeAll, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { loginClient } from "../helpers/factories.js";
import { linkedIds, markup } from "../helpers/pages.js";
import type { HttpClient } from "../helpers/http.js";
import { DEMO_EMAIL, DEMO_PASSWORD } from "../../server/seed.js";
import { DEMO_DESIGNS } from "../../server/demoDesigns.js";
import { loadDocumentState } from "../../server/collab/updateLog.js";
import { documentText } from "../../server/collab/text.js";
import { DOCUMENT_FIELD } from "../../app/lib/editor/extensions.js";

let app: TestServer;
let client: HttpClient;
let workspaceId: string;
let prototypes: { id: string; title: string; doc_text: string }[];

beforeAll(async () => {
  app = await startTestServer({ seed: true });
  client = await loginClient(app, DEMO_EMAIL, DEMO_PASSWORD);
  [{ id: workspaceId }] = await app.db.sql<{ id: string }[]>`select id from workspaces where name = 'Northwind Learning Lab'`;
  prototypes = await app.db.sql`select id, title, doc_text from prototypes where workspace_id = ${workspaceId} order by title`;
});
afterAll(async () => {
  await app?.close();
});

it("every demo prototype's document is a written design, stored as the document clients load", async () => {
  expect(prototypes.map((p) => p.title).sort()).toEqual(Object.keys(DEMO_DESIGNS).sort());
  for (const p of prototypes) {
    const design = DEMO_DESIGNS[p.title];
    const state = await loadDocumentState(app.db.sql, `prototype.${p.id}`);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state.update!);
    // The search projection is the stored document's text, and that text is the team's, not prompts.
    expect(documentText(doc)).toBe(p.doc_text);
    for (const line of [...design.problem, ...design.learningDesign, ...design.risks]) expect(p.doc_text).toContain(line);
    expect(p.doc_text).not.toContain("What is happening on the job today");
    // Pilot plan steps keep their done state.
    const taskList = doc.getXmlFragment(DOCUMENT_FIELD).toArray().find((n) => n instanceof Y.XmlElement && n.nodeName === "taskList") as Y.XmlElement;
    const checked = taskList.toArray().map((item) => (item as Y.XmlElement).getAttribute("checked") as unknown);
    expect(checked).toEqual(design.plan.map((step) => step.done));
    doc.destroy();
  }
});

it("the list shows each demo prototype's problem as its excerpt, and search finds them by what they say", async () => {
  const res = await client.get(`/w/${workspaceId}/prototypes`);
  expect(res.status).toBe(200);
  const html = markup(await res.text());
  for (const p of prototypes) {
    const opening = DEMO_DESIGNS[p.title].problem[0].slice(0, 40);
    expect(html, `excerpt of ${p.title}`).toContain(opening.replace(/'/g, "&#x27;"));
  }
  const bootcamp = prototypes.find((p) => p.title.startsWith("Sales onboarding"))!;
  // A long document's excerpt stops after a whole word, with an ellipsis.
  const excerpts = [...html.matchAll(/<p class="excerpt">([\s\S]*?)<\/p>/g)].map((m) => m[1].replace(/<[^>]+>/g, "").replace(/&#x27;/g, "'"));
  const clipped = excerpts.find((e) => e.includes("New account executives"))!;
  expect(clipped).toMatch(/…$/);
  const shown = clipped.slice(0, -1);
  const asShown = bootcamp.doc_text.replace(/\n/g, " · "); // blocks are shown separated by " · "
  expect(asShown.startsWith(shown)).toBe(true);
  expect(asShown[shown.length]).toMatch(/[\s·.,;:]/);
  const search = markup(await (await client.get(`/w/${workspaceId}/prototypes?q=${encodeURIComponent("discovery rubric")}`)).text());
  expect(linkedIds(search, workspaceId, "prototypes")).toEqual([bootcamp.id]);
  const huddles = prototypes.find((p) => p.title.startsWith("Five-minute"))!;
  const nearMiss = markup(await (await client.get(`/w/${workspaceId}/prototypes?q=${encodeURIComponent("near miss")}`)).text());
  expect(linkedIds(nearMiss, workspaceId, "prototypes")).toEqual([huddles.id]);
});
