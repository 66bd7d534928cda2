/**
 * What the collaboration benchmarks (collab.ts, soak.ts) share: our server (one instance, or several
 * sharing one PostgreSQL database and Redis) and the stock y-websocket server as child processes,
 * their CPU time and memory from /proc and their /metrics, and y-websocket provider clients.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { SERVER_BUNDLE } from "../../server/paths.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Extra node flags for our server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const OURS_NODE_ARGS = (process.env.BENCH_OURS_NODE_ARGS ?? "").split(" ").filter(Boolean);
const CLK_TCK = 100; // Linux USER_HZ
const USERS = ["dana@example.com", "sam@example.com", "priya@example.com"];
const PASSWORD = "pilotlab-demo";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The p-th percentile of an ascending array (NaN when empty). */
export function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
/** Rounds to two decimals, for printing. */
export const r2 = (n: number) => Math.round(n * 100) / 100;

/** The PostgreSQL server several instances share a fresh database on (PGlite cannot be shared between processes). */
export const MULTI_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** The Redis through which several instances reach each other. */
export const MULTI_REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Prints rows as a table with right-aligned columns, one `[header, cell]` per column. */
export function printTable<R>(cols: [string, (r: R) => string | number | boolean][], items: R[]) {
  const rows = [cols.map(([h]) => h), ...items.map((r) => cols.map(([, f]) => String(f(r))))];
  const widths = cols.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) console.log(row.map((v, i) => v.padStart(widths[i])).join("  "));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // after "pid (comm) ": fields[0] is state (field 3); utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
/** CPU seconds summed over several processes (the instances of one target). */
export const cpuSecondsOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
/** Peak (VmHWM) or current (VmRSS) resident memory of a process in KiB. */
export function memKb(pid: number, key: "VmHWM" | "VmRSS"): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${key}:\\s+(\\d+)`, "m"));
  return m ? Number(m[1]) : NaN;
}

/** How a client reaches one document of a server: several instances are one target. */
export interface Target {
  kind: "ours" | "stock";
  /** One process per instance: CPU is summed over them, memory read per instance. */
  pids: number[];
  /** Where client `clientIndex` connects: clients go round-robin over the instances. */
  wsBaseFor(clientIndex: number): string;
  docNames: string[];
  headersFor(clientIndex: number): Record<string, string>;
  stop(): Promise<void>;
}

/** Our server, whose instances can also be stopped and started again on the same database and ports. */
export interface OursTarget extends Target {
  kind: "ours";
  /** http://host:port of each instance, in `pids` order. */
  origins: string[];
  /** Where the children's database lives (DATABASE_URL or DATA_DIR of embedded PGlite). */
  database: { databaseUrl: string | null; dataDir: string | null };
  /** Stops every instance (SIGTERM: it stores every document) and keeps the database. */
  stopServer(): Promise<void>;
  /** Starts new instances on the same database and ports. */
  startServer(): Promise<void>;
}

function wsClass(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  } as unknown as typeof globalThis.WebSocket;
}

async function waitHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(url, { redirect: "manual" });
      await res.arrayBuffer();
      return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output()}`);
    await sleep(100);
  }
}

