/** Invite links and membership management over HTTP, as a browser would use them. */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, fakeIp, location } from "../helpers/http.js";
import { addMember, createUser, createWorkspace, loginClient, PASSWORD } from "../helpers/factories.js";
import { snapshotTables } from "../helpers/snapshot.js";
import { alerts, insertMember, inviteLinks, markup, roleOf, uniq, visibleText } from "../helpers/pages.js";
import type { Role } from "../../app/lib/policy.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** A workspace with a logged-in owner. */
async function ownedWorkspace(name = uniq("Invite workspace")) {
  const owner = await createUser(app);
  const workspace = await createWorkspace(app, owner.id, name);
  return { owner, workspace, client: await loginClient(app, owner.email) };
}

/** A signed-in user who belongs to no workspace yet. */
async function newcomer() {
  const user = await createUser(app);
  return { user, client: await loginClient(app, user.email) };
}

/** Creates an invite link through the members page, the way an owner does, and reads it off the page. */
async function inviteOverHttp(owner: HttpClient, workspaceId: string, role: Role, expiresInDays = "7") {
  const res = await owner.post(`/w/${workspaceId}/members`, { intent: "createInvite", role, expiresInDays });
  expect(res.status).toBe(200);
  const html = await res.text();
  const links = inviteLinks(html);
  expect(links).toHaveLength(1);
  const path = links[0];
  return { path, token: path.slice("/invites/".length), html };
}

async function inviteRow(token: string) {
  const [row] = await app.db.sql<{ id: string; role: Role; accepted_by: string | null; revoked: boolean }[]>`
    select id, role, accepted_by, revoked_at is not null as revoked from invites where token_hash = ${sha256(token)}`;
  return row;
}

