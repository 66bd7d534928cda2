/**
 * kill -9 of the real server process in the middle of a 5-client editing burst: every edit that
 * any client received from another client (so the server had broadcast it) survives a restart.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { openDatabase, type Database } from "../../server/db/index.js";
import type { Sql } from "../../server/db/sql.js";
import { DEMO_PASSWORD } from "../../server/seed.js";
import { createTestDatabase, usingRealPostgres, type TestDatabase } from "../helpers/db.js";
import { HttpClient, fakeIp } from "../helpers/http.js";
import { authedWebSocket, eventually } from "../helpers/collab.js";
import { startServerProcess, type ServerProcess } from "../helpers/instances.js";

/** A start on a busy 2-core machine can take tens of seconds; generous limits cost nothing when fast. */
const START_TIMEOUT = 150_000;

let dataDir: string;
let realDb: TestDatabase | null = null;
const children = new Set<ServerProcess>();
const providers: { provider: WebsocketProvider; doc: Y.Doc }[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlab-crash-"));
  if (usingRealPostgres) {
    realDb = await createTestDatabase();
  } else {
    // Start the data folder from the migrated template: a first initdb on disk is slow here.
    const template = new Blob([fs.readFileSync(inject("pgliteTemplate"))]);
    const db = await openDatabase({ databaseUrl: null, dataDir, loadDataDir: template });
    await db.close();
  }
}, START_TIMEOUT);

