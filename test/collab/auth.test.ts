import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { memberClient } from "../helpers/factories.js";
import { countRows, newPrototype, readMetric, upgradeStatus } from "./support.js";

let app: TestServer;
let docName: string;
let protoId: string;
let editor: Awaited<ReturnType<typeof memberClient>>;
let outsider: Awaited<ReturnType<typeof memberClient>>;

beforeAll(async () => {
  app = await startTestServer();
  const p = await newPrototype(app);
  docName = p.docName;
  protoId = p.prototype.id;
  editor = await memberClient(app, p.workspace.id, "editor");
  // A member of another workspace: valid session, wrong workspace.
  const other = await newPrototype(app);
  outsider = await memberClient(app, other.workspace.id, "owner");
});
afterAll(async () => {
  await app?.close();
});

/**
 * Every refusal must happen before the document is loaded: nothing in memory, nothing new in
 * the update log, and the refusal counted in the metrics.
 */
async function expectRefusedBeforeLoading(path: string, headers: Record<string, string | undefined>, status: number) {
  const rowsBefore = await countRows(app, "doc_updates");
  const loadedBefore = app.collab.registry.size;
  const acceptedBefore = await readMetric(app, "pilotlab_collab_connections_total");
  const refusedBefore = await readMetric(app, "pilotlab_collab_upgrades_rejected_total", `{status="${status}"}`);
  expect(await upgradeStatus(app, path, headers), `${path} ${JSON.stringify(headers)}`).toBe(status);
  expect(app.collab.registry.size).toBe(loadedBefore);
  expect(app.collab.registry.loaded(docName)).toBeUndefined();
  expect(await countRows(app, "doc_updates")).toBe(rowsBefore);
  expect(await readMetric(app, "pilotlab_collab_connections_total")).toBe(acceptedBefore);
  expect(await readMetric(app, "pilotlab_collab_upgrades_rejected_total", `{status="${status}"}`)).toBe(refusedBefore + 1);
}

describe("the upgrade is refused before any document is loaded", () => {
  it("with no session cookie: 401", async () => {
    await expectRefusedBeforeLoading(`/collab/${docName}`, { origin: app.url }, 401);
    await expectRefusedBeforeLoading(`/collab/${docName}`, { origin: app.url, cookie: "other_app=1" }, 401);
  });

  it("with an invalid or expired session: 401", async () => {
    await expectRefusedBeforeLoading(`/collab/${docName}`, { origin: app.url, cookie: "pilotlab_session=not-a-token" }, 401);
    await expectRefusedBeforeLoading(`/collab/${docName}`, { origin: app.url, cookie: `pilotlab_session=${"a".repeat(40)}` }, 401);

    // A real session, then expired in the database.
    const expiring = await memberClient(app, (await newPrototype(app)).workspace.id, "editor");
    await app.db.sql`update sessions set expires_at = now() - interval '1 minute' where user_id = ${expiring.user.id}`;
    await expectRefusedBeforeLoading(`/collab/${docName}`, { origin: app.url, cookie: expiring.client.cookieHeader }, 401);

    // A signed-out session (row deleted) no longer opens anything.
    const leaving = await memberClient(app, (await newPrototype(app)).workspace.id, "editor");
    await app.db.sql`delete from sessions where user_id = ${leaving.user.id}`;
    await expectRefusedBeforeLoading(`/collab/${docName}`, { origin: app.url, cookie: leaving.client.cookieHeader }, 401);
  });

  it("with a wrong or missing Origin: 403, even with a valid session", async () => {
    const cookie = editor.client.cookieHeader;
    await expectRefusedBeforeLoading(`/collab/${docName}`, { cookie, origin: "http://evil.example" }, 403);
    await expectRefusedBeforeLoading(`/collab/${docName}`, { cookie, origin: app.url.replace("127.0.0.1", "localhost") }, 403);
    await expectRefusedBeforeLoading(`/collab/${docName}`, { cookie, origin: `${app.url}.evil.example` }, 403);
    await expectRefusedBeforeLoading(`/collab/${docName}`, { cookie, origin: "null" }, 403);
    await expectRefusedBeforeLoading(`/collab/${docName}`, { cookie }, 403);
  });

  it("for another workspace's document: 403", async () => {
    await expectRefusedBeforeLoading(`/collab/${docName}`, { origin: app.url, cookie: outsider.client.cookieHeader }, 403);
  });

  it("for a removed member: 403", async () => {
    const p = await newPrototype(app);
    const former = await memberClient(app, p.workspace.id, "editor");
    await app.db.sql`delete from memberships where workspace_id = ${p.workspace.id} and user_id = ${former.user.id}`;
    await expectRefusedBeforeLoading(`/collab/${p.docName}`, { origin: app.url, cookie: former.client.cookieHeader }, 403);
    expect(app.collab.registry.loaded(p.docName)).toBeUndefined();
  });

  it("for an unknown prototype: 404", async () => {
    await expectRefusedBeforeLoading(`/collab/prototype.${randomUUID()}`, { origin: app.url, cookie: editor.client.cookieHeader }, 404);
  });

  it("for malformed document names, path traversal and SQL-ish strings: 404", async () => {
    const cookie = editor.client.cookieHeader;
    const names = [
      "..%2F..%2Fetc",
      "..%2F..%2Fetc%2Fpasswd",
      "prototype.%2E%2E%2F%2E%2E%2Fetc",
      `prototype.${protoId}%2F..%2F..`,
      `prototype.${protoId}/extra`,
      `prototype.${protoId}%00`,
      `prototype.${protoId.toUpperCase()}`,
      `PROTOTYPE.${protoId}`,
      `goal.${protoId}`,
      protoId,
      `prototype.${protoId}x`,
      ` prototype.${protoId}`.replace(" ", "%20"),
      "prototype.'%20OR%20'1'='1",
      "prototype.1;drop%20table%20doc_updates;--",
      "prototype.00000000-0000-0000-0000-000000000000'--",
      "",
      "%",
      "x".repeat(2000),
    ];
    for (const name of names) await expectRefusedBeforeLoading(`/collab/${name}`, { origin: app.url, cookie }, 404);
    // Paths outside /collab/ are not WebSocket endpoints at all.
    for (const path of ["/", "/collab", `/other/prototype.${protoId}`, `/collabx/prototype.${protoId}`, `/notcol/prototype.${protoId}`, `/w/abc/prototype.${protoId}`]) {
      await expectRefusedBeforeLoading(path, { origin: app.url, cookie }, 404);
    }
    // The tables are all still there.
    expect(await countRows(app, "doc_updates")).toBeGreaterThan(0);
    expect(app.collab.registry.size).toBe(0);
  });

  it("and the same name with valid credentials is accepted (the refusals above are not blanket)", async () => {
    expect(app.collab.registry.size).toBe(0);
    expect(await upgradeStatus(app, `/collab/${docName}`, { origin: app.url, cookie: editor.client.cookieHeader })).toBe(101);
    expect(app.collab.registry.loaded(docName)).toBeDefined();
  });
});
