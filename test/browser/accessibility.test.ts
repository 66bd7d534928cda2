import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { launchBrowser, logIn, newPerson, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { accessibilityViolations } from "../helpers/accessibility.js";
import { DEMO_EMAIL, DEMO_PASSWORD } from "../../server/seed.js";

/**
 * Every page a person meets, audited with axe-core (WCAG 2.2 A/AA and axe's best practices) in
 * Chromium, on the seeded demo workspace (its pulse form has answers, its piloting prototype
 * experiment cards), in the states that matter: filled in, empty, open menus, form errors, read-only.
 */

let app: TestServer;
let browser: Browser;
let workspace: string;
let prototypes: Map<string, string>;
let form: { id: string; token: string };
const people: WatchedPage[] = [];

const SALES = "Sales onboarding bootcamp in the flow of work";

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestServer({ seed: true }), launchBrowser()]);
  [{ id: workspace }] = await app.db.sql<{ id: string }[]>`select id from workspaces`;
  const rows = await app.db.sql<{ id: string; title: string }[]>`select id, title from prototypes`;
  prototypes = new Map(rows.map((r) => [r.title, r.id]));
  // The demo's pulse form (every kind of question, answers over three weeks) and its experiment cards.
  [form] = await app.db.sql<{ id: string; token: string }[]>`select id, public_token as token from feedback_forms`;
});

afterAll(async () => {
  await Promise.all(people.map((p) => p.context.close().catch(() => {})));
  await browser?.close();
  await app?.close();
});

async function person(email?: string): Promise<Page> {
  const p = await newPerson(browser, app.url);
  people.push(p);
  if (email) await logIn(p.page, email, DEMO_PASSWORD);
  return p.page;
}

/** Opens `path` (unless null: audit the page as it is) and expects no violations. */
async function audit(page: Page, path: string | null, label = path ?? page.url()) {
  if (path !== null) {
    const response = await page.goto(path);
    expect(response?.status(), `${label} loads`).toBeLessThan(500);
    await waitForHydration(page);
  }
  expect(await accessibilityViolations(page), label).toEqual([]);
  // Nothing makes the page scroll sideways (WCAG 1.4.10, reflow).
  expect(await sideways(page), `${label}: elements wider than the window`).toEqual([]);
}