function spawnServer(args: string[], env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out = (out + d).slice(-4000)));
  child.stderr!.on("data", (d) => (out = (out + d).slice(-4000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  return { child, output: () => out, stop };
}

/** The stock y-websocket@2.1.0 server (memory only, no auth) with `docs` fresh document names. */
export async function startStock(docs: number): Promise<Target> {
  const port = await freePort();
  const { child, output, stop } = spawnServer([path.join(ROOT, "node_modules/y-websocket-stock/bin/server.cjs")], { HOST: "127.0.0.1", PORT: String(port) });
  await waitHttp(`http://127.0.0.1:${port}/`, child, output);
  const run = randomBytes(3).toString("hex");
  return {
    kind: "stock",
    pids: [child.pid!],
    wsBaseFor: () => `ws://127.0.0.1:${port}`,
    docNames: Array.from({ length: docs }, (_, i) => `bench-${run}-${i}`),
    headersFor: () => ({}),
    stop,
  };
}

export interface OursOptions {
  /** Server processes on the one database (default 1); more than one needs `databaseUrl` and `redisUrl`. */
  instances?: number;
  /** PostgreSQL server on which a fresh database is created; null → embedded PGlite in a temp dir. */
  databaseUrl?: string | null;
  /** REDIS_URL of every instance; null → none (the child does not inherit one either). */
  redisUrl?: string | null;
}

/** Our server (`server/index.ts`, demo data seeded) with `docs` new prototypes whose documents clients open. */
export async function startOurs(docs: number, options: OursOptions = {}): Promise<OursTarget> {
  if (!existsSync(SERVER_BUNDLE)) throw new Error(`no server bundle at ${SERVER_BUNDLE}: run "npm run build" first (npm run bench does)`);
  const instances = options.instances ?? 1;
  const external = options.databaseUrl === undefined ? (process.env.BENCH_DATABASE_URL ?? null) : options.databaseUrl;
  if (instances > 1 && (!external || !options.redisUrl)) throw new Error("several instances need a PostgreSQL databaseUrl and a redisUrl");
  const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
  const origins = ports.map((port) => `http://127.0.0.1:${port}`);
  // REDIS_URL undefined: spawn leaves it out, so no instance inherits one from this process.
  const env: Record<string, string | undefined> = { HOST: "127.0.0.1", SEED_DEMO: "1", LOG_LEVEL: "warn", REDIS_URL: options.redisUrl ?? undefined };
  let cleanup: () => Promise<void>;
  if (external) {
    const name = `pilotlab_collab_bench_${randomBytes(4).toString("hex")}`;
    const admin = postgres(external, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`); // generated name, never user input
    const url = new URL(external);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    cleanup = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  } else {
    const dir = mkdtempSync(path.join(tmpdir(), "pilotlab-bench-"));
    env.DATA_DIR = dir;
    delete process.env.DATABASE_URL;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  let servers: ReturnType<typeof spawnServer>[] = [];
  const startOne = async (i: number) => {
    // Only the first instance migrates and seeds; the others start once it is up.
    const server = spawnServer([...OURS_NODE_ARGS, SERVER_BUNDLE], {
      ...env,
      PORT: String(ports[i]),
      SEED_DEMO: i === 0 ? "1" : "0",
    });
    servers[i] = server;
    await waitHttp(`${origins[i]}/login`, server.child, server.output);
  };
  const startAll = async () => {
    servers = [];
    await startOne(0);
    await Promise.all(ports.slice(1).map((_, i) => startOne(i + 1)));
  };
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  const origin = origins[0];
  try {
    await startAll();
    const cookies: string[] = [];
    for (const email of USERS) {
      const res = await fetch(`${origin}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { origin },
        body: new URLSearchParams({ email, password: PASSWORD }),
      });
      await res.arrayBuffer();
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith("pilotlab_session="));
      if (!cookie) throw new Error(`login as ${email} failed (${res.status})`);
      cookies.push(cookie.split(";")[0]);
    }
    const home = await fetch(`${origin}/`, { redirect: "manual", headers: { cookie: cookies[0] } });
    await home.arrayBuffer();
    const workspaceId = home.headers.get("location")?.match(/\/w\/([^/?#]+)/)?.[1];
    if (!workspaceId) throw new Error(`no workspace redirect from / (${home.status})`);
    const docNames: string[] = new Array(docs);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(8, docs) }, async () => {
        for (let i = next++; i < docs; i = next++) {
          const res = await fetch(`${origin}/w/${workspaceId}/prototypes/new`, {
            method: "POST",
            redirect: "manual",
            headers: { origin, cookie: cookies[0] },
            body: new URLSearchParams({ title: `Bench prototype ${i + 1}`, stage: "idea", ownerId: "", goalId: "" }),
          });
          await res.arrayBuffer();
          const id = res.headers.get("location")?.match(/\/prototypes\/([0-9a-f-]{36})/)?.[1];
          if (!id) throw new Error(`creating a prototype failed (${res.status})`);
          docNames[i] = `prototype.${id}`;
        }
      }),
    );
    const instanceOf = (clientIndex: number) => clientIndex % instances;
    const target: OursTarget = {
      kind: "ours",
      pids: servers.map((s) => s.child.pid!),
      origins,
      wsBaseFor: (i) => `ws://127.0.0.1:${ports[instanceOf(i)]}/collab`,
      docNames,
      // Origin is checked against the host the upgrade reached, so it names the client's instance.
      headersFor: (i) => ({ cookie: cookies[i % cookies.length], origin: origins[instanceOf(i)] }),
      database: { databaseUrl: env.DATABASE_URL ?? null, dataDir: env.DATA_DIR ?? null },
      stopServer: stop,
      async startServer() {
        await startAll();
        target.pids = servers.map((s) => s.child.pid!);
      },
      stop: async () => {
        await stop();
        await cleanup();
      },
    };
    return target;
  } catch (error) {
    await stop();
    await cleanup();
    throw error;
  }
}

export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  docIndex: number;
  id: string;
  closes: number;
}

/** A provider for document `docIndex` as client `clientIndex` (its instance and user); `synced` resolves with ms to its first sync. */
export function connect(target: Target, docIndex: number, clientIndex: number): { client: Client; synced: Promise<number> } {
  const doc = new Y.Doc();
  const started = performance.now();
  const provider = new WebsocketProvider(target.wsBaseFor(clientIndex), target.docNames[docIndex], doc, {
    WebSocketPolyfill: wsClass(target.headersFor(clientIndex)),
    disableBc: true,
  });
  const client: Client = { doc, provider, docIndex, id: `c${clientIndex}`, closes: 0 };
  provider.on("connection-close", () => client.closes++);
  const synced = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client ${clientIndex} did not sync in 30 s`)), 30_000);
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return;
      clearTimeout(timer);
      provider.off("sync", onSync);
      resolve(performance.now() - started);
    };
    provider.on("sync", onSync);
  });
  return { client, synced };
}

/** Closes a client's provider and document. */
export function disconnect(client: Client) {
  client.provider.destroy();
  client.doc.destroy();
}

const sortedJson = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)));

/** Same state vector and delete set, and the same benchmark entries. */
export function sameState(a: Y.Doc, b: Y.Doc) {
  return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b)) && sortedJson(a.getMap("bench").toJSON()) === sortedJson(b.getMap("bench").toJSON());
}

/** An unlabelled metric's value from an instance's /metrics (NaN when absent). */
export async function readMetric(origin: string, name: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}
