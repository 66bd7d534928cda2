import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace, addMember, PASSWORD } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, logIn, newPerson, screenshot, waitForHydration, type WatchedPage } from "../helpers/browser.js";

let app: TestServer;
let browser: Browser;
let url: string;
let prototypeId: string;
const people: WatchedPage[] = [];
const names = { alice: "Alice Editor", bob: "Bob Editor", vera: "Vera Viewer" };
const users: Record<keyof typeof names, { id: string; email: string }> = { alice: { id: "", email: "" }, bob: { id: "", email: "" }, vera: { id: "", email: "" } };

const CARD = "Peer coaching builds confidence";
const SECOND = "Manager nudges";
const HYPOTHESIS = "New managers who coach each other feel ready sooner.";
const METRIC = "Self-rated readiness after four weeks.";
const CRITERION = "At least 60% rate themselves ready.";

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const proto = await createPrototype(app, ws.id, { title: "Coaching circles pilot" });
  prototypeId = proto.id;
  for (const [key, name] of Object.entries(names) as [keyof typeof names, string][]) {
    const user = await createUser(app, { name });
    users[key] = { id: user.id, email: user.email };
    await addMember(app, ws.id, user.id, key === "vera" ? "viewer" : "editor");
  }
  url = `/w/${ws.id}/prototypes/${proto.id}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

/** Signs a person in (own browser context) and opens the prototype until its board is live. */
async function open(who: keyof typeof names): Promise<WatchedPage> {
  const person = await newPerson(browser, app.url);
  people.push(person);
  await logIn(person.page, users[who].email, PASSWORD);
  await person.page.goto(url);
  await waitForHydration(person.page);
  await person.page.locator('.connection[data-state="connected"]').waitFor();
  await person.page.locator('.experiments[data-synced="true"]').waitFor();
  return person;
}

const card = (page: Page, name: string) => page.locator(`.exp-card[data-card-name="${name}"]`);
const columnNames = (page: Page, status: string) => page.locator(`.board-column[data-status="${status}"] .exp-card`).evaluateAll((els) => els.map((el) => el.getAttribute("data-card-name")));
const dialog = (page: Page) => page.getByRole("dialog");
const announcer = (page: Page) => page.getByTestId("board-announcer");

async function openCard(page: Page, name: string): Promise<Locator> {
  await card(page, name).getByRole("button", { name, exact: true }).click();
  const d = dialog(page);
  await d.waitFor();
  return d;
}

async function closeDialog(page: Page) {
  await page.keyboard.press("Escape");
  await expect.poll(() => dialog(page).count()).toBe(0);
}

describe("experiment cards on the prototype page", () => {
  let alice: WatchedPage;
  let bob: WatchedPage;

  it("an editor creates and fills a test card; another editor sees it live and co-edits it", async () => {
    alice = await open("alice");
    bob = await open("bob");
    await alice.page.getByRole("heading", { name: "No experiments yet" }).waitFor();

    await alice.page.getByRole("button", { name: "New test card" }).click();
    const a = dialog(alice.page);
    await a.waitFor();
    // The new card's name field has focus.
    await expect.poll(() => alice.page.evaluate(() => document.activeElement?.getAttribute("data-field"))).toBe("name");
    await alice.page.keyboard.type(CARD);
    await a.getByLabel("We believe that…").fill(HYPOTHESIS);
    await a.getByLabel("And measure…").fill(METRIC);
    await a.getByLabel("We are right if…").fill(CRITERION);
    await a.getByLabel("Owner").selectOption({ label: `${names.alice} (you)` });
    await a.getByLabel("Deadline").fill("2020-03-01");
    await a.getByLabel("Critical").selectOption("3");
    await a.getByLabel("Test cost").selectOption("1");

    // Bob sees the card arrive with its owner, overdue deadline, ratings, and that Alice is editing it.
    const onBob = card(bob.page, CARD);
    await onBob.waitFor({ timeout: 10_000 });
    await expect.poll(() => onBob.innerText()).toContain(names.alice);
    await expect.poll(() => onBob.innerText()).toContain("Overdue");
    await expect.poll(() => onBob.innerText()).toContain("Critical 3 · Test cost 1");
    await expect.poll(() => onBob.locator(".card-editors").getAttribute("data-editors")).toBe(names.alice);
    expect(await columnNames(bob.page, "planned")).toEqual([CARD]);

    // Both edit the test field at once; Alice's caret stays where she was typing.
    const b = await openCard(bob.page, CARD);
    await expect.poll(() => b.getByLabel("We believe that…").inputValue()).toBe(HYPOTHESIS);
    await expect.poll(() => card(alice.page, CARD).locator(".card-editors").getAttribute("data-editors")).toBe(names.bob);
    const aTest = a.getByLabel("To verify that, we will…");
    const bTest = b.getByLabel("To verify that, we will…");
    await aTest.click();
    await alice.page.keyboard.type("run coaching circles");
    await expect.poll(() => bTest.inputValue()).toBe("run coaching circles");
    await bTest.click();
    await bob.page.keyboard.press("Control+Home");
    await bob.page.keyboard.type("For six weeks, ");
    await expect.poll(() => aTest.inputValue()).toBe("For six weeks, run coaching circles");
    await alice.page.keyboard.type(" in pairs");
    await expect.poll(() => bTest.inputValue()).toBe("For six weeks, run coaching circles in pairs");
    await expect.poll(() => aTest.inputValue()).toBe("For six weeks, run coaching circles in pairs");

    await screenshot(bob.page, "experiments-test-card");
    await closeDialog(bob.page);
    await closeDialog(alice.page);
    // Focus returns to the card's open button after the dialog closes.
    await expect.poll(() => bob.page.evaluate(() => document.activeElement?.getAttribute("data-open-card") ?? null)).not.toBeNull();
    expectNoConsoleErrors(alice);
    expectNoConsoleErrors(bob);
  });

  it("a card is reordered by drag and drop, and a refused move says why", async () => {
    await alice.page.getByRole("button", { name: "New test card" }).click();
    await dialog(alice.page).waitFor();
    await alice.page.keyboard.type(SECOND);
    await closeDialog(alice.page);
    await expect.poll(() => columnNames(bob.page, "planned")).toEqual([CARD, SECOND]);

    // Bob drags the second card above the first.
    await card(bob.page, SECOND).dragTo(card(bob.page, CARD), { targetPosition: { x: 30, y: 4 } });
    await expect.poll(() => columnNames(bob.page, "planned")).toEqual([SECOND, CARD]);
    await expect.poll(() => columnNames(alice.page, "planned"), { timeout: 10_000 }).toEqual([SECOND, CARD]);

    // A planned card can't skip the run: dropping it on a verdict column is refused.
    await card(bob.page, CARD).dragTo(bob.page.locator('.board-column[data-status="validated"]'));
    await bob.page.waitForTimeout(300);
    expect(await columnNames(bob.page, "planned")).toEqual([SECOND, CARD]);
    expect(await columnNames(bob.page, "validated")).toEqual([]);
    expectNoConsoleErrors(bob);
  });

  it("starting a card locks its hypothesis, metric and criterion for everyone, and the server records them", async () => {
    const a = await openCard(alice.page, CARD);
    await a.getByRole("button", { name: "Start test" }).click();
    await a.getByText(/will be locked/).waitFor();
    await a.getByRole("button", { name: "Start and lock" }).click();

    await expect.poll(() => a.getByLabel(/We believe that…/).getAttribute("readonly")).not.toBeNull();
    await expect.poll(() => a.getByLabel(/And measure…/).getAttribute("readonly")).not.toBeNull();
    await expect.poll(() => a.getByLabel(/We are right if…/).getAttribute("readonly")).not.toBeNull();
    // The test itself stays editable.
    expect(await a.getByLabel("To verify that, we will…").getAttribute("readonly")).toBeNull();
    await expect.poll(() => a.getByTestId("lock-note").innerText(), { timeout: 10_000 }).toContain(`by ${names.alice}`);
    await closeDialog(alice.page);

    await expect.poll(() => columnNames(bob.page, "running"), { timeout: 10_000 }).toEqual([CARD]);
    const b = await openCard(bob.page, CARD);
    await expect.poll(() => b.getByLabel(/We believe that…/).getAttribute("readonly")).not.toBeNull();
    await expect.poll(() => b.getByLabel(/We are right if…/).getAttribute("readonly")).not.toBeNull();
    await expect.poll(() => b.getByTestId("lock-note").innerText()).toContain(`by ${names.alice}`);
    // Typing into a locked field does nothing.
    await b.getByLabel(/We believe that…/).click();
    await bob.page.keyboard.type("moved goalposts");
    expect(await b.getByLabel(/We believe that…/).inputValue()).toBe(HYPOTHESIS);
    expect(await b.getByRole("button", { name: "Start test" }).count()).toBe(0);
    expect(await b.getByRole("button", { name: "Delete card" }).count()).toBe(0);
    await closeDialog(bob.page);

    // The server's record of the start: what the verdict will be judged against.
    await expect
      .poll(async () => {
        const rows = await app.db.sql`select * from experiment_runs where prototype_id = ${prototypeId}`;
        return rows.map((r) => ({ name: r.name, hypothesis: r.hypothesis, metric: r.metric, criterion: r.criterion, startedBy: r.started_by }));
      }, { timeout: 10_000 })
      .toEqual([{ name: CARD, hypothesis: HYPOTHESIS, metric: METRIC, criterion: CRITERION, startedBy: users.alice.id }]);
    expectNoConsoleErrors(alice);
    expectNoConsoleErrors(bob);
  });

  it("concluding a card fills its learning card and puts it in the verdict column for everyone", async () => {
    const a = await openCard(alice.page, CARD);
    await a.getByRole("button", { name: "Conclude test" }).click();
    await a.getByRole("radio", { name: /Invalidated/ }).check();
    await a.getByRole("button", { name: "Conclude", exact: true }).click();

    // The learning card starts from what was believed.
    await expect.poll(() => a.getByLabel("We believed that…").inputValue()).toBe(HYPOTHESIS);
    await a.getByLabel("We observed…").fill("Only 35% felt ready; pairs rarely met.");
    await a.getByLabel("From that we learned that…").fill("Peers alone don't create the time to practise.");
    await a.getByLabel("Therefore, we will…").fill("Add a manager-scheduled slot.");
    await a.getByLabel("Decision").selectOption("pivot");
    await screenshot(alice.page, "experiments-learning-card");
    await closeDialog(alice.page);

    await expect.poll(() => columnNames(alice.page, "invalidated")).toEqual([CARD]);
    await expect.poll(() => columnNames(bob.page, "invalidated"), { timeout: 10_000 }).toEqual([CARD]);
    const b = await openCard(bob.page, CARD);
    await expect.poll(() => b.getByLabel("From that we learned that…").inputValue()).toBe("Peers alone don't create the time to practise.");
    await expect.poll(() => b.getByLabel("Decision").inputValue()).toBe("pivot");
    await closeDialog(bob.page);

    await expect
      .poll(async () => {
        const [row] = await app.db.sql`select verdict, decision from experiment_runs where prototype_id = ${prototypeId}`;
        return row ? `${row.verdict}/${row.decision}` : null;
      }, { timeout: 10_000 })
      .toBe("invalidated/pivot");
    expectNoConsoleErrors(alice);
    expectNoConsoleErrors(bob);
  });

  it("moves a card with the keyboard only, announcing each step", async () => {
    const page = alice.page;
    const handle = page.getByRole("button", { name: `Move ${SECOND}` });
    await handle.focus();
    await page.keyboard.press("Space");
    await expect.poll(() => announcer(page).innerText()).toContain(`Picked up ${SECOND}`);
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => announcer(page).innerText()).toContain("Running, position 1 of 1");
    await page.keyboard.press("Enter");
    // Planned → running starts the test: confirm first.
    const confirm = page.getByRole("dialog", { name: "Start this test?" });
    await confirm.waitFor();
    await page.keyboard.press("Enter");
    await expect.poll(() => columnNames(page, "running")).toEqual([SECOND]);
    await expect.poll(() => columnNames(bob.page, "running"), { timeout: 10_000 }).toEqual([SECOND]);
    // Focus is back on the card's handle.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(`Move ${SECOND}`);

    // A started card can't go back to planned: the board says why and leaves it.
    await page.keyboard.press("Space");
    await page.keyboard.press("ArrowLeft");
    await expect.poll(() => announcer(page).innerText()).toContain("Can't drop here");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(".board-notice").innerText()).toContain("can't go back to Planned");
    expect(await columnNames(page, "running")).toEqual([SECOND]);

    // Between verdict columns: the concluded card moves from Invalidated to Inconclusive.
    await page.getByRole("button", { name: `Move ${CARD}` }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Space");
    await expect.poll(() => columnNames(page, "inconclusive")).toEqual([CARD]);
    await expect.poll(() => announcer(page).innerText()).toContain("dropped in Inconclusive");
    await expect.poll(() => columnNames(bob.page, "inconclusive"), { timeout: 10_000 }).toEqual([CARD]);
    await screenshot(page, "experiments-board");

    // Escape cancels a pick-up.
    await page.keyboard.press("Space");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Escape");
    await expect.poll(() => announcer(page).innerText()).toContain("Move cancelled");
    expect(await columnNames(page, "inconclusive")).toEqual([CARD]);

    // Moving a running card into a verdict column opens its learning card, ready to write.
    await page.getByRole("button", { name: `Move ${SECOND}` }).focus();
    await page.keyboard.press("Space");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Space");
    await page.getByRole("dialog", { name: SECOND }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-field"))).toBe("observed");
    await closeDialog(page);
    await expect.poll(() => columnNames(bob.page, "validated"), { timeout: 10_000 }).toEqual([SECOND]);
    expectNoConsoleErrors(alice);
  });

  it("deletes a planned card with undo", async () => {
    const page = alice.page;
    await page.getByRole("button", { name: "New test card" }).click();
    await dialog(page).waitFor();
    await page.keyboard.type("Throwaway");
    await expect.poll(() => columnNames(bob.page, "planned"), { timeout: 10_000 }).toEqual(["Throwaway"]);
    await dialog(page).getByRole("button", { name: "Delete card" }).click();
    await expect.poll(() => columnNames(bob.page, "planned"), { timeout: 10_000 }).toEqual([]);
    // Focus moves to the undo offer (the card it was on is gone).
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Undo deleting Throwaway");
    await page.getByRole("button", { name: "Undo deleting Throwaway" }).click();
    await expect.poll(() => columnNames(page, "planned")).toEqual(["Throwaway"]);
    await expect.poll(() => columnNames(bob.page, "planned"), { timeout: 10_000 }).toEqual(["Throwaway"]);
    expectNoConsoleErrors(alice);
    expectNoConsoleErrors(bob);
  });

  it("a viewer sees the board live but cannot create, move or edit cards", async () => {
    const vera = await open("vera");
    const page = vera.page;
    await expect.poll(() => columnNames(page, "inconclusive")).toEqual([CARD]);
    expect(await page.getByRole("button", { name: "New test card" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Move / }).count()).toBe(0);
    expect(await card(page, CARD).getAttribute("draggable")).toBe("false");

    const d = await openCard(page, CARD);
    await d.getByText(/Read-only/).waitFor();
    for (const label of ["Name", "To verify that, we will…", "We observed…"]) {
      expect(await d.getByLabel(label).getAttribute("readonly")).not.toBeNull();
    }
    expect(await d.getByLabel("Decision").isDisabled()).toBe(true);
    expect(await d.getByRole("button", { name: /Conclude|Start test|Delete/ }).count()).toBe(0);
    await closeDialog(page);

    // Still live: an editor's rename reaches the viewer.
    const a = await openCard(alice.page, SECOND);
    const name = a.getByLabel("Name");
    await name.click();
    await alice.page.keyboard.press("End");
    await alice.page.keyboard.type(" v2");
    await closeDialog(alice.page);
    await card(page, `${SECOND} v2`).waitFor({ timeout: 10_000 });
    expectNoConsoleErrors(vera);
    expectNoConsoleErrors(alice);
  });
});
