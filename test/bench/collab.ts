/**
 * Collaboration load benchmark (issue 3, "Benchmark"): the same scenarios against OUR collaboration
 * server (authenticated, durable Postgres persistence) and the STOCK server of y-websocket@2.1.0
 * (bin/server.cjs, in-memory only), each run as a child process so its CPU time and RSS can be read
 * from /proc. Clients are the stock y-websocket provider in this process.
 *
 * Usage: npm run bench                      (our server on embedded PGlite in a temp dir)
 *        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench   (fresh database on that server)
 *        BENCH_COLLAB_SECONDS=10 (edit phase length), BENCH_SCENARIOS=S1,S2,S3,S4 (default; pick a subset)
 *
 * Fan-out latency: every edit sets a unique key in the Y.Map "bench" to its send time
 * (performance.now(); all clients share this process and clock); every other client of the doc
 * records arrival - send when the key appears. "delivery" percentiles are over all (edit, receiver)
 * pairs; "all" percentiles are per edit, until the last receiver has it.
 *
 * S4 (cold load): one document with a history of 20,000 single-edit updates. Ours: the updates are
 * written as rows of the update log, a server loads them once and compacts them into a snapshot on
 * shutdown; then, BENCH_S4_LOADS times, a freshly restarted server serves one fresh client. Stock:
 * clients send the same updates to it, then fresh clients load the document from its memory.
 * End-to-end is provider created → its `sync` event; our server's share (upgrade request → full
 * state sent) comes from its pilotlab_collab_first_sync_seconds metric.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { openDatabase } from "../../server/db/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SECONDS = Number(process.env.BENCH_COLLAB_SECONDS ?? 10);
const ONLY = (process.env.BENCH_SCENARIOS ?? "S1,S2,S3,S4").split(",").map((s) => s.trim());
const S4_UPDATES = Number(process.env.BENCH_S4_UPDATES ?? 20_000);
const S4_LOADS = Number(process.env.BENCH_S4_LOADS ?? 5);
/** Extra node flags for our server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const OURS_NODE_ARGS = (process.env.BENCH_OURS_NODE_ARGS ?? "").split(" ").filter(Boolean);
const CLK_TCK = 100; // Linux USER_HZ
const USERS = ["dana@example.com", "sam@example.com", "priya@example.com"];
const PASSWORD = "pilotlab-demo";

interface Scenario {
  id: string;
  docs: number;
  clientsPerDoc: number;
  editsPerSec: number;
}
const SCENARIOS: Scenario[] = [
  { id: "S1", docs: 10, clientsPerDoc: 5, editsPerSec: 2 },
  { id: "S2", docs: 1, clientsPerDoc: 50, editsPerSec: 1 },
  // Connection scale: no edit phase, only connect + first sync of every client.
  { id: "S3", docs: 500, clientsPerDoc: 2, editsPerSec: 0 },
].filter((s) => ONLY.includes(s.id));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const r2 = (n: number) => Math.round(n * 100) / 100;

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

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // after "pid (comm) ": fields[0] is state (field 3); utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
function memKb(pid: number, key: "VmHWM" | "VmRSS"): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${key}:\\s+(\\d+)`, "m"));
  return m ? Number(m[1]) : NaN;
}

/** How a client reaches one document of a server. */
interface Target {
  kind: "ours" | "stock";
  pid: number;
  wsBase: string;
  docNames: string[];
  headersFor(clientIndex: number): Record<string, string>;
  stop(): Promise<void>;
}

