/**
 * Collaboration load benchmark (issue 3, "Benchmark"): the same scenarios against OUR collaboration
 * server (authenticated, durable Postgres persistence) and the STOCK server of y-websocket@2.1.0
 * (bin/server.cjs, in-memory only), each run as a child process so its CPU time and RSS can be read
 * from /proc. Clients are the stock y-websocket provider in this process.
 *
 * Usage: npm run bench                      (our server on embedded PGlite in a temp dir)
 *        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench   (fresh database on that server)
 *        BENCH_COLLAB_SECONDS=10 (edit phase length), BENCH_SCENARIOS=S1,S2,S3,S4 (default; pick a subset)
 *        BENCH_INSTANCES=2 (what `npm run bench -- --instances 2` sets): ours as ONE instance and as N
 *          instances on one fresh PostgreSQL database (BENCH_DATABASE_URL, default
 *          postgres://postgres@127.0.0.1:5432/test) sharing Redis (BENCH_REDIS_URL, else REDIS_URL, default
 *          redis://127.0.0.1:6379; the one instance has it too, so both pay the Redis cost). Clients of
 *          each document go round-robin over the instances, so most deliveries cross instances.
 *          Scenarios S1,S2,S3 by default; BENCH_ROUNDS=3 rounds of S1/S2, alternating which side runs
 *          first; reports the p99 overhead N vs 1 from the medians over rounds (target < 10 ms).
 *
 * Fan-out latency: every edit sets a unique key in the Y.Map "bench" to its send time
 * (performance.now(); all clients share this process and clock); every other client of the doc
 * records arrival - send when the key appears. "delivery" percentiles are over all (edit, receiver)
 * pairs; "all" percentiles are per edit, until the last receiver has it.
 *
 * S4 (cold load): one document with a history of 20,000 single-edit updates. Ours: the updates are
 * written as rows of the update log, a server loads them once and compacts them into a snapshot on
 * shutdown; then, BENCH_S4_LOADS times, a freshly restarted server serves one fresh client. Stock:
 * clients send the same updates to it, then fresh clients load the document from its memory. The
 * loads alternate (ours, stock, ours…) after a client-side warm-up, so neither gets a colder client.
 * End-to-end is provider created → its `sync` event; our server's share (upgrade request → full
 * state sent) comes from its pilotlab_collab_first_sync_seconds metric.
 */
import WebSocket from "ws";
import * as Y from "yjs";
import { openDatabase } from "../../server/db/index.js";
import {
  connect,
  cpuSecondsOf,
  disconnect,
  memKb,
  MULTI_DATABASE_URL,
  MULTI_REDIS_URL,
  percentile,
  printTable,
  r2,
  readMetric,
  sameState,
  sleep,
  startOurs,
  startStock,
  type Client,
  type OursTarget,
  type Target,
} from "./collabTargets.js";

const SECONDS = Number(process.env.BENCH_COLLAB_SECONDS ?? 10);
/** Several instances (set by `npm run bench -- --instances N`): ours on 1 vs N instances, no stock, no S4. */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
const ONLY = (process.env.BENCH_SCENARIOS ?? (INSTANCES > 1 ? "S1,S2,S3" : "S1,S2,S3,S4")).split(",").map((s) => s.trim());
const S4_UPDATES = Number(process.env.BENCH_S4_UPDATES ?? 20_000);
const S4_LOADS = Number(process.env.BENCH_S4_LOADS ?? 5);
/** Multi-instance mode: rounds of S1/S2, alternating which side runs first (S3 runs once). */
const ROUNDS = INSTANCES > 1 ? Number(process.env.BENCH_ROUNDS ?? 3) : 1;
/** Cross-instance p99 overhead target (issue 8). */
const OVERHEAD_TARGET_MS = 10;

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

/** Peak RSS in MB of each instance: the larger of its VmHWM and `sampledKb`. */
const peakRssMbOf = (target: Target, sampledKb: number[] = []) => target.pids.map((pid, i) => r2(Math.max(sampledKb[i] ?? 0, memKb(pid, "VmHWM")) / 1024));

