import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, usingRealPostgres, type TestDatabase } from "../helpers/db.js";
import { migrate, readMigrations } from "../../server/db/migrate.js";
import { createSql, type Sql } from "../../server/db/sql.js";
import { createServices } from "../../server/services/index.js";
import * as Y from "yjs";
import { seedDemo } from "../../server/seed.js";
import { loadDocumentState } from "../../server/collab/updateLog.js";
import { sprintDocName } from "../../app/lib/editor/docName.js";
import { DEFAULT_PHASES } from "../../app/lib/sprints/phases.js";
import { readClusters, readIdeas } from "../../app/lib/sprints/ideas.js";
import { isServiceError } from "../../server/services/errors.js";

/** One database for the file, created without migrations: these tests apply them. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await db?.close();
});

const migrations = readMigrations();
const versions = migrations.map((m) => m.version);

/** Back to an empty database (no tables at all). */
async function emptyDatabase() {
  await db.sql.unsafe("drop schema public cascade; create schema public");
}

async function tableExists(name: string): Promise<boolean> {
  const [{ exists }] = await db.sql<{ exists: boolean }[]>`select to_regclass(${`public.${name}`}) is not null as exists`;
  return exists;
}

/**
 * Separate clients, as separate server processes would have. Embedded PGlite serves one
 * connection, so there the "two processes" share the one client and their calls queue.
 */
function clients(n: number): { list: Sql[]; end: () => Promise<void> } {
  if (!usingRealPostgres) return { list: Array.from({ length: n }, () => db.sql), end: async () => {} };
  const list = Array.from({ length: n }, () => createSql({ url: db.url!, max: 1 }));
  return { list, end: async () => void (await Promise.all(list.map((c) => c.end({ timeout: 5 })))) };
}

