import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addMember, createPrototype, createUser, createWorkspace, PASSWORD } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, openLivePrototype, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { eventually, storedDoc } from "../helpers/collab.js";
import { documentText } from "../../server/collab/text.js";

let app: TestServer;
let browser: Browser;
let url: string;
let docName: string;
const people: WatchedPage[] = [];
const emails = { leader: "", editor: "" };

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const proto = await createPrototype(app, ws.id, { title: "Coaching circles pilot", stage: "prototyping" });
  const leader = await createUser(app, { name: "Lena Leader" });
  const editor = await createUser(app, { name: "Eddie Editor" });
  await addMember(app, ws.id, leader.id, "commenter");
  await addMember(app, ws.id, editor.id, "editor");
  emails.leader = leader.email;
  emails.editor = editor.email;
  url = `/w/${ws.id}/prototypes/${proto.id}`;
  docName = `prototype.${proto.id}`;
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
  await person.page.getByText("Live: new decisions appear here").waitFor();
  return person;
}

async function typeAtEnd(person: WatchedPage, text: string) {
  const editor = person.page.getByRole("textbox", { name: "Prototype document" });
  await editor.click();
  await person.page.keyboard.press("Control+End");
  await person.page.keyboard.type(text);
}

const storedText = async () => {
  await app.collab.updateLog.flush();
  return documentText(await storedDoc(app, docName));
};

describe("the decision lane", () => {
  it("a leader approves for pilot, the stage moves, an editor sees it live, and the decision shows the version it was made on", async () => {
    const editor = await open("editor");
    await typeAtEnd(editor, " Before the decision: two teams.");
    await eventually(async () => (await storedText()).includes("Before the decision: two teams."), "the editor's text is stored", 10_000);

    const leader = await open("leader");
    const header = leader.page.locator(".header-meta");
    await expect.poll(() => header.innerText()).toContain("Prototyping");
    await leader.page.getByRole("radio", { name: /Approve for pilot/ }).check();
    await leader.page.getByLabel("Note").fill("Run it with the two Lisbon teams <b>now</b>.");
    await leader.page.getByRole("button", { name: "Record decision" }).click();

    const timeline = leader.page.getByRole("list", { name: "Decision timeline" });
    await expect.poll(() => timeline.innerText()).toContain("Run it with the two Lisbon teams <b>now</b>.");
    await expect.poll(() => header.innerText()).toContain("Piloting");
    expect(await header.innerText()).not.toContain("Prototyping");
    expect(await timeline.innerText()).toMatch(/Moved the stage from\s*(Stage:\s*)?Prototyping\s*to\s*(Stage:\s*)?Piloting/);

    // The editor's page was open all along: the decision and the new stage arrive without a reload.
    const editorTimeline = editor.page.getByRole("list", { name: "Decision timeline" });
    await expect.poll(() => editorTimeline.innerText().catch(() => ""), { timeout: 10_000 }).toContain("Approve for pilot");
    expect(await editorTimeline.innerText()).toContain("Lena Leader");
    await expect.poll(() => editor.page.locator(".header-meta").innerText()).toContain("Piloting");

    // Later edits don't change the version the decision was made on.
    await typeAtEnd(editor, " After the decision: every team.");
    await eventually(async () => (await storedText()).includes("After the decision"), "the later text is stored", 10_000);

    await leader.page.getByRole("link", { name: /Made on the version of/ }).click();
    await leader.page.waitForURL(/\/decisions\/[0-9a-f-]{36}$/);
    await waitForHydration(leader.page);
    const version = leader.page.getByRole("textbox", { name: "Document as it was" });
    await expect.poll(() => version.innerText().catch(() => "")).toContain("Before the decision: two teams.");
    expect(await version.innerText()).not.toContain("After the decision");
    expect(await version.getAttribute("contenteditable")).toBe("false");

    expectNoConsoleErrors(leader);
    expectNoConsoleErrors(editor);
  });
});
