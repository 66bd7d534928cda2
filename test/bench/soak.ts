/**
 * Collaboration soak (issue 8, "Benchmark"): 1,000 concurrent WebSocket connections against our
 * server for BENCH_SOAK_MINUTES, with a light steady edit rate and churn, to show that memory does
 * not grow over time and that documents nobody has open are unloaded.
 *
 * Usage: npm run bench -- --soak                   (one instance; embedded PGlite, or a fresh database on BENCH_DATABASE_URL)
 *        npm run bench -- --soak --instances 2     (connections spread round-robin over 2 instances on one fresh
 *                                                   PostgreSQL database, BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test,
 *                                                   sharing Redis, BENCH_REDIS_URL or REDIS_URL or redis://127.0.0.1:6379)
 *        BENCH_SOAK_MINUTES=10 (length), BENCH_SOAK_CONNECTIONS=1000 (2 clients per document),
 *        BENCH_SOAK_SAMPLE_SECONDS=10 (RSS sampling period)
 *
 * Load: CONNECTIONS/2 active documents with 2 clients each; every client sets its own key of the
 * Y.Map "bench" to its send time every EDIT_SECONDS (randomly phased), so the other client's receipt
 * gives a fan-out latency. Churn: every CHURN_SECONDS the CHURN_DOCS longest-open documents are left
 * by both clients and as many documents that have been idle longest (a spare pool of 20%) are opened
 * by two new clients, so documents keep going idle (and must be unloaded after limits.idleUnloadMs)
 * and being loaded again. The connection count stays at CONNECTIONS.
 *
 * Every SAMPLE_SECONDS it prints one JSON line: each instance's VmRSS (/proc/<pid>/status), its
 * pilotlab_collab_documents_loaded and pilotlab_collab_connections gauges, and the window's edits,
 * deliveries and latency. After a warm-up (the first 20% of the run: 2 minutes of the default 10)
 * a least-squares line through each instance's RSS samples gives its slope; the target "no growth
 * trend" is met when the slope is under GROWTH_LIMIT_MB_PER_MIN. Then every client is closed and,
 * after idleUnloadMs plus a margin, each instance must hold 0 documents ("unloaded when idle").
 */
import { DEFAULT_COLLAB_LIMITS } from "../../server/collab/constants.js";
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
  sleep,
  startOurs,
  type Client,
} from "./collabTargets.js";

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
const CONNECTIONS = Number(process.env.BENCH_SOAK_CONNECTIONS ?? 1000);
const SAMPLE_SECONDS = Number(process.env.BENCH_SOAK_SAMPLE_SECONDS ?? 10);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
const CLIENTS_PER_DOC = 2;
const DOCS = Math.ceil(CONNECTIONS / CLIENTS_PER_DOC);
const SPARE_DOCS = Math.ceil(DOCS * 0.2);
const EDIT_SECONDS = 10;
const CHURN_SECONDS = 10;
const CHURN_DOCS = Math.max(1, Math.round(DOCS / 100));
const WARMUP_FRACTION = 0.2;
/** "No growth trend": the RSS slope after warm-up stays under this. 1 MB/min would be 1.4 GB a day. */
const GROWTH_LIMIT_MB_PER_MIN = 1;
/** Time on top of the server's idle unload delay for its sweep to run. */
const UNLOAD_MARGIN_MS = 20_000;

const databaseUrl = INSTANCES > 1 ? MULTI_DATABASE_URL : (process.env.BENCH_DATABASE_URL ?? null);
const redisUrl = INSTANCES > 1 ? MULTI_REDIS_URL : null;

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

