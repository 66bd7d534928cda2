import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, PROTECTED_PAGE, fakeIp, location, pageText } from "../helpers/http.js";
import { createUser, createWorkspace, loginClient, PASSWORD } from "../helpers/factories.js";
import { countRows, snapshotTables } from "../helpers/snapshot.js";
import { hashPassword, verifyPassword } from "../../server/auth/password.js";
import { PASSWORD_MAX_LENGTH } from "../../app/lib/limits.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

/** A browser-like client from an IP no other test uses (sign-ups and logins are throttled per IP). */
const browser = () => new HttpClient(app.url, app.url, { "x-forwarded-for": fakeIp() });
const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

async function usersWithEmail(email: string): Promise<number> {
  const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from users where lower(email) = lower(${email})`;
  return n;
}

describe("sign up, log in, log out", () => {
  it("signs up a new user, starts a session and sends them to create a workspace", async () => {
    const client = browser();
    const res = await client.post("/signup", { name: "Ada Lovelace", email: "Ada@Example.com", password: PASSWORD });
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/workspaces/new");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("pilotlab_session="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    const page = await client.get("/workspaces/new");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Welcome, Ada");
  });

  it("stores only the SHA-256 of the session token, never the token", async () => {
    const user = await createUser(app);
    const client = await loginClient(app, user.email);
    const token = client.cookies.get("pilotlab_session")!;
    expect(token.length).toBeGreaterThanOrEqual(32);
    const rows = await app.db.sql<{ id: string }[]>`select id from sessions where user_id = ${user.id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0].id).not.toContain(token);
    expect(rows[0].id).toBe(sha256(token));
  });

  it("logs out: the session row is gone and the cookie no longer works", async () => {
    const user = await createUser(app);
    const client = await loginClient(app, user.email);
    const token = client.cookies.get("pilotlab_session")!;
    const res = await client.post("/logout", {});
    expect(location(res)).toBe("/login");
    expect(res.headers.getSetCookie().some((c) => /^pilotlab_session=;.*Max-Age=0/i.test(c))).toBe(true);
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from sessions where user_id = ${user.id}`;
    expect(n).toBe(0);
    const replay = new HttpClient(app.url);
    replay.cookies.set("pilotlab_session", token);
    const page = await replay.get(PROTECTED_PAGE);
    expect(page.status).toBe(302);
    expect(location(page)).toMatch(/^\/login/);
  });
});

describe("sign-up refusals", () => {
  it("answers bad sign-up input with 400 and a message per field, and creates nothing", async () => {
    const before = await snapshotTables(app.db.sql);
    const res = await browser().post("/signup", { name: "   ", email: "not-an-email", password: "short" });
    expect(res.status).toBe(400);
    expect(res.headers.getSetCookie()).toEqual([]);
    const text = await pageText(res);
    expect(text).toContain("Name is required.");
    expect(text).toContain("Enter an email address like name@example.com.");
    expect(text).toContain("Use at least 8 characters.");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("refuses an email that is already taken, whatever its case, with a message and no second row", async () => {
    const existing = await createUser(app, { email: `taken-${Date.now()}@example.com` });
    const before = await countRows(app.db.sql, "users");
    const res = await browser().post("/signup", { name: "Copy Cat", email: existing.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await pageText(res)).toContain("This email can't be used to sign up. If it is yours, log in instead.");
    expect(await usersWithEmail(existing.email)).toBe(1);
    expect(await countRows(app.db.sql, "users")).toBe(before);
  });

  it("refuses a sign-up password longer than the cap with 400 and creates no user", async () => {
    const email = `long-${Date.now()}@example.com`;
    const res = await browser().post("/signup", { name: "Long Pass", email, password: "x".repeat(PASSWORD_MAX_LENGTH + 1) });
    expect(res.status).toBe(400);
    expect(await pageText(res)).toContain(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
    expect(await usersWithEmail(email)).toBe(0);
  });
});

describe("login", () => {
  it("answers a wrong password and an unknown email with the same status and the same page", async () => {
    const user = await createUser(app);
    const unknown = `nobody-${Date.now()}@example.com`;
    const wrong = await browser().post("/login", { email: user.email, password: "not the password" });
    const missing = await browser().post("/login", { email: unknown, password: "not the password" });
    expect(wrong.status).toBe(400);
    expect(missing.status).toBe(wrong.status);
    const wrongText = await pageText(wrong);
    const missingText = await pageText(missing);
    expect(wrongText).toContain("Email or password is incorrect.");
    // Apart from the echoed email, the two answers are byte for byte the same.
    expect(missingText.replaceAll(unknown, "EMAIL")).toBe(wrongText.replaceAll(user.email, "EMAIL"));
    expect(wrong.headers.getSetCookie()).toEqual([]);
    expect(missing.headers.getSetCookie()).toEqual([]);
  });

  it("logs in with the email in any case", async () => {
    const user = await createUser(app, { email: `Mixed.Case-${Date.now()}@Example.com` });
    const res = await browser().post("/login", { email: `  ${user.email.toUpperCase()} `, password: PASSWORD });
    expect(res.status).toBe(302);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("pilotlab_session="))).toBe(true);
  });

  it("starts a new session at every login and ends the session the browser had", async () => {
    const user = await createUser(app);
    const client = await loginClient(app, user.email);
    const first = client.cookies.get("pilotlab_session")!;
    const res = await client.post("/login", { email: user.email, password: PASSWORD });
    expect(res.status).toBe(302);
    const second = client.cookies.get("pilotlab_session")!;
    expect(second).not.toBe(first);
    const ids = (await app.db.sql<{ id: string }[]>`select id from sessions where user_id = ${user.id}`).map((r) => r.id);
    expect(ids).toEqual([sha256(second)]);
    // The old token is dead; the new one works.
    const old = new HttpClient(app.url);
    old.cookies.set("pilotlab_session", first);
    expect((await old.get(PROTECTED_PAGE)).status).toBe(302);
    expect((await client.get(PROTECTED_PAGE)).status).toBe(200);
  });

  it("keeps sessions of other browsers when the same user logs in again elsewhere", async () => {
    const user = await createUser(app);
    const laptop = await loginClient(app, user.email);
    const phone = await loginClient(app, user.email);
    expect(phone.cookies.get("pilotlab_session")).not.toBe(laptop.cookies.get("pilotlab_session"));
    expect(await app.services.accounts.sessionCount(user.id)).toBe(2);
    expect((await laptop.get(PROTECTED_PAGE)).status).toBe(200);
  });

  it("refuses a login password longer than the cap with 400 before checking it (no attempt is recorded)", async () => {
    const user = await createUser(app);
    const ip = fakeIp();
    const client = new HttpClient(app.url, app.url, { "x-forwarded-for": ip });
    const started = performance.now();
    const res = await client.post("/login", { email: user.email, password: "x".repeat(200_000) });
    const ms = performance.now() - started;
    expect(res.status).toBe(400);
    expect(await pageText(res)).toContain(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
    // The account service (and so argon2) was never reached: it records every failure.
    const [{ n }] = await app.db.sql<{ n: number }[]>`
      select count(*)::int as n from login_attempts where key in (${`login:email:${user.email.toLowerCase()}`}, ${`login:ip:${ip}`})`;
    expect(n).toBe(0);
    expect(ms).toBeLessThan(5_000);
  });

  it("never hashes or verifies a password over the cap, whoever calls the password functions", async () => {
    const tooLong = "y".repeat(PASSWORD_MAX_LENGTH + 1);
    await expect(hashPassword(tooLong)).rejects.toThrow(RangeError);
    const stored = await hashPassword("y".repeat(PASSWORD_MAX_LENGTH));
    expect(await verifyPassword(stored, "y".repeat(PASSWORD_MAX_LENGTH))).toBe(true);
    // One character over the cap is a plain "no", not an exception from deep inside a route.
    expect(await verifyPassword(stored, tooLong)).toBe(false);
  });
});

describe("GET requests change nothing", () => {
  it("GET /logout redirects home and leaves the session valid", async () => {
    const user = await createUser(app);
    const client = await loginClient(app, user.email);
    const res = await client.get("/logout");
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await app.services.accounts.sessionCount(user.id)).toBe(1);
    expect((await client.get(PROTECTED_PAGE)).status).toBe(200);
  });

  it("no GET to the foundation's pages, logged in or out, changes any table", async () => {
    const user = await createUser(app);
    const workspace = await createWorkspace(app, user.id);
    const loggedIn = await loginClient(app, user.email);
    const loggedOut = browser();
    const paths = [
      "/",
      "/login",
      "/login?redirectTo=%2Fworkspaces%2Fnew",
      `/login?email=${encodeURIComponent(user.email)}&password=${encodeURIComponent(PASSWORD)}`,
      "/signup",
      `/signup?name=Get+Signup&email=get-signup-${Date.now()}%40example.com&password=${encodeURIComponent(PASSWORD)}`,
      "/logout",
      "/w",
      "/w?workspace=new",
      `/w?workspace=${workspace.id}`,
      "/workspaces/new",
      "/workspaces/new?name=Made+By+GET",
      `/w/${workspace.id}`,
    ];
    const before = await snapshotTables(app.db.sql);
    for (const client of [loggedOut, loggedIn]) {
      for (const path of paths) {
        for (const method of ["GET", "HEAD"]) {
          const res = await client.request(path, { method });
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
          await res.arrayBuffer();
        }
      }
    }
    expect(await snapshotTables(app.db.sql)).toEqual(before);
    expect((await loggedIn.get(PROTECTED_PAGE)).status).toBe(200);
  });
});
