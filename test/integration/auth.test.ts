import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, location } from "../helpers/http.js";
import { createUser, loginClient, PASSWORD } from "../helpers/factories.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

describe("sign up, log in, log out", () => {
  it("signs up a new user, starts a session and sends them to create a workspace", async () => {
    const client = new HttpClient(app.url);
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
    const { createHash } = await import("node:crypto");
    expect(rows[0].id).toBe(createHash("sha256").update(token).digest("hex"));
  });

  it("logs out: the session row is gone and the cookie no longer works", async () => {
    const user = await createUser(app);
    const client = await loginClient(app, user.email);
    const token = client.cookies.get("pilotlab_session")!;
    const res = await client.post("/logout", {});
    expect(location(res)).toBe("/login");
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from sessions where user_id = ${user.id}`;
    expect(n).toBe(0);
    const replay = new HttpClient(app.url);
    replay.cookies.set("pilotlab_session", token);
    const page = await replay.get("/account");
    expect(page.status).toBe(302);
    expect(location(page)).toMatch(/^\/login/);
  });
});