async function runScenario(s: Scenario, target: Target, seconds = SECONDS, label: string = target.kind) {
  const clients: Client[] = [];
  const syncs: Promise<number>[] = [];
  const connectCpu0 = cpuSecondsOf(target.pids);
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
    const peakRssMbPerInstance = peakRssMbOf(target);
    const result = {
      scenario: s.id,
      server: label,
      docs: s.docs,
      clients: clients.length,
      connectAllMs: Math.round(connectAll),
      cpuSeconds: r2(cpuSecondsOf(target.pids) - connectCpu0),
      peakRssMb: Math.max(...peakRssMbPerInstance),
      peakRssMbPerInstance,
      firstSyncMedianMs: r2(percentile(syncTimes, 50)),
      firstSyncP99Ms: r2(percentile(syncTimes, 99)),
      firstSyncMaxMs: r2(syncTimes[syncTimes.length - 1]),
      reconnects: clients.reduce((n, c) => n + c.closes, 0),
    };
    for (const c of clients) disconnect(c);
    return result;
  }

  await sleep(500); // let awareness settle
  const cpu0 = cpuSecondsOf(target.pids);
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
  const peakRssKb = target.pids.map(() => 0);
  const sampleRss = () => target.pids.forEach((pid, i) => (peakRssKb[i] = Math.max(peakRssKb[i], memKb(pid, "VmRSS"))));
  const sampler = setInterval(sampleRss, 250);
  await sleep(seconds * 1000);
  for (const t of timers) clearTimeout(t);
  const editPhaseEnd = performance.now();
  // Drain: wait until every edit reached every other client of its doc (or 10 s).
  const expected = edits * (s.clientsPerDoc - 1);
  const drainDeadline = Date.now() + 10_000;
  while (deliveries.length < expected && Date.now() < drainDeadline) await sleep(20);
  const elapsed = (Math.max(editPhaseEnd, ...[...perEdit.values()].map((e) => e.last)) - t0) / 1000;
  const cpu = cpuSecondsOf(target.pids) - cpu0;
  clearInterval(sampler);
  sampleRss();
  const peakRssMbPerInstance = peakRssMbOf(target, peakRssKb);

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
  for (const c of [...clients, ...fresh.map((f) => f.client)]) disconnect(c);

  deliveries.sort((a, b) => a - b);
  const allLat = [...perEdit.values()].filter((e) => e.got === s.clientsPerDoc - 1).map((e) => e.last - e.sent).sort((a, b) => a - b);
  return {
    scenario: s.id,
    server: label,
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
    peakRssMb: Math.max(...peakRssMbPerInstance),
    peakRssMbPerInstance,
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
    disconnect(client);
  }
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

/**
 * The load generator's own apply of a large state gets faster as its JIT warms up, and the loads
 * alternate between the servers: neither side gets the colder client. A few unmeasured applies of
 * the same state first take the rest of the warm-up out of both.
 */
function warmUpClientApply(reference: Y.Doc, times = 5) {
  const state = Y.encodeStateAsUpdate(reference);
  for (let i = 0; i < times; i++) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    doc.destroy();
  }
}

/** S4 against our server, prepared: history written into the update log and compacted by a server's shutdown. */
async function prepareColdLoadOurs(history: { updates: Uint8Array[]; reference: Y.Doc }) {
  const target = await startOurs(1);
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
  // The client syncs from the stored bytes before the server has built its copy; a server stopped
  // before that stores nothing (the log stays as it was), so wait until the document is loaded.
  const loadedBy = Date.now() + 60_000;
  while ((await readMetric(target.origins[0], "pilotlab_collab_documents_loaded")) < 1) {
    if (Date.now() > loadedBy) throw new Error("S4: the server never finished loading the document");
    await sleep(100);
  }
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
  return { target, template, stateBytes, firstConverged: first.same };
}

/** S4 against the stock server, prepared: a client sends it the same history (it keeps it in memory). */
async function prepareColdLoadStock(history: { updates: Uint8Array[]; reference: Y.Doc }, template: Uint8Array[]) {
  const target = await startStock(1);
  try {
    const writer = new WebSocket(`${target.wsBaseFor(0)}/${target.docNames[0]}`);
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
    return target;
  } catch (error) {
    await target.stop();
    throw error;
  }
}

/**
 * S4: cold loads from freshly restarted servers of ours (after compaction) and loads of the same
 * document from the stock server's memory, alternating ours, stock, ours, stock…
 */
