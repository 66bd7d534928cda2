import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { PASSWORD, createUser, createWorkspace } from "../helpers/factories.js";
import { expectNoConsoleErrors, focused, launchBrowser, newPerson, screenshot, signInAs, waitForHydration, type WatchedPage } from "../helpers/browser.js";

let app: TestServer;
let browser: Browser;
let user: { id: string; name: string; email: string };
let first: { id: string; name: string };
let second: { id: string; name: string };

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  user = await createUser(app, { name: "Kim Keyboard" });
  first = await createWorkspace(app, user.id, "Customer Success Academy");
  second = await createWorkspace(app, user.id, "Field Sales Lab");
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const people: WatchedPage[] = [];
/** A new person (their own browser context); their context is closed after the test. */
async function person() {
  const p = await newPerson(browser, app.url);
  people.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(people.splice(0).map((p) => p.context.close()));
});

/** The workspace the user lands in after logging in (the first one listed for them). */
async function homeWorkspace() {
  const [home] = await app.services.workspaces.listForUser(user.id);
  return home;
}

describe("auth and navigation", { timeout: 60_000 }, () => {
  it("a wrong password shows an error and stays on the login page; the right one lands in your workspace", async () => {
    const kim = await person();
    const { page } = kim;
    await page.goto("/login");
    await waitForHydration(page);
    await screenshot(page, "login");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("not my password");
    await page.getByRole("button", { name: "Log in" }).click();

    await page.getByRole("alert").filter({ hasText: "Email or password is incorrect." }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await page.getByLabel("Email").inputValue()).toBe(user.email);
    await screenshot(page, "login-error");

    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    const home = await homeWorkspace();
    await page.waitForURL((url) => url.pathname === `/w/${home.id}`);
    await page.getByRole("heading", { level: 1, name: home.name }).waitFor();
    await page.getByText("Signed in as Kim Keyboard").waitFor();

    expectNoConsoleErrors(kim, { expectedStatuses: [400] });
  });

  it("Log out ends the session; a workspace page then asks you to log in and brings you back to it", async () => {
    const kim = await person();
    const { page } = kim;
    await signInAs(kim, app, user.id);
    await page.goto(`/w/${first.id}`);
    await waitForHydration(page);
    const sessionCookies = await kim.context.cookies();
    await page.getByRole("button", { name: "Log out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/login");
    await page.getByRole("heading", { level: 1, name: "Log in" }).waitFor();
    expect((await kim.context.cookies()).filter((c) => c.value !== "")).toEqual([]);

    // The session is gone on the server too: even with the old cookie put back, a workspace
    // page redirects to the login page.
    await kim.context.addCookies(sessionCookies);
    const goals = `/w/${second.id}/goals`;
    await page.goto(goals);
    await page.waitForURL((url) => url.pathname === "/login");
    expect(new URL(page.url()).searchParams.get("redirectTo")).toBe(goals);

    await waitForHydration(page);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((url) => url.pathname === goals);
    await page.getByRole("heading", { level: 1, name: "Goals" }).waitFor();
    expect(await page.getByRole("combobox", { name: "Workspace" }).locator("option:checked").innerText()).toBe(second.name);

    expectNoConsoleErrors(kim);
  });

  it("the login form can be completed with the keyboard alone", async () => {
    const kim = await person();
    const { page } = kim;
    await page.goto("/login");
    await waitForHydration(page);
    // The email field has focus from the start.
    expect(await focused(page)).toMatchObject({ tag: "input", label: "Email" });
    await page.keyboard.type(user.email);
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatchObject({ tag: "input", label: "Password" });
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatchObject({ tag: "button", text: "Log in" });
    // Enter in the password field submits, as it should in any form.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Enter");
    const home = await homeWorkspace();
    await page.waitForURL((url) => url.pathname === `/w/${home.id}`);
    await page.getByRole("heading", { level: 1, name: home.name }).waitFor();

    expectNoConsoleErrors(kim);
  });

  it("the skip link is the first thing Tab reaches, and it jumps past the navigation", async () => {
    const kim = await person();
    const { page } = kim;

    // Signed out, on the landing page.
    await page.goto("/");
    await waitForHydration(page);
    await screenshot(page, "landing");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatchObject({ tag: "a", text: "Skip to content", href: "#main" });
    // It is on screen once focused (it hides off-screen otherwise).
    const box = await page.getByRole("link", { name: "Skip to content" }).boundingBox();
    expect(box && box.x >= 0 && box.y >= 0).toBe(true);

    // Signed in, in a workspace: Tab, Enter, Tab lands in the main content, not the sidebar.
    await signInAs(kim, app, user.id);
    await page.goto(`/w/${first.id}`);
    await waitForHydration(page);
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatchObject({ tag: "a", text: "Skip to content" });
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.hash === "#main");
    await page.keyboard.press("Tab");
    const next = await page.evaluate(() => {
      const el = document.activeElement;
      return { inMain: Boolean(el?.closest("main#main")), inSidebar: Boolean(el?.closest(".sidebar")), text: el?.textContent?.trim() };
    });
    expect(next).toMatchObject({ inMain: true, inSidebar: false, text: "New prototype" });

    expectNoConsoleErrors(kim);
  });

  it("moving to another page by the sidebar puts focus on the new page's main content", async () => {
    const kim = await person();
    const { page } = kim;
    await signInAs(kim, app, user.id);
    await page.goto(`/w/${first.id}`);
    await waitForHydration(page);
    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Goals" }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/goals"));
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("main");
    // The next Tab continues inside the page, not back in the sidebar.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest("main#main")))).toBe(true);
    expectNoConsoleErrors(kim);
  });

  it("an unknown URL shows the 404 page", async () => {
    const kim = await person();
    const { page } = kim;
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await waitForHydration(page);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await page.getByText("We couldn't find that page. Check the address, or go back to your workspaces.").waitFor();
    await screenshot(page, "not-found");
    // The way out works.
    await page.getByRole("link", { name: "Go to your workspaces" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.getByRole("link", { name: "Create an account" }).first().waitFor();

    expectNoConsoleErrors(kim, { expectedStatuses: [404] });
  });

  it("the workspace switcher moves between workspaces", async () => {
    const kim = await person();
    const { page } = kim;
    await signInAs(kim, app, user.id);
    await page.goto(`/w/${first.id}`);
    await waitForHydration(page);
    const switcher = page.getByRole("combobox", { name: "Workspace" });
    expect(await switcher.inputValue()).toBe(first.id);

    await switcher.selectOption({ label: second.name });
    await page.waitForURL((url) => url.pathname === `/w/${second.id}`);
    await page.getByRole("heading", { level: 1, name: second.name }).waitFor();
    expect(await switcher.inputValue()).toBe(second.id);

    await waitForHydration(page);
    await switcher.selectOption({ label: first.name });
    await page.waitForURL((url) => url.pathname === `/w/${first.id}`);
    await page.getByRole("heading", { level: 1, name: first.name }).waitFor();
    expect(await switcher.inputValue()).toBe(first.id);

    await switcher.selectOption({ label: "+ New workspace…" });
    await page.waitForURL((url) => url.pathname === "/workspaces/new");
    await page.getByRole("heading", { level: 1, name: "New workspace" }).waitFor();

    expectNoConsoleErrors(kim);
  });

  it("Sign out everywhere on the account page also signs out another browser of the same user", async () => {
    // A user of its own, so this doesn't end other tests' sessions.
    const sam = await createUser(app, { name: "Sam Shared" });
    const workspace = await createWorkspace(app, sam.id, "Shared Device Lab");
    const laptop = await person();
    const phone = await person();
    await signInAs(laptop, app, sam.id);
    await signInAs(phone, app, sam.id);
    await Promise.all([laptop.page.goto("/"), phone.page.goto("/")]);
    await phone.page.waitForURL((url) => url.pathname === `/w/${workspace.id}`);
    await laptop.page.waitForURL((url) => url.pathname === `/w/${workspace.id}`);

    await waitForHydration(laptop.page);
    await laptop.page.getByRole("link", { name: "Account", exact: true }).click();
    await laptop.page.waitForURL((url) => url.pathname === "/account");
    await laptop.page.getByText("You are signed in on 2 active sessions, including this browser.").waitFor();
    await waitForHydration(laptop.page);
    await screenshot(laptop.page, "account");
    await laptop.page.getByRole("button", { name: "Sign out everywhere" }).click();
    await laptop.page.waitForURL((url) => url.pathname === "/login");

    // The other browser still holds its cookie, but the session behind it is gone.
    expect((await phone.context.cookies()).some((c) => c.value !== "")).toBe(true);
    await phone.page.reload();
    await phone.page.waitForURL((url) => url.pathname === "/login");
    expect(new URL(phone.page.url()).searchParams.get("redirectTo")).toBe(`/w/${workspace.id}`);
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from sessions where user_id = ${sam.id}`;
    expect(n).toBe(0);

    expectNoConsoleErrors(laptop);
    expectNoConsoleErrors(phone);
  });
});
