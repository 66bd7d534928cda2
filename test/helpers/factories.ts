import { randomBytes } from "node:crypto";
import type { Role } from "../../app/lib/policy.js";
import type { Stage } from "../../app/lib/domain.js";
import type { TestServer } from "./server.js";
import { HttpClient } from "./http.js";

export const PASSWORD = "correct horse battery";

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString("hex")}`;

export async function createUser(app: TestServer, overrides: { name?: string; email?: string; password?: string } = {}) {
  const id = unique();
  return app.services.accounts.signUp({
    name: overrides.name ?? `User ${id}`,
    email: overrides.email ?? `user-${id}@example.com`,
    password: overrides.password ?? PASSWORD,
  });
}

export async function createWorkspace(app: TestServer, ownerId: string, name = `Workspace ${unique()}`) {
  return app.services.workspaces.create({ name, userId: ownerId });
}

export async function addMember(app: TestServer, workspaceId: string, userId: string, role: Role) {
  await app.db.sql`insert into memberships (workspace_id, user_id, role) values (${workspaceId}, ${userId}, ${role})`;
}

export async function createGoal(app: TestServer, workspaceId: string, title = `Goal ${unique()}`) {
  return app.services.goals.create({ workspaceId, input: { title, description: "", ownerId: null } });
}

export async function createPrototype(app: TestServer, workspaceId: string, input: { title?: string; stage?: Stage; goalId?: string | null } = {}) {
  return app.services.prototypes.create({
    workspaceId,
    input: { title: input.title ?? `Prototype ${unique()}`, stage: input.stage ?? "idea", ownerId: null, goalId: input.goalId ?? null },
  });
}

/** An HTTP client logged in through the real login form. */
export async function loginClient(app: TestServer, email: string, password = PASSWORD): Promise<HttpClient> {
  const client = new HttpClient(app.url);
  const res = await client.post("/login", { email, password });
  if (res.status !== 302 && res.status !== 204) throw new Error(`login as ${email} failed with ${res.status}`);
  return client;
}

/** A user with a given role in a fresh workspace, logged in. */
export async function memberClient(app: TestServer, workspaceId: string, role: Role) {
  const user = await createUser(app);
  await addMember(app, workspaceId, user.id, role);
  return { user, client: await loginClient(app, user.email) };
}
