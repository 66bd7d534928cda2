import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, newPerson, screenshot, signInAs, waitForHydration, type WatchedPage } from "../helpers/browser.js";

/**
 * One invite, followed from end to end by three people, each in their own browser context:
 * A (the owner) creates it, B joins with it, C tries to reuse it. The tests run in order and
 * share these people.
 */
let app: TestServer;
let browser: Browser;
let owner: { id: string; name: string; email: string };
let workspace: { id: string; name: string };
let a: WatchedPage;
let b: WatchedPage;
let c: WatchedPage;
let inviteLink = "";
const B_NAME = "Bea Commenter";

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  owner = await createUser(app, { name: "Olga Owner" });
  workspace = await createWorkspace(app, owner.id, "Leadership Academy");
  await createPrototype(app, workspace.id, { title: "Manager onboarding bootcamp", stage: "piloting" });
  [a, b, c] = await Promise.all([newPerson(browser, app.url), newPerson(browser, app.url), newPerson(browser, app.url)]);
  // A's clipboard may be written to (and read back by the test).
  await a.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

function membersPath() {
  return `/w/${workspace.id}/members`;
}

/** The members table row of a person, found by their role select. */
function memberRow(page: Page, name: string) {
  return page.getByRole("row").filter({ has: page.getByLabel(`Role for ${name}`) });
}

