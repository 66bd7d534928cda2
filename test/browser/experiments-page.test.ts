import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addMember, createGoal, createPrototype, createUser, createWorkspace, loginClient } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, newPerson, screenshot, signInAs, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { connectProvider, eventually, storedDoc, synced, type CollabClient } from "../helpers/collab.js";
import { cardText, createCard, deleteCard, moveCard, setCardValue } from "../../app/lib/experiments/cards.js";
import { documentText } from "../../server/collab/text.js";

let app: TestServer;
let browser: Browser;
let workspaceId: string;
let prototypeId: string;
let emptyPrototypeId: string;
let docName: string;
let writer: CollabClient;
let person: WatchedPage;
let bobId: string;

const cards = {
  buddy: { id: randomUUID(), name: "Buddies cut the time to a first answer" },
  shadow: { id: randomUUID(), name: "Shadowing a senior builds confidence" },
  quiz: { id: randomUUID(), name: "A day-one quiz is worth it" },
};
// Two days back, so a database time zone a few hours off UTC still sees it as past.
const PAST_DEADLINE = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  // A short projection delay: the list reflects card changes about 100 ms after they happen.
  app = await startTestServer({ collabLimits: { projectionDelayMs: 100 } });
  const owner = await createUser(app, { name: "Olga Owner" });
  workspaceId = (await createWorkspace(app, owner.id)).id;
  const goal = await createGoal(app, workspaceId, "Faster onboarding");
  prototypeId = (await createPrototype(app, workspaceId, { title: "Buddy programme", goalId: goal.id })).id;
  emptyPrototypeId = (await createPrototype(app, workspaceId, { title: "Nothing tested yet" })).id;
  docName = `prototype.${prototypeId}`;

  // A second editor writes the cards through the stock y-websocket client, as another browser would.
  const bob = await createUser(app, { name: "Bob Builder" });
  await addMember(app, workspaceId, bob.id, "editor");
  bobId = bob.id;
  writer = connectProvider(app, await loginClient(app, bob.email), docName);
  await synced(writer.provider);

  browser = await launchBrowser();
  person = await newPerson(browser, app.url);
  await signInAs(person, app, owner.id);
});

afterAll(async () => {
  writer?.destroy();
  await person?.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

/** Reloads the page until `text` shows (the projection is refreshed shortly after a change). */
async function reloadUntil(page: Page, text: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await page.getByText(text, { exact: false }).count()) > 0) return;
    if (Date.now() > deadline) throw new Error(`"${text}" did not appear on ${page.url()} within ${timeoutMs} ms`);
    await page.waitForTimeout(200);
    await page.reload();
    await waitForHydration(page);
  }
}

const rows = (page: Page) => page.locator(".experiment-row h3").allInnerTexts();
const embeds = (page: Page) => page.getByRole("textbox", { name: "Prototype document" }).locator(".experiment-embed");