describe("migrations", () => {
  it("there is at least one migration file, numbered from 1 without gaps", () => {
    expect(versions.length).toBeGreaterThan(0);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it("applies every migration file to an empty database and records each in schema_migrations", async () => {
    await emptyDatabase();
    expect(await tableExists("users")).toBe(false);
    const applied = await migrate(db.sql);
    expect(applied).toEqual(versions);
    const rows = await db.sql<{ version: number; name: string }[]>`select version, name from schema_migrations order by version`;
    expect(rows).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
    for (const table of ["users", "user_passwords", "sessions", "login_attempts", "workspaces", "memberships", "invites", "goals", "prototypes"]) {
      expect(await tableExists(table), table).toBe(true);
    }
  });

  it("applies nothing when run again on a migrated database", async () => {
    await emptyDatabase();
    await migrate(db.sql);
    const before = await db.sql`select version, applied_at from schema_migrations order by version`;
    expect(await migrate(db.sql)).toEqual([]);
    expect(await db.sql`select version, applied_at from schema_migrations order by version`).toEqual(before);
  });

  it(`two migrate() calls at once on an empty database both succeed and apply each migration exactly once (${usingRealPostgres ? "two connections" : "one embedded connection"})`, async () => {
    await emptyDatabase();
    const { list, end } = clients(2);
    try {
      const results = await Promise.all(list.map((sql) => migrate(sql)));
      // One of them did the work; the other waited on the advisory lock and found nothing to do.
      expect(results.flat().sort((a, b) => a - b)).toEqual(versions);
      expect(results.filter((r) => r.length === 0)).toHaveLength(1);
    } finally {
      await end();
    }
    const rows = await db.sql<{ version: number; n: number }[]>`select version, count(*)::int as n from schema_migrations group by version order by version`;
    expect(rows).toEqual(versions.map((version) => ({ version, n: 1 })));
  });

  it("a migration that fails leaves nothing of itself behind and is not recorded", async () => {
    await emptyDatabase();
    await migrate(db.sql);
    const broken = [...migrations, { version: 999, name: "broken", sql: "create table half_done (id int); select 1/0;" }];
    await expect(migrate(db.sql, broken)).rejects.toMatchObject({ code: "22012" });
    expect(await tableExists("half_done")).toBe(false);
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from schema_migrations where version = 999`;
    expect(n).toBe(0);
  });
});

describe("constraints live in the schema", () => {
  /** Direct SQL, as a buggy service or a hand-run script would do it. */
  let sql: Sql;
  let ws: string;
  let otherWs: string;
  let member: string;
  let outsider: string;

  beforeAll(async () => {
    await emptyDatabase();
    await migrate(db.sql);
    sql = db.sql;
    const user = async (email: string) => (await sql<{ id: string }[]>`insert into users (name, email) values ('U', ${email}) returning id`)[0].id;
    member = await user("member@example.com");
    outsider = await user("outsider@example.com");
    ws = (await sql<{ id: string }[]>`insert into workspaces (name) values ('One') returning id`)[0].id;
    otherWs = (await sql<{ id: string }[]>`insert into workspaces (name) values ('Two') returning id`)[0].id;
    await sql`insert into memberships (workspace_id, user_id, role) values (${ws}, ${member}, 'owner'), (${otherWs}, ${outsider}, 'owner')`;
  });

  it("refuses a second user whose email differs only in case", async () => {
    await expect(sql`insert into users (name, email) values ('Dup', 'MEMBER@Example.COM')`).rejects.toMatchObject({ code: "23505" });
  });

  it("refuses an unknown role on a membership or an invite", async () => {
    await expect(sql`insert into memberships (workspace_id, user_id, role) values (${ws}, ${outsider}, 'admin')`).rejects.toMatchObject({ code: "23514" });
    await expect(
      sql`insert into invites (workspace_id, token_hash, role, expires_at) values (${ws}, ${"a".repeat(64)}, 'superuser', now() + interval '1 day')`,
    ).rejects.toMatchObject({ code: "23514" });
  });

  it("refuses an unknown prototype stage", async () => {
    await expect(sql`insert into prototypes (workspace_id, title, stage) values (${ws}, 'P', 'launched')`).rejects.toMatchObject({ code: "23514" });
  });

  it("refuses a goal owner who is not a member of the goal's workspace", async () => {
    await expect(sql`insert into goals (workspace_id, title, owner_id) values (${ws}, 'G', ${outsider})`).rejects.toMatchObject({ code: "23503" });
    const [ok] = await sql<{ id: string }[]>`insert into goals (workspace_id, title, owner_id) values (${ws}, 'G', ${member}) returning id`;
    expect(ok.id).toBeTruthy();
  });

  it("refuses a prototype whose goal belongs to another workspace, or whose owner is not a member", async () => {
    const [foreignGoal] = await sql<{ id: string }[]>`insert into goals (workspace_id, title) values (${otherWs}, 'Theirs') returning id`;
    await expect(sql`insert into prototypes (workspace_id, title, goal_id) values (${ws}, 'P', ${foreignGoal.id})`).rejects.toMatchObject({ code: "23503" });
    await expect(sql`insert into prototypes (workspace_id, title, owner_id) values (${ws}, 'P', ${outsider})`).rejects.toMatchObject({ code: "23503" });
  });

  it("removing a member clears them as owner of goals and prototypes, keeping the records", async () => {
    const [u] = await sql<{ id: string }[]>`insert into users (name, email) values ('Leaving', 'leaving@example.com') returning id`;
    await sql`insert into memberships (workspace_id, user_id, role) values (${ws}, ${u.id}, 'editor')`;
    const [goal] = await sql<{ id: string }[]>`insert into goals (workspace_id, title, owner_id) values (${ws}, 'Owned', ${u.id}) returning id`;
    const [proto] = await sql<{ id: string }[]>`insert into prototypes (workspace_id, title, owner_id) values (${ws}, 'Owned', ${u.id}) returning id`;
    await sql`delete from memberships where workspace_id = ${ws} and user_id = ${u.id}`;
    const [g] = await sql`select owner_id, workspace_id from goals where id = ${goal.id}`;
    const [p] = await sql`select owner_id, workspace_id from prototypes where id = ${proto.id}`;
    expect(g).toEqual({ owner_id: null, workspace_id: ws });
    expect(p).toEqual({ owner_id: null, workspace_id: ws });
  });

  it("refuses session ids and invite token hashes that are not SHA-256 hex", async () => {
    await expect(sql`insert into sessions (id, user_id, expires_at) values ('raw-token-value', ${member}, now())`).rejects.toMatchObject({ code: "23514" });
    await expect(
      sql`insert into invites (workspace_id, token_hash, role, expires_at) values (${ws}, 'raw-token-value', 'viewer', now())`,
    ).rejects.toMatchObject({ code: "23514" });
  });

  it("the services turn those refusals into form errors on the right field", async () => {
    const services = createServices({ sql, secureCookies: false });
    const goalError = await services.goals.create({ workspaceId: ws, input: { title: "G", description: "", ownerId: outsider } }).catch((e) => e);
    expect(isServiceError(goalError)).toBe(true);
    expect(goalError).toMatchObject({ code: "invalid", field: "ownerId" });

    const [foreignGoal] = await sql<{ id: string }[]>`insert into goals (workspace_id, title) values (${otherWs}, 'Theirs too') returning id`;
    const protoGoal = await services.prototypes.create({ workspaceId: ws, input: { title: "P", stage: "idea", ownerId: null, goalId: foreignGoal.id } }).catch((e) => e);
    expect(protoGoal).toMatchObject({ code: "invalid", field: "goalId" });
    const protoOwner = await services.prototypes.create({ workspaceId: ws, input: { title: "P", stage: "idea", ownerId: outsider, goalId: null } }).catch((e) => e);
    expect(protoOwner).toMatchObject({ code: "invalid", field: "ownerId" });

    const { id } = await services.prototypes.create({ workspaceId: ws, input: { title: "P", stage: "idea", ownerId: member, goalId: null } });
    const moved = await services.prototypes.update({ workspaceId: ws, prototypeId: id, input: { goalId: foreignGoal.id } }).catch((e) => e);
    expect(moved).toMatchObject({ code: "invalid", field: "goalId" });
    const reowned = await services.prototypes.update({ workspaceId: ws, prototypeId: id, input: { ownerId: outsider } }).catch((e) => e);
    expect(reowned).toMatchObject({ code: "invalid", field: "ownerId" });
    // From another workspace the prototype does not exist.
    const crossWorkspace = await services.prototypes.update({ workspaceId: otherWs, prototypeId: id, input: { title: "Hijacked" } }).catch((e) => e);
    expect(crossWorkspace).toMatchObject({ code: "not_found" });
    expect((await services.prototypes.get({ workspaceId: ws, prototypeId: id }))?.title).toBe("P");
  });
});

describe("demo seed", () => {
  it("seeds an empty database once, even when two servers start at the same time", async () => {
    await emptyDatabase();
    await migrate(db.sql);
    const { list, end } = clients(2);
    let results;
    try {
      results = await Promise.all(list.map((sql) => seedDemo({ sql })));
    } finally {
      await end();
    }
    expect(results.map((r) => r.seeded).sort()).toEqual([false, true]);
    for (const r of results) expect(r.demoLogin).toEqual({ email: "dana@example.com", password: "pilotlab-demo" });
    const [{ workspaces, users, memberships, goals, prototypes }] = await db.sql`
      select (select count(*)::int from workspaces where name = 'Northwind Learning Lab') as workspaces,
             (select count(*)::int from users) as users,
             (select count(*)::int from memberships) as memberships,
             (select count(*)::int from goals) as goals,
             (select count(*)::int from prototypes) as prototypes`;
    expect({ workspaces, users, memberships, goals, prototypes }).toEqual({ workspaces: 1, users: 5, memberships: 5, goals: 3, prototypes: 4 });
    const roles = await db.sql<{ email: string; role: string }[]>`
      select u.email, m.role from memberships m join users u on u.id = m.user_id order by u.email`;
    expect(Object.fromEntries(roles.map((r) => [r.email, r.role]))).toEqual({
      "ana@example.com": "viewer",
      "dana@example.com": "owner",
      "marcus@example.com": "commenter",
      "priya@example.com": "editor",
      "sam@example.com": "facilitator",
    });

    // A sprint a new user can open: in the Sketch phase, every demo prototype in scope, the demo
    // contributors taking part, and ideas in two clusters in its document.
    const [sprint] = await db.sql`
      select s.id, s.name, s.current_phase, s.timer_duration_ms::int as timer, p.name as phase, u.email as facilitator,
        (select count(*)::int from sprint_prototypes x where x.sprint_id = s.id) as prototypes,
        (select array_agg(pu.email order by pu.email) from sprint_participants x join users pu on pu.id = x.user_id where x.sprint_id = s.id) as participants
      from sprints s join sprint_phases p on p.sprint_id = s.id and p.position = s.current_phase join users u on u.id = s.created_by`;
    expect(sprint).toMatchObject({
      name: "First 90 days of a new manager",
      phase: "Sketch",
      timer: DEFAULT_PHASES[1].durationSeconds * 1000,
      facilitator: "sam@example.com",
      prototypes: 4,
      participants: ["dana@example.com", "marcus@example.com", "priya@example.com"],
    });
    const state = await loadDocumentState(db.sql, sprintDocName(sprint.id));
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state.update!);
    const clusters = readClusters(doc);
    expect(clusters.map((c) => c.name)).toEqual(["Learning from peers", "Nudges in the flow of work"]);
    const ideas = readIdeas(doc);
    expect(ideas).toHaveLength(5);
    expect(clusters.map((c) => ideas.filter((i) => i.clusterId === c.id).length)).toEqual([2, 3]);
    expect(ideas[0]).toMatchObject({ text: "Coaching circles of four new managers, every other week", authorName: "Priya Raman" });
  });

  it("leaves a database that has any user alone and offers no demo login there", async () => {
    await emptyDatabase();
    await migrate(db.sql);
    await db.sql`insert into users (name, email) values ('Real Person', 'real@example.com')`;
    const result = await seedDemo({ sql: db.sql });
    expect(result).toEqual({ seeded: false, demoLogin: null });
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from workspaces`;
    expect(n).toBe(0);
  });
});