/** Elements that reach past the right edge of the window (none when the page fits its width). */
function sideways(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    // What sits inside a box that scrolls or clips on its own (a wide board, a table) is fine while that box fits.
    const contained = (el: Element) => {
      for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== "visible" && box.getBoundingClientRect().right <= width + 1) return true;
      }
      return false;
    };
    return [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !contained(el))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} > ${width})`);
  });
}

describe("accessibility (axe-core, WCAG 2.2 AA)", { timeout: 120_000 }, () => {
  it("pages without an account: log in (and its error), sign up, a public feedback form with errors, thanks, not found", async () => {
    const page = await person();
    await audit(page, "/login");
    await page.getByLabel("Email").fill(DEMO_EMAIL);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").first().waitFor();
    await audit(page, null, "login with an error");
    await audit(page, "/signup");
    await audit(page, `/f/${form.token}`, "public form");
    // Sent without the required rating: the errors are shown by their questions.
    await page.getByRole("button", { name: "Send answers" }).click();
    await page.getByRole("alert").first().waitFor();
    await audit(page, null, "public form with errors");
    await page.getByRole("radio", { name: "4" }).first().check();
    await page.getByRole("radio", { name: "Yes" }).check();
    await page.getByRole("button", { name: "Send answers" }).click();
    await page.waitForURL(/\/thanks/);
    await audit(page, null, "thanks");
    await audit(page, "/no/such/page", "not found");
  });

  it("the workspace's pages as its owner", async () => {
    const page = await person(DEMO_EMAIL);
    const w = `/w/${workspace}`;
    for (const path of [w, `${w}/prototypes`, `${w}/prototypes?q=discovery`, `${w}/experiments`, `${w}/goals`, `${w}/sprints`, `${w}/sprints/new`, `${w}/members`, `${w}/settings`]) {
      await audit(page, path);
    }
    const [goal] = await app.db.sql<{ id: string }[]>`select id from goals order by title limit 1`;
    await audit(page, `${w}/goals/${goal.id}`);
    const [sprint] = await app.db.sql<{ id: string }[]>`select id from sprints limit 1`;
    await audit(page, `${w}/sprints/${sprint.id}`, "sprint room");
    await audit(page, `${w}/sprints/${sprint.id}/summary`, "sprint summary");
    await audit(page, "/inbox");
    await audit(page, "/account");
    await audit(page, "/workspaces/new");

    // A form sent empty shows its errors.
    await audit(page, `${w}/prototypes/new`);
    await page.getByRole("button", { name: "Create prototype" }).click();
    await page.getByRole("alert").first().waitFor();
    await audit(page, null, "new prototype with errors");

    const sales = `${w}/prototypes/${prototypes.get(SALES)}`;
    await audit(page, `${sales}/feedback`, "feedback forms");
    await audit(page, `${sales}/feedback/${form.id}`, "form builder");
    await audit(page, `${sales}/feedback/${form.id}/results`, "form results");
    const empty = `${w}/prototypes/${prototypes.get("Five-minute safety huddles on the shift tablet")}/feedback`;
    await audit(page, empty, "no feedback forms yet");
  });

  it("a live prototype: the editor, its experiment board and menus, a decision", async () => {
    const page = await person(DEMO_EMAIL);
    await page.goto(`/w/${workspace}/prototypes/${prototypes.get(SALES)}`);
    await waitForHydration(page);
    await page.locator('.connection[data-state="connected"]').waitFor();
    await page.getByText("Live calls from week 3").first().waitFor();
    await audit(page, null, "prototype page, connected, with cards");

    await page.getByRole("button", { name: "Insert experiment card" }).click();
    await page.getByRole("menu", { name: "Experiment cards" }).waitFor();
    await audit(page, null, "insert-card menu open");
    await page.keyboard.press("Escape");

    await page.getByRole("radio", { name: /Approve for pilot/ }).first().check();
    await page.getByLabel("Note").fill("Run it with both cohorts.");
    await page.getByRole("button", { name: "Record decision" }).click();
    await page.getByRole("link", { name: /Made on the version of/ }).first().click();
    await page.waitForURL(/\/decisions\/[0-9a-f-]{36}$/);
    await waitForHydration(page);
    await audit(page, null, "a decision and the version it was made on");
  });

  it("at a phone's width, every main page fits without sideways scrolling", async () => {
    const page = await person(DEMO_EMAIL);
    await page.setViewportSize({ width: 390, height: 844 });
    const w = `/w/${workspace}`;
    const sales = `${w}/prototypes/${prototypes.get(SALES)}`;
    const [goal] = await app.db.sql<{ id: string }[]>`select id from goals order by title limit 1`;
    const [sprint] = await app.db.sql<{ id: string }[]>`select id from sprints limit 1`;
    const pages = [
      ...[w, `${w}/prototypes`, `${w}/prototypes/new`, sales, `${w}/experiments`, `${w}/goals`, `${w}/goals/${goal.id}`, `${w}/members`, `${w}/settings`],
      ...[`${w}/sprints`, `${w}/sprints/new`, `${w}/sprints/${sprint.id}`, `${w}/sprints/${sprint.id}/summary`],
      ...[`${sales}/feedback`, `${sales}/feedback/${form.id}`, `${sales}/feedback/${form.id}/results`, "/inbox", "/account", "/workspaces/new", `/f/${form.token}`],
    ];
    for (const path of pages) await audit(page, path, `${path} at 390 px`);
  });

  it("a viewer's read-only prototype page", async () => {
    const page = await person("ana@example.com");
    await page.goto(`/w/${workspace}/prototypes/${prototypes.get("Manager coaching circles")}`);
    await waitForHydration(page);
    await page.locator('.connection[data-state="connected"]').waitFor();
    expect(await page.getByRole("textbox", { name: "Prototype document" }).getAttribute("contenteditable")).toBe("false");
    await audit(page, null, "viewer's prototype page");
  });
});