async function coldLoads(history: { updates: Uint8Array[]; reference: Y.Doc }): Promise<{ ours: ColdLoadResult; stock: ColdLoadResult }> {
  const ours = await prepareColdLoadOurs(history);
  try {
    const stock = await prepareColdLoadStock(history, ours.template);
    try {
      warmUpClientApply(history.reference);
      const oursMs: number[] = [];
      const stockMs: number[] = [];
      const serverShareMs: number[] = [];
      let oursConverged = ours.firstConverged;
      let stockConverged = true;
      for (let i = 0; i < S4_LOADS; i++) {
        await ours.target.startServer();
        const load = await coldLoad(ours.target, history.reference, i + 1);
        oursMs.push(load.ms);
        oursConverged &&= load.same;
        // The only connection since the restart, so the sum is this load's share.
        serverShareMs.push((await readMetric(ours.target.origins[0], "pilotlab_collab_first_sync_seconds_sum")) * 1000);
        await ours.target.stopServer();
        const stockLoad = await coldLoad(stock, history.reference, i + 1);
        stockMs.push(stockLoad.ms);
        stockConverged &&= stockLoad.same;
      }
      const common = { scenario: "S4" as const, updates: history.updates.length };
      return {
        ours: {
          ...common,
          server: "ours",
          stateBytes: ours.stateBytes,
          loadsMs: oursMs.map(r2),
          medianMs: median(oursMs),
          serverShareMs: serverShareMs.map(r2),
          serverShareMedianMs: median(serverShareMs),
          converged: oursConverged,
        },
        stock: {
          ...common,
          server: "stock",
          stateBytes: Y.encodeStateAsUpdate(history.reference).length,
          loadsMs: stockMs.map(r2),
          medianMs: median(stockMs),
          converged: stockConverged,
        },
      };
    } finally {
      await stock.stop();
    }
  } finally {
    await ours.target.stop();
  }
}

type AnyResult = Awaited<ReturnType<typeof runScenario>>;
type Result = Exclude<AnyResult, { connectAllMs: number }>;
type ScaleResult = Extract<AnyResult, { connectAllMs: number }>;
const results: Result[] = [];
const scaleResults: ScaleResult[] = [];
const multi = INSTANCES > 1;
const dbLabel = process.env.BENCH_DATABASE_URL || multi ? "PostgreSQL" : "embedded PGlite";
if (multi) {
  console.log(
    `\ncollaboration load benchmark across instances: ${SECONDS} s per run; ours = Pilotlab (PostgreSQL, Redis, auth on) ` +
      `as 1 instance ("ours×1") and as ${INSTANCES} instances ("ours×${INSTANCES}", clients of each document round-robin over them)`,
  );
  if (ONLY.includes("S4")) console.log("(S4 is not run across instances: a cold load involves one instance)");
} else {
  console.log(`\ncollaboration load benchmark: ${SECONDS} s per run; ours = Pilotlab (${dbLabel}, auth on), stock = y-websocket@2.1.0 bin/server.cjs`);
}
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
/** The servers each scenario runs against, in order: stock then ours, or ours on 1 then on N instances. */
const runs: { label: string; database: string; start(docs: number): Promise<Target>; origins?: (t: Target) => string[] }[] = multi
  ? [1, INSTANCES].map((instances) => ({
      label: `ours×${instances}`,
      database: "PostgreSQL",
      start: (docs: number) => startOurs(docs, { instances, databaseUrl: MULTI_DATABASE_URL, redisUrl: MULTI_REDIS_URL }),
    }))
  : [
      { label: "stock", database: "none (memory)", start: startStock },
      { label: "ours", database: dbLabel, start: (docs: number) => startOurs(docs) },
    ];
/** Multi-instance runs whose instances did not all receive messages from the others over Redis. */
const notShared: string[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const s of SCENARIOS) {
    if (round > 1 && s.editsPerSec === 0) continue;
    // This machine is shared and noisy: alternate the order so neither side always goes first.
    for (const run of round % 2 ? runs : [...runs].reverse()) {
      const target = await run.start(s.docs);
      try {
        const r = await runScenario(s, target, SECONDS, run.label);
        // Proof the instances are separate processes that reached each other through Redis (edits cross).
        const redisReceived = multi ? await Promise.all((target as OursTarget).origins.map((o) => readMetric(o, "pilotlab_redis_messages_received_total"))) : undefined;
        if (redisReceived && target.pids.length > 1 && s.editsPerSec > 0 && !redisReceived.every((n) => n > 0)) notShared.push(`${s.id}/${run.label}`);
        if ("connectAllMs" in r) scaleResults.push(r);
        else results.push(r);
        console.log(JSON.stringify({ ...r, ...(multi ? { round } : {}), database: run.database, pids: target.pids, redisReceived }));
      } finally {
        await target.stop();
      }
    }
  }
}

