import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page, WebSocketRoute } from "playwright-core";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace, addMember, PASSWORD } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, logIn, newPerson, openLivePrototype, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { storedDoc, eventually } from "../helpers/collab.js";
import { documentText } from "../../server/collab/text.js";

let app: TestServer;
let browser: Browser;
let url: string;
let docName: string;
const people: WatchedPage[] = [];
const names = { alice: "Alice Editor", bob: "Bob Editor", vera: "Vera Viewer" };
const emails: Record<keyof typeof names, string> = { alice: "", bob: "", vera: "" };

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const proto = await createPrototype(app, ws.id, { title: "Coaching circles pilot" });
  for (const [key, name] of Object.entries(names) as [keyof typeof names, string][]) {
    const user = await createUser(app, { name });
    emails[key] = user.email;
    await addMember(app, ws.id, user.id, key === "vera" ? "viewer" : "editor");
  }
  url = `/w/${ws.id}/prototypes/${proto.id}`;
  docName = `prototype.${proto.id}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

/** Signs a person in (own browser context) and opens the prototype until its document is live. */
async function open(who: keyof typeof names): Promise<WatchedPage> {
  const person = await openLivePrototype(browser, app.url, { email: emails[who], password: PASSWORD }, url);
  people.push(person);
  await person.page.getByText("The problem").first().waitFor();
  return person;
}

const editorText = (page: Page) => page.getByRole("textbox", { name: "Prototype document" }).innerText();

async function typeAtEnd(page: Page, text: string) {
  const editor = page.getByRole("textbox", { name: "Prototype document" });
  await editor.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(text);
}

async function serverText(): Promise<string> {
  await app.collab.updateLog.flush();
  const doc: Y.Doc = await storedDoc(app, docName);
  return documentText(doc);
}

describe("live co-editing of a prototype", () => {
  let alice: WatchedPage;
  let bob: WatchedPage;

  it("starts from the design template and shows both editors, their text and their carets", async () => {
    alice = await open("alice");
    bob = await open("bob");
    expect(await editorText(alice.page)).toContain("Success measures");

    await typeAtEnd(alice.page, " Alice was here.");
    await expect.poll(() => editorText(bob.page), { timeout: 10_000 }).toContain("Alice was here.");
    await typeAtEnd(bob.page, " Bob too.");
    await expect.poll(() => editorText(alice.page), { timeout: 10_000 }).toContain("Bob too.");

    // Each sees the other's caret, labelled with the other's (server-verified) name.
    await expect.poll(() => alice.page.locator(".collaboration-carets__label").allInnerTexts(), { timeout: 10_000 }).toContain(names.bob);
    await expect.poll(() => bob.page.locator(".collaboration-carets__label").allInnerTexts(), { timeout: 10_000 }).toContain(names.alice);
    // Avatars of who is here.
    await expect.poll(() => alice.page.getByRole("list", { name: /people here/ }).innerText()).toContain("BE");
    await expect.poll(() => alice.page.getByRole("list", { name: /2 people here/ }).count()).toBe(1);

    // The server stored both edits, not only the browsers.
    await eventually(async () => {
      const text = await serverText();
      return text.includes("Alice was here.") && text.includes("Bob too.");
    }, "the stored document has both edits");
    expectNoConsoleErrors(alice);
    expectNoConsoleErrors(bob);
  });

  it("a viewer follows live but cannot change the document", async () => {
    const vera = await open("vera");
    const editor = vera.page.getByRole("textbox", { name: "Prototype document" });
    await expect.poll(() => editor.getAttribute("contenteditable")).toBe("false");
    await expect.poll(() => vera.page.getByText(/Read-only: as Viewer/).count()).toBe(1);
    expect(await vera.page.getByRole("toolbar", { name: "Formatting" }).count()).toBe(0);

    const before = await editorText(vera.page);
    await editor.click();
    await vera.page.keyboard.type("VIEWER TYPED THIS");
    await vera.page.keyboard.press("Enter");
    expect(await editorText(vera.page)).toBe(before);

    await typeAtEnd(alice.page, " Seen by Vera.");
    await expect.poll(() => editorText(vera.page), { timeout: 10_000 }).toContain("Seen by Vera.");
    expect(await serverText()).not.toContain("VIEWER TYPED THIS");
    expectNoConsoleErrors(vera);
  });

  it("an editor who goes offline keeps writing, sees the unsynced count, and merges on reconnect", async () => {
    await bob.context.setOffline(true);
    await bob.page.locator('.connection[data-state="offline"]').waitFor();
    await typeAtEnd(bob.page, " Written offline.");
    await expect.poll(async () => Number(await bob.page.locator(".connection").getAttribute("data-unsynced"))).toBeGreaterThan(0);
    await expect.poll(() => bob.page.locator(".connection").innerText()).toMatch(/unsynced change/);

    await typeAtEnd(alice.page, " Alice meanwhile.");
    // Alice can't see Bob's offline words yet.
    await alice.page.waitForTimeout(500);
    expect(await editorText(alice.page)).not.toContain("Written offline.");

    await bob.context.setOffline(false);
    await bob.page.locator('.connection[data-state="connected"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => editorText(alice.page), { timeout: 15_000 }).toContain("Written offline.");
    await expect.poll(() => editorText(bob.page), { timeout: 15_000 }).toContain("Alice meanwhile.");
    await expect.poll(async () => (await bob.page.locator(".connection").getAttribute("data-unsynced")) ?? "").toBe("0");
    await eventually(async () => (await serverText()).includes("Written offline."), "the stored document has the offline edit");
    // A failed WebSocket while offline is expected noise; nothing else.
    bob.errors.splice(0, bob.errors.length, ...bob.errors.filter((e) => !/WebSocket|ERR_INTERNET_DISCONNECTED/.test(e)));
    expectNoConsoleErrors(bob);
    expectNoConsoleErrors(alice);
  });

  it("says Connecting… until its first sync, and Reconnecting… only when a live connection is lost", async () => {
    const person = await newPerson(browser, app.url);
    people.push(person);
    const { page } = person;
    await logIn(page, emails.alice, PASSWORD);
    // The test stands between the page and the collaboration server: while `hold` is set, a new
    // socket opens but nothing answers it; otherwise it goes through to the server.
    let hold = true;
    let current: WebSocketRoute | null = null;
    await page.routeWebSocket(/\/collab\//, (ws) => {
      current = ws;
      if (!hold) ws.connectToServer();
    });
    const indicator = page.locator(".connection");
    await page.goto(url);
    await waitForHydration(page);
    await expect.poll(() => indicator.getAttribute("data-state")).toBe("connecting");
    expect(await indicator.innerText()).toMatch(/Connecting…\s*Loading the latest version/);

    hold = false;
    current!.close();
    await page.locator('.connection[data-state="connected"]').waitFor({ timeout: 20_000 });
    await page.getByText("The problem").first().waitFor();

    // The live connection drops and the next attempt hangs: now it is a reconnection.
    hold = true;
    current!.close();
    await expect.poll(() => indicator.getAttribute("data-state")).toBe("reconnecting");
    expect(await indicator.innerText()).toMatch(/Reconnecting…\s*Your edits are kept/);

    hold = false;
    current!.close();
    await page.locator('.connection[data-state="connected"]').waitFor({ timeout: 20_000 });
    // Sockets closed under the provider are expected noise; nothing else.
    person.errors.splice(0, person.errors.length, ...person.errors.filter((e) => !/WebSocket/.test(e)));
    expectNoConsoleErrors(person);
  });

  it("the prototype list finds the prototype by words written in its document", async () => {
    // The search projection is refreshed when the document is stored (compaction), not per keystroke.
    await app.collab.registry.loaded(docName)!.compact();
    const page = alice.page;
    await page.goto(url.replace(/\/[^/]+$/, ""));
    await waitForHydration(page);
    // Without a search, the excerpt is the document's start, cut after a whole word with an ellipsis.
    const excerpt = (await page.locator(".excerpt").first().innerText()).trim();
    expect(excerpt).toMatch(/^The problem · .*[^\s·]…$/);
    await page.getByLabel("Search").fill("meanwhile");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.searchParams.get("q") === "meanwhile");
    await page.getByRole("link", { name: "Coaching circles pilot" }).waitFor();
    expect(await page.locator(".excerpt mark").allInnerTexts()).toContain("meanwhile");
    await page.getByLabel("Search").fill("nonexistentword");
    await page.keyboard.press("Enter");
    await page.getByText("Nothing matches “nonexistentword”").waitFor();
    expectNoConsoleErrors(alice);
  });
});