/** Our server, which can also be stopped and started again on the same database and port. */
interface OursTarget extends Target {
  kind: "ours";
  origin: string;
  /** Where the child's database lives (DATABASE_URL or DATA_DIR of embedded PGlite). */
  database: { databaseUrl: string | null; dataDir: string | null };
  /** Stops the server process (SIGTERM: it stores every document) and keeps the database. */
  stopServer(): Promise<void>;
  /** Starts a new server process on the same database and port. */
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

function spawnServer(args: string[], env: Record<string, string>) {
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

async function startStock(docs: number): Promise<Target> {
  const port = await freePort();
  const { child, output, stop } = spawnServer([path.join(ROOT, "node_modules/y-websocket-stock/bin/server.cjs")], { HOST: "127.0.0.1", PORT: String(port) });
  await waitHttp(`http://127.0.0.1:${port}/`, child, output);
  const run = randomBytes(3).toString("hex");
  return {
    kind: "stock",
    pid: child.pid!,
    wsBase: `ws://127.0.0.1:${port}`,
    docNames: Array.from({ length: docs }, (_, i) => `bench-${run}-${i}`),
    headersFor: () => ({}),
    stop,
  };
}

async function startOurs(docs: number): Promise<OursTarget> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { PORT: String(port), HOST: "127.0.0.1", SEED_DEMO: "1", LOG_LEVEL: "warn" };
  let cleanup: () => Promise<void>;
  const external = process.env.BENCH_DATABASE_URL;
  if (external) {
    const name = `pilotlab_collab_bench_${randomBytes(4).toString("hex")}`;
    const admin = postgres(external, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
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
  let server = spawnServer([...OURS_NODE_ARGS, "--import", "tsx", path.join(ROOT, "server/index.ts")], env);
  const stop = () => server.stop();
  try {
    await waitHttp(`${origin}/login`, server.child, server.output);
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
    const target: OursTarget = {
      kind: "ours",
      pid: server.child.pid!,
      origin,
      wsBase: `ws://127.0.0.1:${port}/collab`,
      docNames,
      headersFor: (i) => ({ cookie: cookies[i % cookies.length], origin }),
      database: { databaseUrl: env.DATABASE_URL ?? null, dataDir: env.DATA_DIR ?? null },
      stopServer: stop,
      async startServer() {
        server = spawnServer([...OURS_NODE_ARGS, "--import", "tsx", path.join(ROOT, "server/index.ts")], env);
        target.pid = server.child.pid!;
        await waitHttp(`${origin}/login`, server.child, server.output);
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

interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  docIndex: number;
  id: string;
  closes: number;
}

function connect(target: Target, docIndex: number, clientIndex: number): { client: Client; synced: Promise<number> } {
  const doc = new Y.Doc();
  const started = performance.now();
  const provider = new WebsocketProvider(target.wsBase, target.docNames[docIndex], doc, {
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

const sortedJson = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)));

function sameState(a: Y.Doc, b: Y.Doc) {
  // Same state vector and delete set, and the same benchmark entries.
  return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b)) && sortedJson(a.getMap("bench").toJSON()) === sortedJson(b.getMap("bench").toJSON());
}

async function runScenario(s: Scenario, target: Target, seconds = SECONDS) {
  const clients: Client[] = [];
  const syncs: Promise<number>[] = [];
  const connectCpu0 = cpuSeconds(target.pid);
  const connectStarted = performance.now();
  for (let d = 0; d < s.docs; d++) {
    for (let c = 0; c < s.clientsPerDoc; c++) {
      const { client, synced } = connect(target, d, d * s.clientsPerDoc + c);
      client.id = `d${d}c${c}`;
      clients.push(client);
      syncs.push(synced);
    }
  }
  const syncTimes = (await Promise.all(syncs)).sort((a, b) => a - b);

  // Record deliveries.
  const deliveries: number[] = [];
  const perEdit = new Map<string, { sent: number; got: number; last: number }>();
  for (const cl of clients) {
    cl.doc.getMap("bench").observe((event) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const key of event.keysChanged) {
        const sent = event.target.get(key) as number;
        deliveries.push(now - sent);
        const e = perEdit.get(key);
        if (e) {
          e.got++;
          e.last = now;
        }
      }
    });
  }

  if (s.editsPerSec === 0) {
    const connectAll = performance.now() - connectStarted;
    const result = {
      scenario: s.id,
      server: target.kind,
      docs: s.docs,
      clients: clients.length,
      connectAllMs: Math.round(connectAll),
      cpuSeconds: r2(cpuSeconds(target.pid) - connectCpu0),
      peakRssMb: r2(memKb(target.pid, "VmHWM") / 1024),
      firstSyncMedianMs: r2(percentile(syncTimes, 50)),
      firstSyncP99Ms: r2(percentile(syncTimes, 99)),
      firstSyncMaxMs: r2(syncTimes[syncTimes.length - 1]),
      reconnects: clients.reduce((n, c) => n + c.closes, 0),
    };
    for (const c of clients) {
      c.provider.destroy();
      c.doc.destroy();
    }
    return result;
  }

  await sleep(500); // let awareness settle
  const cpu0 = cpuSeconds(target.pid);
  const t0 = performance.now();
  const interval = 1000 / s.editsPerSec;
  const timers: NodeJS.Timeout[] = [];
  let edits = 0;
  for (const cl of clients) {
    let seq = 0;
    const edit = () => {
      const key = `${cl.id}:${seq++}`;
      const sent = performance.now();
      perEdit.set(key, { sent, got: 0, last: 0 });
      cl.doc.getMap("bench").set(key, sent);
      edits++;
    };
    timers.push(
      setTimeout(() => {
        edit();
        timers.push(setInterval(edit, interval));
      }, Math.random() * interval),
    );
  }
  let peakRssKb = 0;
  const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, memKb(target.pid, "VmRSS"))), 250);
  await sleep(seconds * 1000);
  for (const t of timers) clearTimeout(t);
  const editPhaseEnd = performance.now();
  // Drain: wait until every edit reached every other client of its doc (or 10 s).
  const expected = edits * (s.clientsPerDoc - 1);
  const drainDeadline = Date.now() + 10_000;
  while (deliveries.length < expected && Date.now() < drainDeadline) await sleep(20);
  const elapsed = (Math.max(editPhaseEnd, ...[...perEdit.values()].map((e) => e.last)) - t0) / 1000;
  const cpu = cpuSeconds(target.pid) - cpu0;
  clearInterval(sampler);
  peakRssKb = Math.max(peakRssKb, memKb(target.pid, "VmRSS"));
  const hwmKb = memKb(target.pid, "VmHWM");

  // Convergence: all clients of each doc equal; then a fresh client per doc gets the same state.
  await sleep(300);
  let converged = true;
  let freshConverged = true;
  for (let d = 0; d < s.docs; d++) {
    const group = clients.filter((c) => c.docIndex === d);
    for (const c of group.slice(1)) if (!sameState(group[0].doc, c.doc)) converged = false;
  }
  const fresh = Array.from({ length: s.docs }, (_, d) => connect(target, d, 0));
  await Promise.all(fresh.map((f) => f.synced));
  for (const [d, f] of fresh.entries()) {
    const ref = clients.find((c) => c.docIndex === d)!;
    if (!sameState(ref.doc, f.client.doc)) freshConverged = false;
  }
  const reconnects = clients.reduce((n, c) => n + c.closes, 0);
  for (const c of [...clients, ...fresh.map((f) => f.client)]) {
    c.provider.destroy();
    c.doc.destroy();
  }

  deliveries.sort((a, b) => a - b);
  const allLat = [...perEdit.values()].filter((e) => e.got === s.clientsPerDoc - 1).map((e) => e.last - e.sent).sort((a, b) => a - b);
  return {
    scenario: s.id,
    server: target.kind,
    docs: s.docs,
    clients: clients.length,
    seconds: r2(elapsed),
    edits,
    deliveries: deliveries.length,
    expectedDeliveries: expected,
    p50Ms: r2(percentile(deliveries, 50)),
    p95Ms: r2(percentile(deliveries, 95)),
    p99Ms: r2(percentile(deliveries, 99)),
    maxMs: r2(deliveries[deliveries.length - 1] ?? NaN),
    allP99Ms: r2(percentile(allLat, 99)),
    deliveredPerSec: Math.round(deliveries.length / elapsed),
    cpuSeconds: r2(cpu),
    cpuUsPerDelivery: r2((cpu * 1e6) / Math.max(1, deliveries.length)),
    peakRssMb: r2(Math.max(peakRssKb, hwmKb) / 1024),
    firstSyncMedianMs: r2(percentile(syncTimes, 50)),
    firstSyncMaxMs: r2(syncTimes[syncTimes.length - 1]),
    reconnects,
    converged,
    freshClientConverged: freshConverged,
  };
}