process.setMaxListeners(0); // each y-websocket provider adds a process "exit" listener
console.log(
  `\ncollaboration soak: ${CONNECTIONS} connections (${DOCS} documents × ${CLIENTS_PER_DOC}, ${SPARE_DOCS} spare) for ${MINUTES} min on ` +
    `${INSTANCES} instance(s) (${databaseUrl ? "PostgreSQL" : "embedded PGlite"}${redisUrl ? ", Redis" : ""}); ` +
    `one edit per client every ${EDIT_SECONDS} s; every ${CHURN_SECONDS} s ${CHURN_DOCS} documents are left and ${CHURN_DOCS} idle ones opened; ` +
    `RSS sampled every ${SAMPLE_SECONDS} s`,
);
const target = await startOurs(DOCS + SPARE_DOCS, { instances: INSTANCES, databaseUrl, redisUrl });
let failures = 0;
try {
  let nextClient = 0;
  let unexpectedCloses = 0;
  let syncFailures = 0;
  let edits = 0;
  let latencies: number[] = [];
  /** Open documents, longest open first, each with its clients and their edit timers. */
  const active: { docIndex: number; clients: Client[]; timers: NodeJS.Timeout[]; left: boolean }[] = [];
  /** Documents nobody has open, idle longest first. */
  const idle = Array.from({ length: SPARE_DOCS }, (_, i) => DOCS + i);

  const open = (docIndex: number) => {
    const clients: Client[] = [];
    const timers: NodeJS.Timeout[] = [];
    const syncs: Promise<unknown>[] = [];
    const entry = { docIndex, clients, timers, left: false };
    for (let c = 0; c < CLIENTS_PER_DOC; c++) {
      const { client, synced } = connect(target, docIndex, nextClient++);
      client.id = `d${docIndex}c${c}`;
      clients.push(client);
      // A client closed by churn before its first sync has not failed.
      syncs.push(synced.catch(() => entry.left || syncFailures++));
      const openedAt = performance.now();
      client.doc.getMap("bench").observe((event) => {
        if (event.transaction.local) return;
        const now = performance.now();
        for (const key of event.keysChanged) {
          const sent = event.target.get(key) as number;
          // A reopened document also brings the keys its earlier clients set, minutes ago: not deliveries.
          if (sent >= openedAt) latencies.push(now - sent);
        }
      });
      const edit = () => {
        client.doc.getMap("bench").set(client.id, performance.now());
        edits++;
      };
      timers.push(
        setTimeout(
          () => {
            edit();
            timers.push(setInterval(edit, EDIT_SECONDS * 1000));
          },
          Math.random() * EDIT_SECONDS * 1000,
        ),
      );
    }
    active.push(entry);
    return Promise.all(syncs);
  };
  const leave = (entry: (typeof active)[number]) => {
    entry.left = true;
    for (const t of entry.timers) clearTimeout(t);
    for (const c of entry.clients) {
      unexpectedCloses += c.closes;
      disconnect(c);
    }
  };

  const connectStarted = performance.now();
  await Promise.all(Array.from({ length: DOCS }, (_, d) => open(d)));
  console.log(`all ${CONNECTIONS} clients connected and synced in ${Math.round(performance.now() - connectStarted)} ms (${syncFailures} failed)`);

  const churnOnce = () => {
    for (let i = 0; i < CHURN_DOCS && idle.length; i++) {
      const left = active.shift()!;
      leave(left);
      void open(idle.shift()!);
      idle.push(left.docIndex);
    }
  };
  // Half a period out of phase with the samples, so a sample does not see churn's reconnects.
  let churn: NodeJS.Timeout = setTimeout(() => {
    churnOnce();
    churn = setInterval(churnOnce, CHURN_SECONDS * 1000);
  }, CHURN_SECONDS * 500);

  interface Sample {
    t: number;
    rssMb: number[];
    documentsLoaded: number[];
    connections: number[];
    cpuSeconds: number;
    edits: number;
    deliveries: number;
    p50Ms: number;
    p99Ms: number;
  }
  const samples: Sample[] = [];
  const started = performance.now();
  const cpu0 = cpuSecondsOf(target.pids);
  const durationMs = MINUTES * 60_000;
  const readGauges = (name: string) => Promise.all(target.origins.map((o) => readMetric(o, name)));
  for (let next = started + SAMPLE_SECONDS * 1000; next <= started + durationMs + 1; next += SAMPLE_SECONDS * 1000) {
    await sleep(Math.max(0, next - performance.now()));
    const window = latencies.sort((a, b) => a - b);
    latencies = [];
    const sample: Sample = {
      t: Math.round((performance.now() - started) / 1000),
      rssMb: target.pids.map((pid) => r2(memKb(pid, "VmRSS") / 1024)),
      documentsLoaded: await readGauges("pilotlab_collab_documents_loaded"),
      connections: await readGauges("pilotlab_collab_connections"),
      cpuSeconds: r2(cpuSecondsOf(target.pids) - cpu0),
      edits,
      deliveries: window.length,
      p50Ms: r2(percentile(window, 50)),
      p99Ms: r2(percentile(window, 99)),
    };
    edits = 0;
    samples.push(sample);
    console.log(JSON.stringify(sample));
  }
  clearTimeout(churn);
  for (const entry of active.splice(0)) leave(entry);

  // Nobody has anything open now: every document must be unloaded once idle.
  const closedAt = Date.now();
  const unloadDeadline = closedAt + DEFAULT_COLLAB_LIMITS.idleUnloadMs + UNLOAD_MARGIN_MS;
  let loaded = await readGauges("pilotlab_collab_documents_loaded");
  while (loaded.some((n) => n !== 0) && Date.now() < unloadDeadline) {
    await sleep(1000);
    loaded = await readGauges("pilotlab_collab_documents_loaded");
  }
  const unloadedAfterS = r2((Date.now() - closedAt) / 1000);
  const connectionsLeft = await readGauges("pilotlab_collab_connections");
  const finalRssMb = target.pids.map((pid) => r2(memKb(pid, "VmRSS") / 1024));

  const warmupS = MINUTES * 60 * WARMUP_FRACTION;
  const steady = samples.filter((s) => s.t >= warmupS);
  const perInstance = target.pids.map((pid, i) => {
    const rss = steady.map((s) => s.rssMb[i]);
    const mbPerMin = slope(steady.map((s) => ({ x: s.t / 60, y: s.rssMb[i] })));
    return {
      instance: i + 1,
      pid,
      firstMb: rss[0],
      lastMb: rss[rss.length - 1],
      maxMb: Math.max(...samples.map((s) => s.rssMb[i])),
      slopeMbPerMin: r2(mbPerMin),
      maxDocumentsLoaded: Math.max(...samples.map((s) => s.documentsLoaded[i])),
      documentsLoadedAfterIdle: loaded[i],
      connectionsAfterClose: connectionsLeft[i],
      rssAfterIdleMb: finalRssMb[i],
    };
  });
  const allLatencyP99 = samples.filter((s) => s.t >= warmupS).map((s) => s.p99Ms);
  console.log(
    JSON.stringify({
      summary: true,
      minutes: MINUTES,
      instances: INSTANCES,
      connections: CONNECTIONS,
      samples: samples.length,
      warmupSeconds: warmupS,
      unexpectedCloses,
      syncFailures,
      unloadedAfterSeconds: unloadedAfterS,
      perInstance,
    }),
  );

  const cols: [string, (r: (typeof perInstance)[number]) => string | number | boolean][] = [
    ["instance", (r) => r.instance],
    ["RSS first MB", (r) => r.firstMb],
    ["last MB", (r) => r.lastMb],
    ["max MB", (r) => r.maxMb],
    ["slope MB/min", (r) => r.slopeMbPerMin],
    ["docs loaded max", (r) => r.maxDocumentsLoaded],
    ["docs after idle", (r) => r.documentsLoadedAfterIdle],
    ["RSS after idle MB", (r) => r.rssAfterIdleMb],
  ];
  printTable(cols, perInstance);
  console.log(
    `steady state (after ${warmupS} s warm-up, ${steady.length} samples): per-window delivery p99 median ${r2(percentile(allLatencyP99.sort((a, b) => a - b), 50))} ms; ` +
      `unexpected connection closes ${unexpectedCloses}, failed syncs ${syncFailures}`,
  );
  const growing = perInstance.filter((r) => !(r.slopeMbPerMin < GROWTH_LIMIT_MB_PER_MIN));
  console.log(
    `RSS slope after warm-up ${perInstance.map((r) => `${r.slopeMbPerMin} MB/min`).join(", ")} ` +
      `(${growing.length === 0 ? "meets" : "MISSES"} "no growth trend": slope < ${GROWTH_LIMIT_MB_PER_MIN} MB/min per instance)`,
  );
  const unloaded = loaded.every((n) => n === 0);
  console.log(
    `documents loaded ${unloadedAfterS} s after every client closed (idle unload ${DEFAULT_COLLAB_LIMITS.idleUnloadMs / 1000} s): ${loaded.join(", ")} ` +
      `(${unloaded ? "meets" : "MISSES"} "documents unloaded when idle"); open connections ${connectionsLeft.join(", ")}`,
  );
  if (!unloaded || syncFailures > 0) failures++;
} finally {
  await target.stop();
}
if (failures) process.exitCode = 1;