describe("experiment cards across the workspace", () => {
  it("a card created in a prototype's document appears on the workspace Experiments page", async () => {
    createCard(writer.doc, { id: cards.buddy.id, name: cards.buddy.name, createdBy: bobId });
    createCard(writer.doc, { id: cards.shadow.id, name: cards.shadow.name, createdBy: bobId });
    setCardValue(writer.doc, cards.shadow.id, "deadline", PAST_DEADLINE);
    expect(moveCard(writer.doc, cards.buddy.id, "running", 0)).toBe(true);

    const { page } = person;
    await page.goto(`/w/${workspaceId}`);
    await waitForHydration(page);
    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Experiments", exact: true }).click();
    await page.waitForURL(/\/experiments$/);
    await page.getByRole("heading", { level: 1, name: "Experiments" }).waitFor();
    await reloadUntil(page, cards.shadow.name);
    await expect.poll(() => rows(page)).toEqual([cards.buddy.name, cards.shadow.name]);

    const link = page.getByRole("link", { name: cards.buddy.name });
    expect(await link.getAttribute("href")).toBe(`/w/${workspaceId}/prototypes/${prototypeId}#experiment-${cards.buddy.id}`);
    const row = page.locator(".experiment-row", { hasText: cards.shadow.name });
    expect(await row.innerText()).toMatch(/Prototype: Buddy programme/);
    expect(await row.innerText()).toMatch(/Goal: Faster onboarding/);
    expect(await row.innerText()).toMatch(/Overdue/);
    expect(await row.innerText()).toMatch(/Owner: Bob Builder/);
    await screenshot(page, "experiments-page");
    // Counts at a glance.
    const counts = page.getByRole("navigation", { name: "Experiments by status" });
    expect(await counts.getByRole("link", { name: /Running/ }).innerText()).toMatch(/^1\s+Running$/);
    expect(await counts.getByRole("link", { name: /Planned/ }).innerText()).toMatch(/^1\s+Planned$/);
    expectNoConsoleErrors(person);
  });

  it("filters by status and overdue from the keyboard, and clears filters that match nothing", async () => {
    const { page } = person;
    await page.getByLabel("Status", { exact: true }).focus();
    await page.getByLabel("Status", { exact: true }).selectOption("running");
    await page.waitForURL((u) => u.searchParams.get("status") === "running");
    await expect.poll(() => rows(page)).toEqual([cards.buddy.name]);

    await page.getByLabel("Status", { exact: true }).selectOption("");
    await page.waitForURL((u) => !u.searchParams.has("status"));
    await page.getByLabel("Overdue only").focus();
    await page.keyboard.press("Space");
    await page.waitForURL((u) => u.searchParams.get("overdue") === "1");
    await expect.poll(() => rows(page)).toEqual([cards.shadow.name]);

    await page.getByLabel("Status", { exact: true }).selectOption("validated");
    await page.waitForURL((u) => u.searchParams.get("status") === "validated" && u.searchParams.get("overdue") === "1");
    await page.getByText("No experiments match these filters").waitFor();
    await screenshot(page, "experiments-page-no-match");
    await page.getByRole("link", { name: "Clear filters" }).click();
    await page.waitForURL((u) => u.search === "");
    await expect.poll(() => rows(page)).toEqual([cards.buddy.name, cards.shadow.name]);
    expect(await page.getByLabel("Overdue only").isChecked()).toBe(false);
    expectNoConsoleErrors(person);
  });

  it("embeds a card in the prototype's text from the toolbar, and the embed follows the card live", async () => {
    const { page } = person;
    await page.goto(`/w/${workspaceId}/prototypes/${prototypeId}`);
    await waitForHydration(page);
    await page.locator('.connection[data-state="connected"]').waitFor();
    await page.getByText("The problem").first().waitFor();

    // Put the cursor at the end of the document and insert through the menu.
    await page.getByRole("textbox", { name: "Prototype document" }).click();
    await page.keyboard.press("Control+End");
    const insert = page.getByRole("toolbar", { name: "Formatting" }).getByRole("button", { name: "Insert experiment card" });
    await insert.click();
    await page.getByRole("menu", { name: "Experiment cards" }).waitFor();
    await page.getByRole("menuitem", { name: new RegExp(cards.buddy.name) }).click();
    await expect.poll(() => embeds(page).count()).toBe(1);
    const embed = embeds(page).first();
    await expect.poll(() => embed.innerText()).toContain(cards.buddy.name);
    expect(await embed.innerText()).toMatch(/Running/);
    expect(await embed.innerText()).toMatch(/Owner: Bob Builder/);
    await screenshot(page, "experiment-embed");
    expect(await embed.getByRole("link", { name: cards.buddy.name }).getAttribute("href")).toBe(`#experiment-${cards.buddy.id}`);

    // Another client renames the card and writes its hypothesis: the embed shows it.
    const renamed = "Buddies halve the time to a first answer";
    writer.doc.transact(() => {
      const name = cardText(writer.doc, cards.buddy.id, "name")!;
      name.delete(0, name.length);
      name.insert(0, renamed);
    });
    await expect.poll(() => embed.innerText(), { timeout: 10_000 }).toContain(renamed);

    // The server's copy has the embed, and its search text carries the card's name.
    await app.collab.updateLog.flush();
    await eventually(async () => documentText(await storedDoc(app, docName)).includes(renamed), "the stored document has the embed", 10_000);
    expectNoConsoleErrors(person);
  });

  it("inserts by keyboard after a selected embed without replacing it, and a deleted card reads as removed", async () => {
    createCard(writer.doc, { id: cards.quiz.id, name: cards.quiz.name, createdBy: bobId });
    const { page } = person;
    const toolbar = page.getByRole("toolbar", { name: "Formatting" });
    await expect.poll(() => toolbar.getByRole("button", { name: "Insert experiment card" }).getAttribute("aria-disabled")).toBeNull();

    // Select the embed already in the text (a click on a card selects it as a whole).
    await embeds(page).first().getByText("Owner: Bob Builder").click();
    await page.locator(".ProseMirror-selectednode .experiment-embed").waitFor();
    // The toolbar is one tab stop; End reaches its last control, the insert menu.
    await toolbar.getByRole("button", { name: "Undo" }).focus();
    await page.keyboard.press("End");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Insert experiment card");
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("role"))).toBe("menuitem");
    // Board order: the planned cards, then the running one.
    await page.keyboard.press("End");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent ?? "")).toContain("Buddies halve");
    await page.keyboard.press("ArrowUp");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent ?? "")).toContain(cards.quiz.name);
    await page.keyboard.press("Enter");
    // Inserted after the selected embed, which stays.
    await expect.poll(() => embeds(page).count()).toBe(2);
    await expect.poll(() => embeds(page).nth(1).innerText()).toContain(cards.quiz.name);
    expect(await embeds(page).first().innerText()).toContain("Buddies halve");

    deleteCard(writer.doc, cards.quiz.id);
    await expect.poll(() => embeds(page).nth(1).innerText(), { timeout: 10_000 }).toContain("Card removed");
    expectNoConsoleErrors(person);
  });

  it("the insert control says why it is unavailable when the prototype has no cards", async () => {
    const { page } = person;
    await page.goto(`/w/${workspaceId}/prototypes/${emptyPrototypeId}`);
    await waitForHydration(page);
    await page.locator('.connection[data-state="connected"]').waitFor();
    const insert = page.getByRole("toolbar", { name: "Formatting" }).getByRole("button", { name: "Insert experiment card" });
    await insert.waitFor();
    expect(await insert.getAttribute("aria-disabled")).toBe("true");
    expect(await insert.getAttribute("aria-describedby")).toBeTruthy();
    // Still focusable (aria-disabled, not disabled) so the hint is reachable; a click opens nothing.
    await insert.click({ force: true });
    expect(await page.getByRole("menu", { name: "Experiment cards" }).count()).toBe(0);
    expectNoConsoleErrors(person);
  });
});