afterAll(async () => {
  for (const p of providers) {
    p.provider.destroy();
    p.doc.destroy();
  }
  // Only the processes this file started, each by its own handle.
  for (const child of children) await child.kill();
  await realDb?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The server bundle (`node build/server/index.mjs`) on this file's data folder (or real database), seeded. */
async function startChild(): Promise<ServerProcess> {
  const env: Record<string, string> = { DATA_DIR: dataDir, SEED_DEMO: "1" };
  if (realDb) env.DATABASE_URL = realDb.url!;
  const child = await startServerProcess(env, START_TIMEOUT);
  children.add(child);
  return child;
}

async function login(url: string, email: string): Promise<HttpClient> {
  const client = new HttpClient(url, url, { "x-forwarded-for": fakeIp() });
  const res = await client.post("/login", { email, password: DEMO_PASSWORD });
  expect(res.status, `login as ${email}`).toBe(302);
  return client;
}

/** The seeded workspace's first prototype, found the way a user would: through the pages. */
async function firstPrototypeId(client: HttpClient): Promise<string> {
  const home = await client.get("/");
  const workspacePath = home.headers.get("location");
  expect(workspacePath).toMatch(/^\/w\/[0-9a-f-]{36}$/);
  const list = await client.get(`${workspacePath}/prototypes`);
  const html = await list.text();
  const match = /href="\/w\/[0-9a-f-]{36}\/prototypes\/([0-9a-f-]{36})"/.exec(html);
  expect(match, "a prototype link on the list page").not.toBeNull();
  return match![1];
}

function connect(url: string, cookie: string, docName: string) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${url.replace(/^http/, "ws")}/collab`, docName, doc, {
    WebSocketPolyfill: authedWebSocket({ cookie, origin: url }) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const entry = { provider, doc };
  providers.push(entry);
  return entry;
}

function whenSynced(provider: WebsocketProvider): Promise<void> {
  return eventually(() => provider.synced, "provider synced", 20_000);
}

/** Tokens in a stored document (snapshot + log), read straight from the database. */
async function storedTokens(sql: Sql, docName: string): Promise<Set<string>> {
  const [snapshot] = await sql<{ state: Buffer; last_seq: string }[]>`select state, last_seq from doc_snapshots where doc_name = ${docName}`;
  const rows = await sql<{ update: Buffer }[]>`
    select update from doc_updates where doc_name = ${docName} and seq > ${snapshot ? Number(snapshot.last_seq) : 0} order by seq`;
  const doc = new Y.Doc();
  if (snapshot) Y.applyUpdate(doc, new Uint8Array(snapshot.state));
  for (const row of rows) Y.applyUpdate(doc, new Uint8Array(row.update));
  const tokens = new Set(doc.getArray<string>("burst").toArray());
  doc.destroy();
  return tokens;
}

it(
  "SIGKILL during a 5-client burst loses nothing any client received, and the restart takes over the stale lock",
  async () => {
    const first = await startChild();
    const people = ["priya@example.com", "priya@example.com", "dana@example.com", "dana@example.com", "sam@example.com"];
    const sessions = await Promise.all(people.map((email) => login(first.url, email)));
    const protoId = await firstPrototypeId(sessions[0]);
    const docName = `prototype.${protoId}`;

    const clients = sessions.map((s) => connect(first.url, s.cookieHeader, docName));
    await Promise.all(clients.map((c) => whenSynced(c.provider)));

    // What each client received from others (applied with the provider as origin = from the server).
    const received = new Set<string>();
    let receivedCount = 0;
    for (const c of clients) {
      c.doc.getArray<string>("burst").observe((event, tr) => {
        if (tr.origin !== c.provider) return;
        for (const d of event.changes.delta) {
          if (!d.insert) continue;
          for (const token of d.insert as string[]) {
            receivedCount++;
            received.add(token);
          }
        }
      });
    }

    // The burst: every client pushes a token every few milliseconds until the kill.
    const sent: string[] = [];
    let bursting = true;
    const bursts = clients.map(async (c, i) => {
      for (let n = 0; bursting; n++) {
        const token = `c${i}-${n}`;
        c.doc.getArray<string>("burst").push([token]);
        sent.push(token);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 15));
      }
    });
    // Kill once the burst is well under way (a good number of edits delivered), mid-flight.
    await eventually(() => received.size >= 150, "edits flowing between clients", 60_000);
    first.process.kill("SIGKILL");
    bursting = false;
    await bursts;
    const exit = await first.exit;
    expect(exit.signal).toBe("SIGKILL");
    // Stop the clients from reconnecting (and re-sending their local state) to the new server.
    for (const c of clients) c.provider.disconnect();
    const mustSurvive = new Set(received);
    expect(mustSurvive.size).toBeGreaterThanOrEqual(150);

    // The killed process left its lock behind (embedded mode); the restart must take it over.
    const lockFile = path.join(dataDir, "pilotlab.lock");
    if (!realDb) expect(fs.readFileSync(lockFile, "utf8").trim()).toBe(String(first.process.pid));

    const second = await startChild();
    if (!realDb) expect(fs.readFileSync(lockFile, "utf8").trim()).toBe(String(second.process.pid));
    // A fresh client (no local state, no BroadcastChannel): everything it has came from storage.
    const fresh = connect(second.url, sessions[0].cookieHeader, docName);
    await whenSynced(fresh.provider);
    const after = new Set(fresh.doc.getArray<string>("burst").toArray());
    const lost = [...mustSurvive].filter((t) => !after.has(t));
    expect(lost, `${lost.length} received edits lost (of ${mustSurvive.size} received, ${sent.length} sent)`).toEqual([]);
    // No duplicates or inventions either: each stored token was sent by some client.
    const sentSet = new Set(sent);
    expect([...after].filter((t) => !sentSet.has(t))).toEqual([]);
    fresh.provider.disconnect();

    // And the database itself holds them (not only what the new server handed out).
    second.process.kill("SIGTERM");
    expect((await second.exit).code).toBe(0);
    if (realDb) {
      const stored = await storedTokens(realDb.sql, docName);
      expect([...mustSurvive].filter((t) => !stored.has(t))).toEqual([]);
    } else {
      const db: Database = await openDatabase({ databaseUrl: null, dataDir, runMigrations: false });
      try {
        const stored = await storedTokens(db.sql, docName);
        expect([...mustSurvive].filter((t) => !stored.has(t))).toEqual([]);
      } finally {
        await db.close();
      }
    }
    expect(receivedCount).toBeGreaterThanOrEqual(mustSurvive.size);
  },
  4 * START_TIMEOUT,
);
