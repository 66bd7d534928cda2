import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, PROTECTED_PAGE, location } from "../helpers/http.js";
import { createUser, loginClient } from "../helpers/factories.js";
import { SESSION_DAYS } from "../../app/lib/limits.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

const sessionId = (client: HttpClient) => createHash("sha256").update(client.cookies.get("pilotlab_session")!).digest("hex");

async function daysLeft(id: string): Promise<number | null> {
  const [row] = await app.db.sql<{ days: number }[]>`
    select extract(epoch from expires_at - now())::float8 / 86400 as days from sessions where id = ${id}`;
  return row ? row.days : null;
}

const sessionCookies = (res: Response) => res.headers.getSetCookie().filter((c) => c.startsWith("pilotlab_session="));

async function loggedIn() {
  const user = await createUser(app);
  const client = await loginClient(app, user.email);
  return { user, client, id: sessionId(client) };
}

describe("session lifetime", () => {
  it("a new session lasts the full session lifetime", async () => {
    const { id } = await loggedIn();
    expect(await daysLeft(id)).toBeCloseTo(SESSION_DAYS, 2);
  });

  it("an expired session sends a protected page to /login, clears the cookie and is deleted", async () => {
    const { client, id } = await loggedIn();
    await app.db.sql`update sessions set expires_at = now() - interval '1 minute' where id = ${id}`;
    const res = await client.get(PROTECTED_PAGE);
    expect(res.status).toBe(302);
    expect(location(res)).toBe(`/login?redirectTo=${encodeURIComponent(PROTECTED_PAGE)}`);
    const [cookie] = sessionCookies(res);
    expect(cookie).toMatch(/^pilotlab_session=;/);
    expect(cookie).toMatch(/Max-Age=0/i);
    expect(await daysLeft(id)).toBeNull();
  });

  it("slides: a session with 10 days left is extended to the full lifetime and its cookie re-set", async () => {
    const { client, id } = await loggedIn();
    const token = client.cookies.get("pilotlab_session")!;
    await app.db.sql`update sessions set expires_at = now() + interval '10 days' where id = ${id}`;
    const res = await client.get(PROTECTED_PAGE);
    expect(res.status).toBe(200);
    const cookies = sessionCookies(res);
    expect(cookies).toHaveLength(1);
    // Same token (the session id does not change), fresh lifetime.
    expect(cookies[0]).toMatch(new RegExp(`^pilotlab_session=${token};`));
    expect(cookies[0]).toMatch(new RegExp(`Max-Age=${SESSION_DAYS * 86400}`, "i"));
    expect(cookies[0]).toMatch(/HttpOnly/i);
    expect(await daysLeft(id)).toBeCloseTo(SESSION_DAYS, 2);
  });

  it("slides on any page, also one that needs no login", async () => {
    const { client, id } = await loggedIn();
    await app.db.sql`update sessions set expires_at = now() + interval '1 day' where id = ${id}`;
    const res = await client.get("/login");
    expect(res.status).toBe(302); // logged in: sent on from the login page
    expect(sessionCookies(res)).toHaveLength(1);
    expect(await daysLeft(id)).toBeCloseTo(SESSION_DAYS, 2);
  });

  it("does not re-set the cookie of a session with 25 days left", async () => {
    const { client, id } = await loggedIn();
    await app.db.sql`update sessions set expires_at = now() + interval '25 days' where id = ${id}`;
    const res = await client.get(PROTECTED_PAGE);
    expect(res.status).toBe(200);
    expect(sessionCookies(res)).toEqual([]);
    expect(await daysLeft(id)).toBeCloseTo(25, 2);
  });
});

describe("cookies that are not a session", () => {
  const cases: [string, string][] = [
    ["garbage", "pilotlab_session=not-a-token"],
    ["well-formed but unknown", `pilotlab_session=${"A".repeat(32)}`],
    ["bad percent-encoding", "pilotlab_session=%E0%A4%A"],
    ["SQL in the value", "pilotlab_session=' or 1=1 --"],
    ["a huge value", `pilotlab_session=${"b".repeat(4000)}`],
    ["the hash itself instead of the token", `pilotlab_session=${"c".repeat(64)}`],
  ];
  for (const [label, cookie] of cases) {
    it(`treats a ${label} cookie as logged out and clears it`, async () => {
      const res = await fetch(new URL(PROTECTED_PAGE, app.url), { headers: { cookie }, redirect: "manual" });
      expect(res.status).toBe(302);
      expect(location(res)).toMatch(/^\/login\?/);
      const [cleared] = sessionCookies(res);
      expect(cleared).toMatch(/^pilotlab_session=;.*Max-Age=0/i);
      const home = await fetch(new URL("/", app.url), { headers: { cookie }, redirect: "manual" });
      expect(home.status).toBe(200);
    });
  }

  it("a malformed cookie of another app on the same host does not break a valid session", async () => {
    const { client } = await loggedIn();
    const res = await fetch(new URL(PROTECTED_PAGE, app.url), {
      headers: { cookie: `other_app=%E0%A4%A; ${client.cookieHeader}; tracking=%%` },
      redirect: "manual",
    });
    expect(res.status).toBe(200);
  });

  it("a session of a user that was deleted is gone with the user", async () => {
    const { user, client } = await loggedIn();
    await app.db.sql`delete from users where id = ${user.id}`;
    const res = await client.get(PROTECTED_PAGE);
    expect(res.status).toBe(302);
    expect(location(res)).toMatch(/^\/login/);
  });
});

describe("signing out everywhere", () => {
  it("invalidateAll removes every session of that user and none of another user's", async () => {
    const alice = await createUser(app);
    const bob = await createUser(app);
    const aliceLaptop = await loginClient(app, alice.email);
    const alicePhone = await loginClient(app, alice.email);
    const bobLaptop = await loginClient(app, bob.email);
    expect(await app.services.accounts.sessionCount(alice.id)).toBe(2);

    await app.services.sessions.invalidateAll(alice.id);

    const count = async (userId: string) =>
      (await app.db.sql<{ n: number }[]>`select count(*)::int as n from sessions where user_id = ${userId}`)[0].n;
    expect(await count(alice.id)).toBe(0);
    expect(await count(bob.id)).toBe(1);
    for (const client of [aliceLaptop, alicePhone]) {
      const res = await client.get(PROTECTED_PAGE);
      expect(res.status).toBe(302);
      expect(location(res)).toMatch(/^\/login/);
    }
    expect((await bobLaptop.get(PROTECTED_PAGE)).status).toBe(200);
  });
});