let coldLoadResults: ColdLoadResult[] = [];
if (ONLY.includes("S4") && !multi) {
  const { ours, stock } = await coldLoads(makeHistory(S4_UPDATES));
  console.log(JSON.stringify({ ...ours, database: dbLabel }));
  console.log(JSON.stringify({ ...stock, database: "none (memory)" }));
  coldLoadResults = [stock, ours];
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
  ["peak RSS MB", (r) => r.peakRssMbPerInstance.join("/")],
  ["sync p50 ms", (r) => r.firstSyncMedianMs],
  ["reconn", (r) => r.reconnects],
  ["converged", (r) => r.converged && r.freshClientConverged],
  ["lost", (r) => r.expectedDeliveries - r.deliveries],
];
if (results.length) printTable(cols, results);
for (const r of scaleResults) {
  console.log(
    `${r.scenario} ${r.server}: ${r.clients} clients on ${r.docs} docs all synced in ${r.connectAllMs} ms; first sync p50 ${r.firstSyncMedianMs} / p99 ${r.firstSyncP99Ms} ms; ` +
      `server CPU ${r.cpuSeconds} s, peak RSS ${r.peakRssMbPerInstance.join("/")} MB, reconnects ${r.reconnects}`,
  );
}
for (const s of multi ? SCENARIOS : []) {
  const ones = results.filter((r) => r.scenario === s.id && r.server === "ours×1");
  const manys = results.filter((r) => r.scenario === s.id && r.server === `ours×${INSTANCES}`);
  if (ones.length && manys.length) {
    const p99One = median(ones.map((r) => r.p99Ms));
    const p99Many = median(manys.map((r) => r.p99Ms));
    const overhead = r2(p99Many - p99One);
    const m = (rs: Result[], f: (r: Result) => number) => median(rs.map(f));
    console.log(
      `${s.id} cross-instance overhead, ${INSTANCES} instances vs 1, medians of ${ones.length} rounds: p99 ${p99Many} vs ${p99One} ms = ` +
        `${overhead >= 0 ? "+" : ""}${overhead} ms (ratio ${(p99Many / p99One).toFixed(2)}; ${overhead < OVERHEAD_TARGET_MS ? "meets" : "MISSES"} < ${OVERHEAD_TARGET_MS} ms); ` +
        `p50 ${m(manys, (r) => r.p50Ms)} vs ${m(ones, (r) => r.p50Ms)} ms; CPU per delivery ${m(manys, (r) => r.cpuUsPerDelivery)} vs ${m(ones, (r) => r.cpuUsPerDelivery)} µs ` +
        `(per round p99 ${manys.map((r) => r.p99Ms).join("/")} vs ${ones.map((r) => r.p99Ms).join("/")} ms)`,
    );
  }
  const one = scaleResults.find((r) => r.scenario === s.id && r.server === "ours×1");
  const many = scaleResults.find((r) => r.scenario === s.id && r.server === `ours×${INSTANCES}`);
  if (one && many) {
    console.log(
      `${s.id} ${INSTANCES} instances vs 1: all synced in ${many.connectAllMs} vs ${one.connectAllMs} ms, first sync p99 ${many.firstSyncP99Ms} vs ${one.firstSyncP99Ms} ms`,
    );
  }
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
const coldOurs = coldLoadResults.find((r) => r.server === "ours");
const coldStock = coldLoadResults.find((r) => r.server === "stock");
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
  ...coldLoadResults.filter((r) => !r.converged),
];
if (failed.length) {
  console.error(`convergence FAILED in: ${failed.map((r) => `${r.scenario}/${r.server}`).join(", ")}`);
  process.exitCode = 1;
}
if (notShared.length) {
  console.error(`an instance received nothing from the others over Redis (pilotlab_redis_messages_received_total = 0) in: ${notShared.join(", ")}`);
  process.exitCode = 1;
}