describe("an invite link from creation to membership", () => {
  it("the owner creates a link; it is shown once, and only its hash is stored", async () => {
    const { workspace, client } = await ownedWorkspace();
    const { token, html } = await inviteOverHttp(client, workspace.id, "editor");
    const shown = markup(html);
    expect(shown.split(token).length - 1).toBe(1);
    expect(shown).toContain(`value="${app.url}/invites/${token}"`);
    const row = await inviteRow(token);
    expect(row).toMatchObject({ role: "editor", accepted_by: null, revoked: false });
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from invites where token_hash = ${token} or token_hash like ${`%${token}%`}`;
    expect(n).toBe(0);
    // Reloading the members page lists the invite but never shows its token again.
    const again = await client.get(`/w/${workspace.id}/members`);
    expect(again.status).toBe(200);
    expect(await again.text()).not.toContain(token);
  });

  it("a signed-in user opens it, sees the workspace and role, accepts, and is then a member with that role", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace(uniq("Northwind Academy"));
    const { path, token } = await inviteOverHttp(ownerClient, workspace.id, "facilitator");
    const { user, client } = await newcomer();

    const page = await client.get(path);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    const text = visibleText(await page.text());
    expect(text).toContain(`Join ${workspace.name}`);
    expect(text).toContain("as Facilitator");
    expect(text).toContain("Accept invite");
    // Opening the link changes nothing.
    expect(await roleOf(app, workspace.id, user.id)).toBeNull();

    const accept = await client.post(path, { intent: "accept" });
    expect(accept.status).toBe(302);
    expect(location(accept)).toBe(`/w/${workspace.id}`);
    expect(await roleOf(app, workspace.id, user.id)).toBe("facilitator");
    expect(await inviteRow(token)).toMatchObject({ accepted_by: user.id });

    const home = await client.get(`/w/${workspace.id}`);
    expect(home.status).toBe(200);
    expect(visibleText(await home.text())).toContain("Your role: Facilitator");
  });

  it("a used link answers 410 to a third user, who does not become a member", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace();
    const { path } = await inviteOverHttp(ownerClient, workspace.id, "editor");
    const second = await newcomer();
    expect((await second.client.post(path, { intent: "accept" })).status).toBe(302);

    const third = await newcomer();
    const page = await third.client.get(path);
    expect(page.status).toBe(410);
    expect(visibleText(await page.text())).toContain("This invite has already been used.");
    const before = await snapshotTables(app.db.sql);
    const accept = await third.client.post(path, { intent: "accept" });
    expect(accept.status).toBe(410);
    // The page re-renders from the link's state: it says why it can't be used.
    expect(visibleText(await accept.text())).toContain("This invite has already been used.");
    expect(await roleOf(app, workspace.id, third.user.id)).toBeNull();
    expect(await snapshotTables(app.db.sql)).toEqual(before);
    // The one who used it keeps their place.
    expect(await roleOf(app, workspace.id, second.user.id)).toBe("editor");
  });

  it("an expired link answers 410 and adds nobody", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace();
    const { path, token } = await inviteOverHttp(ownerClient, workspace.id, "editor");
    await app.db.sql`update invites set expires_at = now() - interval '1 minute' where token_hash = ${sha256(token)}`;
    const { user, client } = await newcomer();
    const page = await client.get(path);
    expect(page.status).toBe(410);
    expect(visibleText(await page.text())).toContain("This invite has expired.");
    const before = await snapshotTables(app.db.sql);
    const accept = await client.post(path, { intent: "accept" });
    expect(accept.status).toBe(410);
    expect(visibleText(await accept.text())).toContain("This invite has expired.");
    expect(await roleOf(app, workspace.id, user.id)).toBeNull();
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("a link revoked by the owner answers 410 and adds nobody", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace();
    const { path, token } = await inviteOverHttp(ownerClient, workspace.id, "editor");
    const revoke = await ownerClient.post(`/w/${workspace.id}/members`, { intent: "revoke", inviteId: (await inviteRow(token)).id });
    expect(revoke.status).toBe(302);
    expect(location(revoke)).toBe(`/w/${workspace.id}/members?notice=revoked`);
    expect(await inviteRow(token)).toMatchObject({ revoked: true });

    const { user, client } = await newcomer();
    const page = await client.get(path);
    expect(page.status).toBe(410);
    expect(visibleText(await page.text())).toContain("This invite was revoked.");
    const accept = await client.post(path, { intent: "accept" });
    expect(accept.status).toBe(410);
    await accept.text();
    expect(await roleOf(app, workspace.id, user.id)).toBeNull();
    // Revoking it again: it is no longer pending.
    const twice = await ownerClient.post(`/w/${workspace.id}/members`, { intent: "revoke", inviteId: (await inviteRow(token)).id });
    expect(twice.status).toBe(404);
    expect(alerts(await twice.text())).toContain("That invite is no longer pending.");
  });

  it.each([
    ["an unknown, well-formed token", () => randomBytes(24).toString("base64url")],
    ["a token that is too short", () => "abc"],
    ["a token one character too long", () => `${randomBytes(24).toString("base64url")}A`],
    ["a token with characters outside base64url", () => `${randomBytes(23).toString("base64url")}.+/=`],
  ])("%s answers 404 to GET and POST and adds nobody", async (_, makeToken) => {
    const path = `/invites/${encodeURIComponent(makeToken())}`;
    const { user, client } = await newcomer();
    const page = await client.get(path);
    expect(page.status).toBe(404);
    expect(visibleText(await page.text())).toContain("This invite link is not valid.");
    const before = await snapshotTables(app.db.sql);
    const accept = await client.post(path, { intent: "accept" });
    expect(accept.status).toBe(404);
    await accept.text();
    expect(await snapshotTables(app.db.sql)).toEqual(before);
    expect(await app.services.workspaces.listForUser(user.id)).toEqual([]);
  });

  it("a signed-out visitor sees links to log in or sign up that come back to the invite, and can then accept", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace();
    const { path, token } = await inviteOverHttp(ownerClient, workspace.id, "viewer");
    const back = encodeURIComponent(path);

    const visitor = new HttpClient(app.url);
    const page = await visitor.get(path);
    expect(page.status).toBe(200);
    const html = markup(await page.text());
    expect(html).toContain(`href="/login?redirectTo=${back}"`);
    expect(html).toContain(`href="/signup?redirectTo=${back}"`);
    expect(visibleText(html)).toContain(`Join ${workspace.name}`);
    expect(visibleText(html)).not.toContain("Accept invite");

    // Accepting without a session sends them to log in, and touches nothing.
    const before = await snapshotTables(app.db.sql);
    const blind = await visitor.post(path, { intent: "accept" });
    expect(blind.status).toBe(302);
    expect(location(blind)).toBe(`/login?redirectTo=${back}`);
    expect(await snapshotTables(app.db.sql)).toEqual(before);

    // Logging in through that link lands back on the invite, which they can now accept.
    const user = await createUser(app);
    const login = await visitor.post(`/login?redirectTo=${back}`, { email: user.email, password: PASSWORD, redirectTo: path });
    expect(login.status).toBe(302);
    expect(location(login)).toBe(path);
    const accept = await visitor.post(path, { intent: "accept" });
    expect(location(accept)).toBe(`/w/${workspace.id}`);
    expect(await roleOf(app, workspace.id, user.id)).toBe("viewer");
    expect(await inviteRow(token)).toMatchObject({ accepted_by: user.id });
  });

  it("a visitor who signs up through the invite's link comes back to it and joins", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace();
    const { path } = await inviteOverHttp(ownerClient, workspace.id, "editor");
    const visitor = new HttpClient(app.url, app.url, { "x-forwarded-for": fakeIp() });
    const email = `${uniq("invited").replace(/\W+/g, "-")}@example.com`;
    const signup = await visitor.post(`/signup?redirectTo=${encodeURIComponent(path)}`, { name: "Invited Person", email, password: PASSWORD, redirectTo: path });
    expect(signup.status).toBe(302);
    expect(location(signup)).toBe(path);
    const accept = await visitor.post(path, { intent: "accept" });
    expect(location(accept)).toBe(`/w/${workspace.id}`);
    const [user] = await app.db.sql<{ id: string }[]>`select id from users where email = ${email}`;
    expect(await roleOf(app, workspace.id, user.id)).toBe("editor");
  });

  it("a member who opens a link is told so; accepting keeps their role and leaves the link unused", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace();
    const { path, token } = await inviteOverHttp(ownerClient, workspace.id, "owner");
    const { user, client } = await newcomer();
    await addMember(app, workspace.id, user.id, "viewer");
    const page = await client.get(path);
    expect(page.status).toBe(200);
    expect(visibleText(await page.text())).toContain(`You're already a member of ${workspace.name}`);
    const accept = await client.post(path, { intent: "accept" });
    expect(location(accept)).toBe(`/w/${workspace.id}`);
    expect(await roleOf(app, workspace.id, user.id)).toBe("viewer");
    expect(await inviteRow(token)).toMatchObject({ accepted_by: null, revoked: false });
  });

  it("a POST without the accept intent is refused with 400 and adds nobody", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace();
    const { path } = await inviteOverHttp(ownerClient, workspace.id, "editor");
    const { user, client } = await newcomer();
    const res = await client.post(path, { intent: "join" });
    expect(res.status).toBe(400);
    await res.text();
    expect(await roleOf(app, workspace.id, user.id)).toBeNull();
  });
});

