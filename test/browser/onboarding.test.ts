import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { describedBy, expectNoConsoleErrors, launchBrowser, newPerson, screenshot, waitForHydration, type WatchedPage } from "../helpers/browser.js";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

let app: TestServer;
let browser: Browser;
const people: WatchedPage[] = [];

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A new person (their own browser context); their context is closed after the test. */
async function person() {
  const p = await newPerson(browser, app.url);
  people.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(people.splice(0).map((p) => p.context.close()));
});

/** Goes to a page of the workspace through the sidebar navigation. */
async function openSection(page: Page, name: "Overview" | "Prototypes" | "Goals" | "Members" | "Settings", path: RegExp) {
  await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name, exact: true }).click();
  await page.waitForURL(path);
  await waitForHydration(page);
}

/** The list item of a prototype (or goal) in a list, by its title. */
function listItem(page: Page, title: string) {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: title, exact: true }) });
}

describe("onboarding", { timeout: 60_000 }, () => {
  it("a new user signs up, creates a workspace, a goal and a prototype, then finds, edits, archives and restores it", async () => {
    const ada = await person();
    const { page } = ada;

    // Sign up.
    await page.goto("/signup");
    await waitForHydration(page);
    await screenshot(page, "signup");
    await page.getByLabel("Your name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("analytical engine");
    await page.getByRole("button", { name: "Create account" }).click();

    // Lands on "create a workspace".
    await page.waitForURL((url) => url.pathname === "/workspaces/new");
    await page.getByRole("heading", { level: 1, name: "Welcome, Ada" }).waitFor();
    await waitForHydration(page);
    await screenshot(page, "workspace-new");
    await page.getByLabel("Workspace name").fill("Sales Enablement Lab");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.waitForURL(new RegExp(`/w/${UUID}$`));
    await page.getByRole("heading", { level: 1, name: "Sales Enablement Lab" }).waitFor();
    const workspacePath = new URL(page.url()).pathname;
    await waitForHydration(page);
    await screenshot(page, "workspace-overview");

    // A goal.
    await openSection(page, "Goals", /\/goals$/);
    await screenshot(page, "goals");
    await page.getByLabel("Title").fill("Cut onboarding time by 30%");
    await page.getByLabel("Description").fill("New sales reps reach quota sooner.");
    await page.getByRole("button", { name: "Create goal" }).click();
    await page.waitForURL(new RegExp(`${workspacePath}/goals/${UUID}$`));
    await page.getByRole("heading", { level: 1, name: "Cut onboarding time by 30%" }).waitFor();
    await waitForHydration(page);
    await screenshot(page, "goal");

    // A prototype aligned to it, in stage "Prototyping".
    await openSection(page, "Prototypes", /\/prototypes$/);
    await page.getByRole("link", { name: "New prototype" }).first().click();
    await page.waitForURL(/\/prototypes\/new$/);
    await waitForHydration(page);
    await screenshot(page, "prototype-new");
    await page.getByLabel("Title").fill("Peer coaching circles");
    await page.getByLabel("Stage").selectOption({ label: "Prototyping" });
    await page.getByLabel("Goal").selectOption({ label: "Cut onboarding time by 30%" });
    await page.getByRole("button", { name: "Create prototype" }).click();
    await page.waitForURL(new RegExp(`${workspacePath}/prototypes/${UUID}$`));
    const prototypePath = new URL(page.url()).pathname;
    await page.getByRole("heading", { level: 1, name: "Peer coaching circles" }).waitFor();
    await waitForHydration(page);
    await screenshot(page, "prototype");

    // It is in the list, with its stage and goal.
    await page.getByRole("link", { name: "← All prototypes" }).click();
    await page.waitForURL(new RegExp(`${workspacePath}/prototypes$`));
    await waitForHydration(page);
    await screenshot(page, "prototypes");
    const item = listItem(page, "Peer coaching circles");
    await item.waitFor();
    const itemText = await item.innerText();
    expect(itemText).toContain("Prototyping");
    expect(itemText).toContain("Goal: Cut onboarding time by 30%");
    expect(await item.getByRole("link", { name: "Cut onboarding time by 30%" }).getAttribute("href")).toMatch(new RegExp(`${workspacePath}/goals/${UUID}$`));

    // Filtering by stage hides it, and shows it again.
    const filters = page.getByRole("form", { name: "Filter prototypes" });
    await filters.getByLabel("Stage").selectOption({ label: "Piloting" });
    await page.waitForURL((url) => url.searchParams.get("stage") === "piloting");
    await page.getByRole("heading", { name: "No prototypes match these filters" }).waitFor();
    await page.getByRole("status").filter({ hasText: "0 prototypes in Piloting" }).waitFor();
    expect(await item.count()).toBe(0);
    await page.getByRole("link", { name: "Clear filters" }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/prototypes") && url.search === "");
    await item.waitFor();
    await expect.poll(() => filters.getByLabel("Stage").inputValue()).toBe("");
    await filters.getByLabel("Stage").selectOption({ label: "Prototyping" });
    await page.waitForURL((url) => url.searchParams.get("stage") === "prototyping");
    await page.getByRole("status").filter({ hasText: "1 prototype in Prototyping" }).waitFor();
    await item.waitFor();

    // Rename it and move it to another stage on its page.
    await item.getByRole("link", { name: "Peer coaching circles" }).click();
    await page.waitForURL((url) => url.pathname === prototypePath);
    await waitForHydration(page);
    await page.getByLabel("Title").fill("Peer coaching circles for new managers");
    await page.getByLabel("Stage").selectOption({ label: "Piloting" });
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { level: 1, name: "Peer coaching circles for new managers" }).waitFor();
    await page.getByRole("status").filter({ hasText: "Changes saved." }).waitFor();
    expect(await page.getByLabel("Title").inputValue()).toBe("Peer coaching circles for new managers");
    expect(await page.getByLabel("Stage").inputValue()).toBe("piloting");
    expect(await page.locator("header.page-header").innerText()).toContain("Piloting");

    // Archive: it leaves the active list and shows under "Archived".
    await page.getByRole("button", { name: "Archive" }).click();
    await page.getByRole("button", { name: "Restore" }).waitFor();
    await page.getByText("This prototype is archived.").waitFor();
    await screenshot(page, "prototype-archived");
    await page.getByRole("link", { name: "← All prototypes" }).click();
    await page.waitForURL(new RegExp(`${workspacePath}/prototypes$`));
    await page.getByRole("heading", { name: "No prototypes yet" }).waitFor();
    await page.getByRole("navigation", { name: "Prototype status" }).getByRole("link", { name: "Archived" }).click();
    await page.waitForURL((url) => url.searchParams.get("archived") === "1");
    await listItem(page, "Peer coaching circles for new managers").waitFor();

    // Restore from its page: back in the active list.
    await page.getByRole("link", { name: "Peer coaching circles for new managers" }).click();
    await page.waitForURL((url) => url.pathname === prototypePath);
    await waitForHydration(page);
    await page.getByRole("button", { name: "Restore" }).click();
    await page.getByRole("button", { name: "Archive" }).waitFor();
    expect(await page.getByText("This prototype is archived.").count()).toBe(0);
    await page.getByRole("link", { name: "← All prototypes" }).click();
    await page.waitForURL(new RegExp(`${workspacePath}/prototypes$`));
    const restored = listItem(page, "Peer coaching circles for new managers");
    await restored.waitFor();
    expect(await restored.innerText()).toContain("Piloting");

    // The database agrees with what the pages showed.
    const [row] = await app.db.sql<{ title: string; stage: string; archived_at: Date | null; goal: string }[]>`
      select p.title, p.stage, p.archived_at, g.title as goal
      from prototypes p join goals g on g.id = p.goal_id
      where p.id = ${prototypePath.split("/").pop()!}`;
    expect(row).toMatchObject({ title: "Peer coaching circles for new managers", stage: "piloting", archived_at: null, goal: "Cut onboarding time by 30%" });

    expectNoConsoleErrors(ada);
  });

  it("signup with an empty name and a short password shows the errors next to the fields and keeps the typed email", async () => {
    const grace = await person();
    const { page } = grace;
    await page.goto("/signup");
    await waitForHydration(page);
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();

    const name = page.getByLabel("Your name");
    const password = page.getByLabel("Password");
    const email = page.getByLabel("Email");
    await page.getByText("Name is required.").waitFor();
    await page.getByText("Use at least 8 characters.").waitFor();
    await screenshot(page, "signup-errors");

    expect(new URL(page.url()).pathname).toBe("/signup");
    expect(await name.getAttribute("aria-invalid")).toBe("true");
    expect(await describedBy(name)).toContain("Name is required.");
    expect(await password.getAttribute("aria-invalid")).toBe("true");
    expect(await describedBy(password)).toContain("Use at least 8 characters.");
    // The email was fine: kept, and not marked invalid.
    expect(await email.inputValue()).toBe("grace@example.com");
    expect(await email.getAttribute("aria-invalid")).toBeNull();
    // No account was created.
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from users where email = 'grace@example.com'`;
    expect(n).toBe(0);

    expectNoConsoleErrors(grace, { expectedStatuses: [400] });
  });
});
