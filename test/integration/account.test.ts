/** The account page over HTTP: "sign out everywhere". */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, location } from "../helpers/http.js";
import { createUser, createWorkspace, loginClient } from "../helpers/factories.js";
import { snapshotTables } from "../helpers/snapshot.js";
import { alerts, visibleText } from "../helpers/pages.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

async function sessionsOf(userId: string): Promise<number> {
  const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from sessions where user_id = ${userId}`;
  return n;
}

/** Expects the client to be treated as signed out: sent to log in, coming back to the page. */
async function expectSignedOut(client: HttpClient, path: string) {
  const res = await client.get(path);
  expect(res.status).toBe(302);
  expect(location(res)).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);
}

describe("sign out everywhere", () => {
  it("signs out every session of the user, from any one of them, and leaves other users signed in", async () => {
    const user = await createUser(app);
    const other = await createUser(app);
    const workspace = await createWorkspace(app, user.id);
    const laptop = await loginClient(app, user.email);
    const phone = await loginClient(app, user.email);
    const colleague = await loginClient(app, other.email);
    expect(await sessionsOf(user.id)).toBe(2);

    const page = await laptop.get("/account");
    expect(page.status).toBe(200);
    expect(visibleText(await page.text())).toContain("You are signed in on 2 active sessions, including this browser.");
    expect((await phone.get(`/w/${workspace.id}`)).status).toBe(200);

    const res = await laptop.post("/account", { intent: "signOutEverywhere" });
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/login");
    expect(res.headers.getSetCookie().some((c) => /^pilotlab_session=;.*Max-Age=0/i.test(c))).toBe(true);
    expect(await sessionsOf(user.id)).toBe(0);

    // Both of the user's browsers are now signed out, wherever they go.
    await expectSignedOut(laptop, "/account");
    await expectSignedOut(phone, "/account");
    await expectSignedOut(phone, `/w/${workspace.id}`);
    // The phone still holds its (dead) cookie: it must not work for writes either.
    const stale = await phone.post(`/w/${workspace.id}/goals?index`, { title: "From a dead session", description: "", ownerId: "" });
    expect(stale.status).toBe(302);
    expect(location(stale)).toMatch(/^\/login\?redirectTo=/);
    const [{ n: goals }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from goals where workspace_id = ${workspace.id}`;
    expect(goals).toBe(0);

    // Someone else's session is untouched.
    expect(await sessionsOf(other.id)).toBe(1);
    const theirs = await colleague.get("/account");
    expect(theirs.status).toBe(200);
    expect(visibleText(await theirs.text())).toContain("You are signed in on 1 active session (this browser).");

    // Logging in again works and starts a single new session.
    const again = await loginClient(app, user.email);
    expect((await again.get("/account")).status).toBe(200);
    expect(await sessionsOf(user.id)).toBe(1);
    await expectSignedOut(phone, "/account");
  });

  it("a POST without the intent is refused with 400 and signs nobody out", async () => {
    const user = await createUser(app);
    const a = await loginClient(app, user.email);
    await loginClient(app, user.email);
    const before = await snapshotTables(app.db.sql);
    const res = await a.post("/account", { intent: "deleteAccount" });
    expect(res.status).toBe(400);
    expect(alerts(await res.text())).toContain("That action isn't available on this page.");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
    expect(await sessionsOf(user.id)).toBe(2);
  });

  it("a signed-out visitor posting it is sent to log in and nothing changes", async () => {
    const user = await createUser(app);
    await loginClient(app, user.email);
    const before = await snapshotTables(app.db.sql);
    const res = await new HttpClient(app.url).post("/account", { intent: "signOutEverywhere" });
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/login?redirectTo=%2Faccount");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });
});