describe("inviting someone with a link", { timeout: 60_000 }, () => {
  it("the owner creates a single-use Commenter link and copies it", async () => {
    const { page } = a;
    await signInAs(a, app, owner.id);
    await page.goto(membersPath());
    await waitForHydration(page);
    const invite = page.getByRole("region", { name: "Invite people" });
    await invite.getByLabel("Role", { exact: true }).selectOption({ label: "Commenter" });
    await invite.getByLabel("Link works for").selectOption({ label: "3 days" });
    await invite.getByRole("button", { name: "Create invite link" }).click();

    const field = invite.getByLabel("Invite link");
    await field.waitFor();
    inviteLink = await field.inputValue();
    expect(inviteLink).toMatch(new RegExp(`^${app.url}/invites/[A-Za-z0-9_-]{20,}$`));
    expect(await invite.innerText()).toMatch(/join once as Commenter/);
    // The token is in the page, never in the address bar.
    expect(page.url()).not.toContain(new URL(inviteLink).pathname.split("/").pop()!);
    await screenshot(page, "members-invite");

    await invite.getByRole("button", { name: "Copy link" }).click();
    await invite.getByRole("status").filter({ hasText: "Link copied to the clipboard." }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(inviteLink);

    // The history lists it as pending.
    const history = page.getByRole("region", { name: "Invite history" });
    await history.getByRole("row").filter({ hasText: "Commenter" }).filter({ hasText: "Pending" }).waitFor();

    expectNoConsoleErrors(a);
  });

  it("B opens the link, signs up, comes back to the invite, accepts it and lands in the workspace as Commenter", async () => {
    const { page } = b;
    expect(inviteLink).not.toBe("");
    await page.goto(inviteLink);
    await waitForHydration(page);
    await page.getByRole("heading", { level: 1, name: "Join Leadership Academy" }).waitFor();
    const main = page.getByRole("main");
    expect(await main.innerText()).toContain("Olga Owner invited you to join Leadership Academy as Commenter.");
    await page.getByText("To accept, log in or create a free account.").waitFor();
    await page.getByRole("link", { name: "Log in to accept" }).waitFor();
    await screenshot(page, "invite-signed-out");

    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL((url) => url.pathname === "/signup");
    expect(new URL(page.url()).searchParams.get("redirectTo")).toBe(new URL(inviteLink).pathname);
    await waitForHydration(page);
    await page.getByLabel("Your name").fill(B_NAME);
    await page.getByLabel("Email").fill("bea@example.com");
    await page.getByLabel("Password").fill("commenting is caring");
    await page.getByRole("button", { name: "Create account" }).click();

    // Back at the invite, now signed in.
    await page.waitForURL(inviteLink);
    await page.getByText(`Signed in as ${B_NAME} (bea@example.com).`).waitFor();
    await waitForHydration(page);
    await screenshot(page, "invite-signed-in");
    await page.getByRole("button", { name: "Accept invite" }).click();

    await page.waitForURL((url) => url.pathname === `/w/${workspace.id}`);
    await page.getByRole("heading", { level: 1, name: "Leadership Academy" }).waitFor();
    await page.getByText("Your role: Commenter").waitFor();

    // B reads the prototypes but may not create one.
    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Prototypes" }).click();
    await page.waitForURL((url) => url.pathname === `/w/${workspace.id}/prototypes`);
    await page.getByRole("link", { name: "Manager onboarding bootcamp" }).waitFor();
    expect(await page.getByRole("link", { name: "New prototype" }).count()).toBe(0);
    // No settings for a commenter either.
    expect(await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Settings" }).count()).toBe(0);

    // Going there by address gets the 403 page.
    const response = await page.goto(`/w/${workspace.id}/prototypes/new`);
    expect(response?.status()).toBe(403);
    await page.getByRole("heading", { level: 1, name: "You don't have access to this" }).waitFor();
    await page.getByRole("link", { name: "Go to your workspaces" }).waitFor();
    await screenshot(page, "forbidden");

    expectNoConsoleErrors(b, { expectedStatuses: [403] });
  });

  it("the owner sees B as Commenter, makes them Editor, and B then may create prototypes", async () => {
    // B has the prototype list open, still without the button.
    await b.page.goto(`/w/${workspace.id}/prototypes`);
    await b.page.getByRole("link", { name: "Manager onboarding bootcamp" }).waitFor();
    expect(await b.page.getByRole("link", { name: "New prototype" }).count()).toBe(0);

    const { page } = a;
    await page.goto(membersPath());
    await waitForHydration(page);
    const row = memberRow(page, B_NAME);
    await row.waitFor();
    expect(await row.innerText()).toContain("bea@example.com");
    const role = page.getByLabel(`Role for ${B_NAME}`);
    expect(await role.inputValue()).toBe("commenter");
    expect(await role.locator("option:checked").innerText()).toBe("Commenter");
    // The link is used up: the history says by whom.
    await page.getByRole("region", { name: "Invite history" }).getByText(`Accepted by ${B_NAME}`).waitFor();
    expect(await page.getByRole("region", { name: "Invite history" }).getByRole("button", { name: "Revoke" }).count()).toBe(0);
    await screenshot(page, "members");

    await role.selectOption({ label: "Editor" });
    await row.getByRole("button", { name: "Change role" }).click();
    await page.getByRole("status").filter({ hasText: "Role changed." }).waitFor();
    expect(await page.getByLabel(`Role for ${B_NAME}`).inputValue()).toBe("editor");
    expectNoConsoleErrors(a);

    // B reloads the list and now has the button.
    await b.page.reload();
    await waitForHydration(b.page);
    await b.page.getByText("Your role: Editor").waitFor();
    await b.page.getByRole("link", { name: "New prototype" }).click();
    await b.page.waitForURL((url) => url.pathname === `/w/${workspace.id}/prototypes/new`);
    await b.page.getByRole("heading", { level: 1, name: "New prototype" }).waitFor();
    expectNoConsoleErrors(b);
  });

  it("reusing the link from a third browser shows it was already used", async () => {
    const { page } = c;
    const response = await page.goto(inviteLink);
    expect(response?.status()).toBe(410);
    await waitForHydration(page);
    await page.getByRole("heading", { level: 1, name: "This invite can't be used anymore" }).waitFor();
    await page.getByText("This invite has already been used.").waitFor();
    expect(await page.getByRole("button", { name: "Accept invite" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Create an account" }).count()).toBe(0);
    await screenshot(page, "invite-used");

    // B, now a member, gets the same answer: the link did its one job.
    const again = await b.page.goto(inviteLink);
    expect(again?.status()).toBe(410);
    await b.page.getByText("This invite has already been used.").waitFor();

    expectNoConsoleErrors(c, { expectedStatuses: [410] });
    expectNoConsoleErrors(b, { expectedStatuses: [410] });
  });
  it("the owner revokes an unused link and removes B after confirming; B loses access", async () => {
    const { page } = a;
    await page.goto(membersPath());
    await waitForHydration(page);

    // A second link, revoked before anyone used it.
    const invite = page.getByRole("region", { name: "Invite people" });
    await invite.getByLabel("Role", { exact: true }).selectOption({ label: "Viewer" });
    await invite.getByRole("button", { name: "Create invite link" }).click();
    await invite.getByLabel("Invite link").waitFor();
    const unused = await invite.getByLabel("Invite link").inputValue();
    expect(unused).not.toBe(inviteLink);
    const pending = page.getByRole("region", { name: "Invite history" }).getByRole("row").filter({ hasText: "Pending" });
    await pending.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("status").filter({ hasText: "Invite link revoked. It no longer works." }).waitFor();
    expect(await pending.count()).toBe(0);
    const revoked = await c.page.goto(unused);
    expect(revoked?.status()).toBe(410);
    await c.page.getByText("This invite was revoked.").waitFor();

    // Remove asks first; Cancel puts focus back on the Remove button.
    const row = memberRow(page, B_NAME);
    await row.getByRole("button", { name: "Remove" }).click();
    await row.getByText(`Remove ${B_NAME} from Leadership Academy? They lose access right away.`).waitFor();
    const confirm = row.getByRole("button", { name: "Yes, remove" });
    await expect.poll(() => confirm.evaluate((el) => el === document.activeElement)).toBe(true);
    await screenshot(page, "members-remove-confirm");
    await row.getByRole("link", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    await expect.poll(() => row.getByRole("button", { name: "Remove" }).evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await memberRow(page, B_NAME).count()).toBe(1);

    await row.getByRole("button", { name: "Remove" }).click();
    await confirm.click();
    await page.getByRole("status").filter({ hasText: "Member removed." }).waitFor();
    expect(await memberRow(page, B_NAME).count()).toBe(0);
    expect(await page.getByRole("row").filter({ hasText: "bea@example.com" }).count()).toBe(0);
    expectNoConsoleErrors(a);

    // B's next request finds no workspace: a 404 that tells nothing about it.
    const gone = await b.page.goto(`/w/${workspace.id}/prototypes`);
    expect(gone?.status()).toBe(404);
    await b.page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await b.page.getByText("This workspace doesn't exist, or you are not a member of it.").waitFor();
    expect(await b.page.getByText("Manager onboarding bootcamp").count()).toBe(0);

    expectNoConsoleErrors(b, { expectedStatuses: [404] });
    expectNoConsoleErrors(c, { expectedStatuses: [410] });
  });
});
