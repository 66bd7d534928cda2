/**
 * Request latency of the workspace overview page, embedded PGlite vs PostgreSQL.
 * Usage: npm run bench            (embedded only)
 *        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench   (both, with ratio)
 * Reports medians and p95 over a fixed number of requests; nothing here is a pass/fail test.
 */
import { startPilotlab } from "../../server/app.js";
import { createLogger } from "../../server/logger.js";
import { openDatabase, type Database } from "../../server/db/index.js";
import { withFreshDatabase } from "./databases.js";
import { DEMO_EMAIL, DEMO_PASSWORD } from "../../server/seed.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const CONCURRENCY = 8;

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(label: string, db: Database) {
  const app = await startPilotlab({
    config: { port: 0, host: "127.0.0.1", appOrigin: null, databaseUrl: null, dataDir: "unused", seedDemo: true, logLevel: "silent", secureCookies: false, collabMaxMessageBytes: 1024 * 1024 },
    logger: createLogger("silent"),
    db,
  });
  try {
    const login = await fetch(`${app.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: app.url },
      body: new URLSearchParams({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
    });
    const cookie = login.headers.getSetCookie()[0].split(";")[0];
    const home = await fetch(`${app.url}/`, { redirect: "manual", headers: { cookie } });
    const overview = new URL(home.headers.get("location")!, app.url).toString();

    const timeOne = async () => {
      const t = performance.now();
      const res = await fetch(overview, { headers: { cookie } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      return performance.now() - t;
    };
    for (let i = 0; i < 20; i++) await timeOne(); // warm up
    const serial: number[] = [];
    for (let i = 0; i < REQUESTS; i++) serial.push(await timeOne());
    const concurrent: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = 0; i < REQUESTS / CONCURRENCY; i++) concurrent.push(await timeOne());
      }),
    );
    const elapsed = performance.now() - started;
    serial.sort((a, b) => a - b);
    concurrent.sort((a, b) => a - b);
    const result = {
      label,
      serialMedianMs: +percentile(serial, 50).toFixed(2),
      serialP95Ms: +percentile(serial, 95).toFixed(2),
      concurrentMedianMs: +percentile(concurrent, 50).toFixed(2),
      throughputPerSec: Math.round((concurrent.length / elapsed) * 1000),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await app.close();
  }
}

const embedded = await openDatabase({ databaseUrl: null, dataDir: null });
const a = await measure("embedded PGlite", embedded);
await embedded.close();

const external = process.env.BENCH_DATABASE_URL;
if (external) {
  const b = await withFreshDatabase(external, (db) => measure("PostgreSQL", db));
  console.log(
    `overview page, ${REQUESTS} requests: serial median embedded/PostgreSQL = ${(a.serialMedianMs / b.serialMedianMs).toFixed(2)}, ` +
      `throughput embedded/PostgreSQL = ${(a.throughputPerSec / b.throughputPerSec).toFixed(2)}`,
  );
}
