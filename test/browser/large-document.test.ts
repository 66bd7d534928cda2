/**
 * A long prototype document (over the size that is sent before the server builds its copy, and
 * opened from its snapshot without building it, decision 0017) in two real browsers: both get the
 * whole document, then co-edit it as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addMember, createPrototype, createUser, createWorkspace, PASSWORD } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, openLivePrototype, type WatchedPage } from "../helpers/browser.js";
import { eventually, storedDoc } from "../helpers/collab.js";
import { readMetric } from "../collab/support.js";
import { documentText } from "../../server/collab/text.js";
import { DOCUMENT_FIELD } from "../../app/lib/editor/extensions.js";
import { EARLY_STATE_MIN_BYTES } from "../../server/collab/index.js";
import { snapshotOf } from "../../server/collab/updateLog.js";

let app: TestServer;
let browser: Browser;
let url: string;
let docName: string;
const people: WatchedPage[] = [];
const emails = { alice: "", bob: "" };
const NOTES = 1500;

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const proto = await createPrototype(app, ws.id, { title: "Year-long leadership programme" });
  for (const who of ["alice", "bob"] as const) {
    const user = await createUser(app, { name: who === "alice" ? "Alice Long" : "Bob Long" });
    emails[who] = user.email;
    await addMember(app, ws.id, user.id, "editor");
  }
  url = `/w/${ws.id}/prototypes/${proto.id}`;
  docName = `prototype.${proto.id}`;

  // The template plus many pilot notes, stored compacted (one snapshot with its state vector), as
  // a document that has been worked on for months and unloaded would be.
  const doc = await storedDoc(app, docName);
  const fragment = doc.getXmlFragment(DOCUMENT_FIELD);
  doc.transact(() => {
    for (let i = 1; i <= NOTES; i++) {
      const paragraph = new Y.XmlElement("paragraph");
      paragraph.insert(0, [new Y.XmlText(`Pilot note ${i}: what the cohort tried this week and what changed in their one-to-ones.`)]);
      fragment.push([paragraph]);
    }
  });
  // Months of editing leave deletions behind: every browser answers with them on connecting.
  const notes = fragment.toArray().slice(-NOTES) as Y.XmlElement[];
  for (const i of [10, 500, 1000]) (notes[i].get(0) as Y.XmlText).delete(0, 6);
  const snapshot = snapshotOf(doc);
  expect(snapshot.state.byteLength).toBeGreaterThan(EARLY_STATE_MIN_BYTES);
  const [{ seq }] = await app.db.sql<{ seq: string }[]>`select max(seq)::text as seq from doc_updates where doc_name = ${docName}`;
  await app.collab.updateLog.compact(docName, snapshot, Number(seq));
  doc.destroy();
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

async function open(who: keyof typeof emails): Promise<WatchedPage> {
  const person = await openLivePrototype(browser, app.url, { email: emails[who], password: PASSWORD }, url);
  people.push(person);
  await person.page.getByText(`Pilot note ${NOTES}:`).waitFor({ timeout: 15_000 });
  return person;
}

const editorText = (page: Page) => page.getByRole("textbox", { name: "Prototype document" }).innerText();

describe("a long prototype document", () => {
  it("opens whole in two browsers, served from its snapshot, and co-edits as usual", async () => {
    const opensBefore = await readMetric(app, "pilotlab_collab_documents_opened_unbuilt_total");
    const alice = await open("alice");
    const bob = await open("bob");
    expect(await readMetric(app, "pilotlab_collab_documents_opened_unbuilt_total")).toBe(opensBefore + 1);
    // Reading builds nothing on the server: both browsers answered with exactly the stored deletions.
    // (A short pause gives Bob's answer, sent as his page got the state, time to arrive.)
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(app.collab.registry.loaded(docName)!.built).toBe(false);
    for (const page of [alice.page, bob.page]) {
      const text = await editorText(page);
      expect(text).toContain("The problem");
      expect(text).toContain("Pilot note 1:");
      expect(text).toContain("note 11:");
      expect(text).not.toContain("Pilot note 11:");
      expect(text).toContain(`Pilot note ${NOTES}:`);
    }

    // Alice adds to the end; Bob sees it, and the server stores it.
    const editor = alice.page.getByRole("textbox", { name: "Prototype document" });
    await editor.click();
    await alice.page.keyboard.press("Control+End");
    await alice.page.keyboard.type(" Week 40: the cohort ran its own circle.");
    await expect.poll(() => editorText(bob.page), { timeout: 10_000 }).toContain("Week 40: the cohort ran its own circle.");
    await eventually(async () => {
      await app.collab.updateLog.flush();
      const stored = await storedDoc(app, docName);
      const text = documentText(stored);
      stored.destroy();
      return text.includes("Week 40: the cohort ran its own circle.") && text.includes(`Pilot note ${NOTES}:`);
    }, "the stored document has the edit and every note");
    expect(app.collab.registry.loaded(docName)!.built).toBe(true);
    expectNoConsoleErrors(alice);
    expectNoConsoleErrors(bob);
  });
});
