import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createGoal, createPrototype, createUser, createWorkspace, loginClient } from "../helpers/factories.js";
import { connectProvider, eventually, synced } from "../helpers/collab.js";
import type { HttpClient } from "../helpers/http.js";
import { linkedIds, markup } from "../helpers/pages.js";

let app: TestServer;
let client: HttpClient;
let workspaceId: string;

beforeAll(async () => {
  app = await startTestServer({ collabLimits: { idleUnloadMs: 50 } });
  const owner = await createUser(app);
  workspaceId = (await createWorkspace(app, owner.id)).id;
  client = await loginClient(app, owner.email);
});
afterAll(async () => {
  await app?.close();
});

async function listPage(query = "") {
  const res = await client.get(`/w/${workspaceId}/prototypes${query}`);
  expect(res.status).toBe(200);
  return markup(await res.text());
}

/** Appends a paragraph to the Tiptap document through a real collaboration connection. */
async function writeParagraph(docName: string, words: string) {
  const c = connectProvider(app, client, docName);
  try {
    await synced(c.provider);
    const paragraph = new Y.XmlElement("paragraph");
    paragraph.insert(0, [new Y.XmlText(words)]);
    const fragment = c.doc.getXmlFragment("default");
    fragment.insert(fragment.length, [paragraph]);
    await eventually(async () => Boolean(app.collab.registry.loaded(docName)), "the server has the document");
    await app.collab.registry.loaded(docName)!.persisted();
  } finally {
    c.destroy();
  }
}

describe("prototype search and excerpts", () => {
  it("a new prototype's document starts from the template, and the list shows its excerpt", async () => {
    const goal = await createGoal(app, workspaceId, "Grow coaching culture");
    const { id } = await createPrototype(app, workspaceId, { title: "Peer coaching trios", goalId: goal.id });
    const [row] = await app.db.sql<{ doc_text: string }[]>`select doc_text from prototypes where id = ${id}`;
    expect(row.doc_text).toContain("This pilot serves the goal: Grow coaching culture.");
    expect(row.doc_text).toContain("Success measures");
    const html = await listPage();
    expect(html).toMatch(/<p class="excerpt">.*The problem/);
  });

  it("finds prototypes by words in their title or their document, with the match highlighted", async () => {
    const { id: a } = await createPrototype(app, workspaceId, { title: "Warehouse safety huddles" });
    const { id: b } = await createPrototype(app, workspaceId, { title: "Negotiation dojo" });
    expect(linkedIds(await listPage("?q=warehouse"), workspaceId, "prototypes")).toEqual([a]);
    // Every template mentions Kirkpatrick levels: a document-only word finds them all.
    const all = linkedIds(await listPage("?q=kirkpatrick"), workspaceId, "prototypes");
    expect(all).toEqual(expect.arrayContaining([a, b]));
    expect(await listPage("?q=kirkpatrick")).toContain("<mark>Kirkpatrick</mark>");
    const none = await listPage("?q=xylophonics");
    expect(linkedIds(none, workspaceId, "prototypes")).toEqual([]);
    expect(none).toContain("Nothing matches");
  });

  it("finds words written live once the document is stored, not before", async () => {
    const { id } = await createPrototype(app, workspaceId, { title: "Onboarding buddies" });
    const docName = `prototype.${id}`;
    await writeParagraph(docName, "The zebracorn rollout plan for new hires.");
    // The projection is refreshed when the document is stored (idle unload here), not per keystroke.
    await eventually(async () => !app.collab.registry.loaded(docName), "the idle document is unloaded");
    expect(linkedIds(await listPage("?q=zebracorn"), workspaceId, "prototypes")).toEqual([id]);
    expect(await listPage("?q=zebracorn")).toContain("<mark>zebracorn</mark>");
  });

  it("treats search input as words, never as SQL or query syntax errors", async () => {
    for (const q of ["' or 1=1 --", "a & | ! ( :*", "\"unterminated", "-", "%00%FF"]) {
      const res = await client.get(`/w/${workspaceId}/prototypes?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
    }
  });
});