/** A history of `count` updates, each one edit (a new key in the Y.Map "bench") by one of four writers. */
function makeHistory(count: number): { updates: Uint8Array[]; reference: Y.Doc } {
  const reference = new Y.Doc();
  const writers = Array.from({ length: 4 }, () => new Y.Doc());
  const updates: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const writer = writers[i % writers.length];
    const onUpdate = (update: Uint8Array) => updates.push(update);
    writer.on("update", onUpdate);
    writer.getMap("bench").set(`e${i}`, i);
    writer.off("update", onUpdate);
    Y.applyUpdate(reference, updates[updates.length - 1]);
  }
  for (const w of writers) w.destroy();
  return { updates, reference };
}

function syncUpdateFrame(update: Uint8Array): Uint8Array {
  // [messageSync=0][messageYjsUpdate=2][varUint8Array update]
  const header: number[] = [0, 2];
  for (let n = update.length; ; ) {
    if (n < 0x80) {
      header.push(n);
      break;
    }
    header.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  const frame = new Uint8Array(header.length + update.length);
  frame.set(header);
  frame.set(update, header.length);
  return frame;
}

/** One fresh client's load of document 0: end-to-end ms, and whether it got the expected state. */
async function coldLoad(target: Target, reference: Y.Doc, clientIndex: number): Promise<{ ms: number; same: boolean }> {
  const { client, synced } = connect(target, 0, clientIndex);
  try {
    const ms = await synced;
    return { ms, same: sameState(reference, client.doc) };
  } finally {
    client.provider.destroy();
    client.doc.destroy();
  }
}

async function readMetric(origin: string, name: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

interface ColdLoadResult {
  scenario: "S4";
  server: "ours" | "stock";
  updates: number;
  stateBytes: number;
  loadsMs: number[];
  medianMs: number;
  /** Ours only: upgrade request → full state sent, per load. */
  serverShareMs?: number[];
  serverShareMedianMs?: number;
  converged: boolean;
}

const median = (xs: number[]) => r2(percentile([...xs].sort((a, b) => a - b), 50));

/** S4 against our server: history written into the update log, compacted, then cold loads from restarted servers. */
async function coldLoadOurs(history: { updates: Uint8Array[]; reference: Y.Doc }): Promise<{ result: ColdLoadResult; template: Uint8Array[] }> {
  const target = await startOurs(1);
  try {
    const docName = target.docNames[0];
    await target.stopServer();
    // Write the history straight into the log (as 20,000 appends through the server would, only faster).
    const db = await openDatabase({ ...target.database, runMigrations: false });
    let template: Uint8Array[];
    try {
      const rows = await db.sql<{ update: Buffer }[]>`select update from doc_updates where doc_name = ${docName} order by seq`;
      template = rows.map((r) => new Uint8Array(r.update));
      for (let i = 0; i < history.updates.length; i += 1000) {
        const batch = history.updates.slice(i, i + 1000).map((u) => ({ doc_name: docName, update: Buffer.from(u) }));
        await db.sql`insert into doc_updates ${db.sql(batch, "doc_name", "update")}`;
      }
    } finally {
      await db.close();
    }
    for (const u of template) Y.applyUpdate(history.reference, u);

    // A server loads the whole log once; its shutdown stores (compacts) the document into one snapshot.
    await target.startServer();
    const first = await coldLoad(target, history.reference, 0);
    await target.stopServer();
    const check = await openDatabase({ ...target.database, runMigrations: false });
    let stateBytes: number;
    try {
      const [{ n }] = await check.sql<{ n: number }[]>`select count(*)::int as n from doc_updates where doc_name = ${docName}`;
      const [snap] = await check.sql<{ bytes: number }[]>`select length(state)::int as bytes from doc_snapshots where doc_name = ${docName}`;
      if (n !== 0 || !snap) throw new Error(`S4: the log was not compacted (${n} rows left, snapshot ${snap ? "present" : "missing"})`);
      stateBytes = snap.bytes;
    } finally {
      await check.close();
    }

    const loadsMs: number[] = [];
    const serverShareMs: number[] = [];
    let converged = first.same;
    for (let i = 0; i < S4_LOADS; i++) {
      await target.startServer();
      const load = await coldLoad(target, history.reference, i + 1);
      loadsMs.push(load.ms);
      converged &&= load.same;
      // The only connection since the restart, so the sum is this load's share.
      serverShareMs.push((await readMetric(target.origin, "pilotlab_collab_first_sync_seconds_sum")) * 1000);
      await target.stopServer();
    }
    return {
      template,
      result: {
        scenario: "S4",
        server: "ours",
        updates: history.updates.length,
        stateBytes,
        loadsMs: loadsMs.map(r2),
        medianMs: median(loadsMs),
        serverShareMs: serverShareMs.map(r2),
        serverShareMedianMs: median(serverShareMs),
        converged,
      },
    };
  } finally {
    await target.stop();
  }
}

/** S4 against the stock server: clients send it the same history (it keeps it in memory), then fresh clients load. */
async function coldLoadStock(history: { updates: Uint8Array[]; reference: Y.Doc }, template: Uint8Array[]): Promise<ColdLoadResult> {
  const target = await startStock(1);
  try {
    const writer = new WebSocket(`${target.wsBase}/${target.docNames[0]}`);
    await new Promise((resolve, reject) => writer.once("open", resolve).once("error", reject));
    writer.on("message", () => {}); // its sync step 1 and awareness: nothing to answer
    for (const u of [...template, ...history.updates]) writer.send(syncUpdateFrame(u));
    // Frames are applied in order: once a fresh client sees the whole history, the server has it.
    const deadline = Date.now() + 60_000;
    while (!(await coldLoad(target, history.reference, 0)).same) {
      if (Date.now() > deadline) throw new Error("S4: the stock server never held the whole history");
      await sleep(200);
    }
    writer.close();
    const loadsMs: number[] = [];
    let converged = true;
    for (let i = 0; i < S4_LOADS; i++) {
      const load = await coldLoad(target, history.reference, i + 1);
      loadsMs.push(load.ms);
      converged &&= load.same;
    }
    return {
      scenario: "S4",
      server: "stock",
      updates: history.updates.length,
      stateBytes: Y.encodeStateAsUpdate(history.reference).length,
      loadsMs: loadsMs.map(r2),
      medianMs: median(loadsMs),
      converged,
    };
  } finally {
    await target.stop();
  }
}

type AnyResult = Awaited<ReturnType<typeof runScenario>>;
type Result = Exclude<AnyResult, { connectAllMs: number }>;
type ScaleResult = Extract<AnyResult, { connectAllMs: number }>;
const results: Result[] = [];
const scaleResults: ScaleResult[] = [];
const dbLabel = process.env.BENCH_DATABASE_URL ? "PostgreSQL" : "embedded PGlite";
console.log(`\ncollaboration load benchmark: ${SECONDS} s per run; ours = Pilotlab (${dbLabel}, auth on), stock = y-websocket@2.1.0 bin/server.cjs`);
process.setMaxListeners(0); // each y-websocket provider adds a process "exit" listener
if (SCENARIOS.length) {
  // Warm up the load generator (JIT, module loading) so the first measured run is not penalised.
  const warm = await startStock(SCENARIOS[0].docs);
  try {
    await runScenario(SCENARIOS[0], warm, 2);
  } finally {
    await warm.stop();
  }
}
for (const s of SCENARIOS) {
  for (const kind of ["stock", "ours"] as const) {
    const target = kind === "ours" ? await startOurs(s.docs) : await startStock(s.docs);
    try {
      const r = await runScenario(s, target);
      if ("connectAllMs" in r) scaleResults.push(r);
      else results.push(r);
      console.log(JSON.stringify({ ...r, database: kind === "ours" ? dbLabel : "none (memory)" }));
    } finally {
      await target.stop();
    }
  }
}

let coldLoads: ColdLoadResult[] = [];
if (ONLY.includes("S4")) {
  const history = makeHistory(S4_UPDATES);
  // Ours first: its stored template is added to the history the stock server is sent.
  const { result: ours, template } = await coldLoadOurs(history);
  console.log(JSON.stringify({ ...ours, database: dbLabel }));
  const stock = await coldLoadStock(history, template);
  console.log(JSON.stringify({ ...stock, database: "none (memory)" }));
  coldLoads = [stock, ours];
}

const cols: [string, (r: Result) => string | number | boolean][] = [
  ["scen", (r) => r.scenario],
  ["server", (r) => r.server],
  ["clients", (r) => r.clients],
  ["p50ms", (r) => r.p50Ms],
  ["p95ms", (r) => r.p95Ms],
  ["p99ms", (r) => r.p99Ms],
  ["deliv/s", (r) => r.deliveredPerSec],
  ["cpu s", (r) => r.cpuSeconds],
  ["cpu µs/deliv", (r) => r.cpuUsPerDelivery],
  ["peak RSS MB", (r) => r.peakRssMb],
  ["sync p50 ms", (r) => r.firstSyncMedianMs],
  ["reconn", (r) => r.reconnects],
  ["converged", (r) => r.converged && r.freshClientConverged],
  ["lost", (r) => r.expectedDeliveries - r.deliveries],
];
const rows = [cols.map(([h]) => h), ...results.map((r) => cols.map(([, f]) => String(f(r))))];
const widths = cols.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
if (results.length) for (const row of rows) console.log(row.map((v, i) => v.padStart(widths[i])).join("  "));
for (const r of scaleResults) {
  console.log(
    `${r.scenario} ${r.server}: ${r.clients} clients on ${r.docs} docs all synced in ${r.connectAllMs} ms; first sync p50 ${r.firstSyncMedianMs} / p99 ${r.firstSyncP99Ms} ms; ` +
      `server CPU ${r.cpuSeconds} s, peak RSS ${r.peakRssMb} MB, reconnects ${r.reconnects}`,
  );
}
for (const s of SCENARIOS) {
  const ours = results.find((r) => r.scenario === s.id && r.server === "ours");
  const stock = results.find((r) => r.scenario === s.id && r.server === "stock");
  if (!ours || !stock) continue;
  const p99 = ours.p99Ms / stock.p99Ms;
  const cpu = ours.cpuUsPerDelivery / stock.cpuUsPerDelivery;
  const ok = (x: number) => (x <= 1.5 ? "within 1.5x target" : "MISSES 1.5x target");
  console.log(`${s.id} ours/stock: p99 latency ${p99.toFixed(2)} (${ok(p99)}), CPU per delivered update ${cpu.toFixed(2)} (${ok(cpu)})`);
}
const coldOurs = coldLoads.find((r) => r.server === "ours");
const coldStock = coldLoads.find((r) => r.server === "stock");
if (coldOurs && coldStock) {
  const ratio = coldOurs.medianMs / coldStock.medianMs;
  const share = coldOurs.serverShareMedianMs!;
  console.log(
    `S4 cold load of ${coldOurs.updates} updates (state ${Math.round(coldOurs.stateBytes / 1024)} KiB), median of ${S4_LOADS}: ` +
      `ours ${coldOurs.medianMs} ms from a restarted server after compaction (server share ${share} ms), stock ${coldStock.medianMs} ms from memory`,
  );
  console.log(
    `S4 ours/stock end-to-end ${ratio.toFixed(2)} (${ratio <= 1 ? "meets" : "MISSES"} "no slower than stock"), ` +
      `server share ${share} ms (${share < 50 ? "meets" : "MISSES"} < 50 ms)`,
  );
}
const failed = [
  ...results.filter((r) => !r.converged || !r.freshClientConverged),
  ...coldLoads.filter((r) => !r.converged),
];
if (failed.length) {
  console.error(`convergence FAILED in: ${failed.map((r) => `${r.scenario}/${r.server}`).join(", ")}`);
  process.exitCode = 1;
}
