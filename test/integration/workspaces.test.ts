import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { usingRealPostgres } from "../helpers/db.js";
import { addMember, createUser, createWorkspace } from "../helpers/factories.js";
import type { Role } from "../../app/lib/policy.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

async function roleOf(workspaceId: string, userId: string): Promise<Role | null> {
  const [row] = await app.db.sql<{ role: Role }[]>`select role from memberships where workspace_id = ${workspaceId} and user_id = ${userId}`;
  return row?.role ?? null;
}

async function owners(workspaceId: string): Promise<number> {
  const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from memberships where workspace_id = ${workspaceId} and role = 'owner'`;
  return n;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function refusal(promise: Promise<unknown>) {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error("expected a refusal, but it succeeded");
  return outcome.error as { code?: string; message?: string; kind?: string };
}

async function ownedWorkspace() {
  const owner = await createUser(app);
  const workspace = await createWorkspace(app, owner.id);
  return { owner, workspace };
}

describe("workspaces and the last owner", () => {
  it("creating a workspace makes its creator the owner", async () => {
    const { owner, workspace } = await ownedWorkspace();
    expect(workspace.role).toBe("owner");
    expect(await roleOf(workspace.id, owner.id)).toBe("owner");
    expect(await app.services.workspaces.listForUser(owner.id)).toEqual([{ id: workspace.id, name: workspace.name, role: "owner" }]);
    const [row] = await app.db.sql`select created_by from workspaces where id = ${workspace.id}`;
    expect(row.created_by).toBe(owner.id);
  });

  it("the last owner can be neither demoted nor removed", async () => {
    const { owner, workspace } = await ownedWorkspace();
    const demote = await refusal(app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: owner.id, role: "editor" }));
    expect(demote).toMatchObject({ kind: "ServiceError", code: "last_owner" });
    expect(demote.message).toMatch(/at least one owner/);
    const remove = await refusal(app.services.workspaces.removeMember({ workspaceId: workspace.id, userId: owner.id }));
    expect(remove).toMatchObject({ kind: "ServiceError", code: "last_owner" });
    expect(await roleOf(workspace.id, owner.id)).toBe("owner");
  });

  it("an owner can be demoted, and then removed, once there is a second owner", async () => {
    const { owner, workspace } = await ownedWorkspace();
    const second = await createUser(app);
    await addMember(app, workspace.id, second.id, "editor");
    await app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: second.id, role: "owner" });
    await app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: owner.id, role: "viewer" });
    expect(await roleOf(workspace.id, owner.id)).toBe("viewer");
    await app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: owner.id, role: "owner" });
    await app.services.workspaces.removeMember({ workspaceId: workspace.id, userId: owner.id });
    expect(await roleOf(workspace.id, owner.id)).toBeNull();
    expect(await owners(workspace.id)).toBe(1);
    // Now `second` is the last owner again.
    expect(await refusal(app.services.workspaces.removeMember({ workspaceId: workspace.id, userId: second.id }))).toMatchObject({ code: "last_owner" });
  });

  it("changing the role of someone who is not a member is not_found, and nothing is written", async () => {
    const { workspace } = await ownedWorkspace();
    const stranger = await createUser(app);
    expect(await refusal(app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: stranger.id, role: "owner" }))).toMatchObject({
      code: "not_found",
    });
    expect(await roleOf(workspace.id, stranger.id)).toBeNull();
    expect(await refusal(app.services.workspaces.removeMember({ workspaceId: workspace.id, userId: stranger.id }))).toMatchObject({ code: "not_found" });
  });

  it(`two owners demoting each other at the same moment leave at least one owner (${usingRealPostgres ? "truly concurrent" : "serialised by the embedded connection"})`, async () => {
    // Several rounds, to give a missing lock every chance to show.
    for (let round = 0; round < 8; round++) {
      const { owner: a, workspace } = await ownedWorkspace();
      const b = await createUser(app);
      await addMember(app, workspace.id, b.id, "owner");
      const results = await Promise.allSettled([
        app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: a.id, role: "editor" }),
        app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: b.id, role: "editor" }),
      ]);
      expect(await owners(workspace.id), `round ${round}`).toBe(1);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const [rejected] = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(rejected.reason).toMatchObject({ code: "last_owner" });
    }
  });

  it("an owner removing the other while being demoted at the same moment still leaves an owner", async () => {
    for (let round = 0; round < 4; round++) {
      const { owner: a, workspace } = await ownedWorkspace();
      const b = await createUser(app);
      await addMember(app, workspace.id, b.id, "owner");
      await Promise.allSettled([
        app.services.workspaces.removeMember({ workspaceId: workspace.id, userId: a.id }),
        app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: b.id, role: "viewer" }),
      ]);
      expect(await owners(workspace.id), `round ${round}`).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("invites", () => {
  async function invite(role: Role = "editor", expiresInDays = 7) {
    const { owner, workspace } = await ownedWorkspace();
    const created = await app.services.invites.create({ workspaceId: workspace.id, role, expiresInDays, createdBy: owner.id });
    return { owner, workspace, ...created };
  }

  it("accepting an invite adds the member with the invite's role and marks it used", async () => {
    const { workspace, token, id } = await invite("commenter");
    const joiner = await createUser(app);
    const result = await app.services.invites.accept({ token, userId: joiner.id });
    expect(result).toEqual({ workspaceId: workspace.id, alreadyMember: false });
    expect(await roleOf(workspace.id, joiner.id)).toBe("commenter");
    const [row] = await app.db.sql`select accepted_by, accepted_at from invites where id = ${id}`;
    expect(row.accepted_by).toBe(joiner.id);
    expect(row.accepted_at).toBeInstanceOf(Date);
    expect((await app.services.invites.lookup(token))?.status).toBe("accepted");
  });

  it("an invite works once: reusing it is refused (gone) and adds nobody", async () => {
    const { workspace, token } = await invite("editor");
    const first = await createUser(app);
    const second = await createUser(app);
    await app.services.invites.accept({ token, userId: first.id });
    const error = await refusal(app.services.invites.accept({ token, userId: second.id }));
    expect(error).toMatchObject({ code: "gone" });
    expect(error.message).toMatch(/already been used/);
    expect(await roleOf(workspace.id, second.id)).toBeNull();
  });

  it("two people accepting one invite at the same moment: exactly one joins", async () => {
    const { workspace, token } = await invite("viewer");
    const people = [await createUser(app), await createUser(app), await createUser(app)];
    const results = await Promise.allSettled(people.map((p) => app.services.invites.accept({ token, userId: p.id })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "gone" });
    const joined = (await Promise.all(people.map((p) => roleOf(workspace.id, p.id)))).filter(Boolean);
    expect(joined).toEqual(["viewer"]);
  });

  it("an expired invite is refused (gone) and adds nobody", async () => {
    const { workspace, token, id } = await invite("editor");
    await app.db.sql`update invites set expires_at = now() - interval '1 second' where id = ${id}`;
    const joiner = await createUser(app);
    const error = await refusal(app.services.invites.accept({ token, userId: joiner.id }));
    expect(error).toMatchObject({ code: "gone" });
    expect(error.message).toMatch(/expired/);
    expect(await roleOf(workspace.id, joiner.id)).toBeNull();
    expect((await app.services.invites.lookup(token))?.status).toBe("expired");
  });

  it("a revoked invite is refused (gone) and adds nobody; it cannot be revoked twice", async () => {
    const { workspace, token, id } = await invite("editor");
    await app.services.invites.revoke({ workspaceId: workspace.id, inviteId: id });
    const joiner = await createUser(app);
    const error = await refusal(app.services.invites.accept({ token, userId: joiner.id }));
    expect(error).toMatchObject({ code: "gone" });
    expect(error.message).toMatch(/revoked/);
    expect(await roleOf(workspace.id, joiner.id)).toBeNull();
    expect(await refusal(app.services.invites.revoke({ workspaceId: workspace.id, inviteId: id }))).toMatchObject({ code: "not_found" });
  });

  it("an invite cannot be revoked through another workspace", async () => {
    const { workspace, token, id } = await invite("editor");
    const { workspace: other } = await ownedWorkspace();
    expect(await refusal(app.services.invites.revoke({ workspaceId: other.id, inviteId: id }))).toMatchObject({ code: "not_found" });
    expect((await app.services.invites.lookup(token))?.status).toBe("pending");
    expect(workspace.id).not.toBe(other.id);
  });

  it("an existing member who accepts keeps their role, and the invite stays unused for someone else", async () => {
    const { owner, workspace, token, id } = await invite("viewer");
    const result = await app.services.invites.accept({ token, userId: owner.id });
    expect(result).toEqual({ workspaceId: workspace.id, alreadyMember: true });
    expect(await roleOf(workspace.id, owner.id)).toBe("owner");
    const [row] = await app.db.sql`select accepted_at, accepted_by from invites where id = ${id}`;
    expect(row).toEqual({ accepted_at: null, accepted_by: null });
    const newcomer = await createUser(app);
    await app.services.invites.accept({ token, userId: newcomer.id });
    expect(await roleOf(workspace.id, newcomer.id)).toBe("viewer");
  });

  it("unknown and malformed invite tokens are not_found", async () => {
    const joiner = await createUser(app);
    for (const token of ["", "short", "x".repeat(32), "' or 1=1 --", "A".repeat(10_000)]) {
      expect(await refusal(app.services.invites.accept({ token, userId: joiner.id })), token.slice(0, 20)).toMatchObject({ code: "not_found" });
      expect(await app.services.invites.lookup(token)).toBeNull();
    }
  });

  it("stores only the SHA-256 of an invite token, never the token", async () => {
    const { token, id, workspace } = await invite("editor");
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const [row] = await app.db.sql`select * from invites where id = ${id}`;
    expect(row.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token);
    // Knowing the stored hash does not let anyone in: it is not a token.
    const joiner = await createUser(app);
    expect(await refusal(app.services.invites.accept({ token: row.token_hash as string, userId: joiner.id }))).toMatchObject({ code: "not_found" });
    expect(await roleOf(workspace.id, joiner.id)).toBeNull();
  });

  it("lists invites with their status, newest first", async () => {
    const { owner, workspace, id: accepted, token } = await invite("editor");
    await app.services.invites.accept({ token, userId: (await createUser(app)).id });
    const revoked = await app.services.invites.create({ workspaceId: workspace.id, role: "viewer", expiresInDays: 1, createdBy: owner.id });
    await app.services.invites.revoke({ workspaceId: workspace.id, inviteId: revoked.id });
    const pending = await app.services.invites.create({ workspaceId: workspace.id, role: "commenter", expiresInDays: 3, createdBy: owner.id });
    const list = await app.services.invites.list(workspace.id);
    const byId = Object.fromEntries(list.map((i) => [i.id, i.status]));
    expect(byId).toEqual({ [accepted]: "accepted", [revoked.id]: "revoked", [pending.id]: "pending" });
    expect(list[0].id).toBe(pending.id);
    expect(JSON.stringify(list)).not.toContain("token");
  });
});