describe("accepting as a commenter (acceptance criterion)", () => {
  it("a commenter who joined through an invite can read the workspace but cannot create a prototype: 403, nothing created", async () => {
    const { workspace, client: ownerClient } = await ownedWorkspace();
    const { path } = await inviteOverHttp(ownerClient, workspace.id, "commenter");
    const { user, client } = await newcomer();
    const accept = await client.post(path, { intent: "accept" });
    expect(location(accept)).toBe(`/w/${workspace.id}`);
    expect(await roleOf(app, workspace.id, user.id)).toBe("commenter");

    expect((await client.get(`/w/${workspace.id}`)).status).toBe(200);
    const list = await client.get(`/w/${workspace.id}/prototypes`);
    expect(list.status).toBe(200);
    // No "New prototype" button for them…
    expect(markup(await list.text())).not.toContain(`href="/w/${workspace.id}/prototypes/new"`);
    // …the form page is refused…
    const form = await client.get(`/w/${workspace.id}/prototypes/new`);
    expect(form.status).toBe(403);
    await form.text();
    // …and so is posting it directly.
    const before = await snapshotTables(app.db.sql);
    const res = await client.post(`/w/${workspace.id}/prototypes/new`, { title: "Commenter's prototype", stage: "idea", ownerId: "", goalId: "" });
    expect(res.status).toBe(403);
    await res.text();
    expect(await snapshotTables(app.db.sql)).toEqual(before);
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from prototypes where workspace_id = ${workspace.id}`;
    expect(n).toBe(0);
  });
});

describe("creating invite links: bad input", () => {
  it.each([
    ["a role that does not exist", { role: "admin", expiresInDays: "7" }, "Choose a role."],
    ["no role", { expiresInDays: "7" }, "Choose a role."],
    ["zero days", { role: "editor", expiresInDays: "0" }, "At least 1 day."],
    ["more days than allowed", { role: "editor", expiresInDays: "31" }, "At most 30 days."],
    ["a fractional number of days", { role: "editor", expiresInDays: "1.5" }, "Choose a whole number of days."],
  ])("with %s: 400, the message in the page, no invite", async (_, form, message) => {
    const { workspace, client } = await ownedWorkspace();
    const before = await snapshotTables(app.db.sql);
    const res = await client.post(`/w/${workspace.id}/members`, { intent: "createInvite", ...form });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(alerts(html)).toContain(message);
    expect(inviteLinks(html)).toEqual([]);
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });
});

describe("the last owner", () => {
  const DEMOTE_MESSAGE = "A workspace needs at least one owner. Make someone else an owner first.";
  const REMOVE_MESSAGE = "The last owner can't be removed. Make someone else an owner first.";

  it("the only owner cannot demote themselves: 400, the message in the page, still owner", async () => {
    const { owner, workspace, client } = await ownedWorkspace();
    await insertMember(app, workspace.id, "facilitator");
    const before = await snapshotTables(app.db.sql);
    const res = await client.post(`/w/${workspace.id}/members`, { intent: "changeRole", userId: owner.id, role: "editor" });
    expect(res.status).toBe(400);
    expect(alerts(await res.text())).toContain(DEMOTE_MESSAGE);
    expect(await roleOf(app, workspace.id, owner.id)).toBe("owner");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("the only owner cannot remove themselves: 400, the message in the page, still owner", async () => {
    const { owner, workspace, client } = await ownedWorkspace();
    const before = await snapshotTables(app.db.sql);
    const res = await client.post(`/w/${workspace.id}/members`, { intent: "remove", userId: owner.id });
    expect(res.status).toBe(400);
    expect(alerts(await res.text())).toContain(REMOVE_MESSAGE);
    expect(await roleOf(app, workspace.id, owner.id)).toBe("owner");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("with two owners, one can demote the other, and then the last one is protected again", async () => {
    const { owner, workspace, client } = await ownedWorkspace();
    const second = await insertMember(app, workspace.id, "editor");
    const promote = await client.post(`/w/${workspace.id}/members`, { intent: "changeRole", userId: second.id, role: "owner" });
    expect(location(promote)).toBe(`/w/${workspace.id}/members?notice=role`);
    expect(await roleOf(app, workspace.id, second.id)).toBe("owner");

    const demoteSelf = await client.post(`/w/${workspace.id}/members`, { intent: "changeRole", userId: owner.id, role: "viewer" });
    expect(demoteSelf.status).toBe(302);
    expect(await roleOf(app, workspace.id, owner.id)).toBe("viewer");
    // Now a viewer, the former owner may manage nobody.
    const retry = await client.post(`/w/${workspace.id}/members`, { intent: "changeRole", userId: owner.id, role: "owner" });
    expect(retry.status).toBe(403);
    await retry.text();
    expect(await roleOf(app, workspace.id, owner.id)).toBe("viewer");
    // The remaining owner is the last one again.
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from memberships where workspace_id = ${workspace.id} and role = 'owner'`;
    expect(n).toBe(1);
  });

  it("with two owners, one can remove the other, or leave the workspace themselves", async () => {
    const { owner, workspace, client } = await ownedWorkspace();
    const second = await insertMember(app, workspace.id, "owner");
    const remove = await client.post(`/w/${workspace.id}/members`, { intent: "remove", userId: second.id });
    expect(location(remove)).toBe(`/w/${workspace.id}/members?notice=removed`);
    expect(await roleOf(app, workspace.id, second.id)).toBeNull();

    const third = await insertMember(app, workspace.id, "owner");
    const leave = await client.post(`/w/${workspace.id}/members`, { intent: "remove", userId: owner.id });
    expect(leave.status).toBe(302);
    expect(location(leave)).toBe("/");
    expect(await roleOf(app, workspace.id, owner.id)).toBeNull();
    expect(await roleOf(app, workspace.id, third.id)).toBe("owner");
    const gone = await client.get(`/w/${workspace.id}`);
    expect(gone.status).toBe(404);
    await gone.text();
  });
});
