/**
 * Feedback benchmarks (issue 5): response ingestion over HTTP through the public form, and the
 * results aggregation for a form with 100,000 responses.
 *
 * Usage: tsx test/bench/feedback.ts                 (embedded PGlite)
 *        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test tsx test/bench/feedback.ts   (also a fresh database there)
 *        BENCH_FEEDBACK_RESPONSES=100000 (aggregation size), BENCH_FEEDBACK_POSTS=2000 (ingestion requests)
 * Prints medians and rates; nothing here is a pass/fail test.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startPilotlab, type Pilotlab } from "../../server/app.js";
import { createLogger } from "../../server/logger.js";
import { openDatabase, type Database } from "../../server/db/index.js";
import { withFreshDatabase } from "./databases.js";

const RESPONSES = Number(process.env.BENCH_FEEDBACK_RESPONSES ?? 100_000);
const POSTS = Number(process.env.BENCH_FEEDBACK_POSTS ?? 2000);
const CONCURRENCY = 16;
const AGGREGATIONS = 20;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const r1 = (n: number) => Math.round(n * 10) / 10;

async function workspaceWithForm(app: Pilotlab) {
  const sql = app.db.sql;
  const [user] = await sql<{ id: string }[]>`insert into users (email, name) values (${`bench-${randomBytes(4).toString("hex")}@example.com`}, 'Bench') returning id`;
  const workspace = await app.services.workspaces.create({ userId: user.id, name: "Bench workspace" });
  const [proto] = await sql<{ id: string }[]>`insert into prototypes (workspace_id, title) values (${workspace.id}, 'Bench pilot') returning id`;
  const f = app.services.feedback;
  const { id: formId } = await f.create({
    workspaceId: workspace.id,
    prototypeId: proto.id,
    userId: user.id,
    input: { title: "Bench form", intro: "", cardId: null, followsFormId: null, onePerBrowser: false },
  });
  const base = { help: "", required: true, lowLabel: "", highLabel: "", choices: [] as { label: string }[] };
  await f.addQuestion({ workspaceId: workspace.id, formId, input: { ...base, kind: "rating", prompt: "How useful?", level: 1 } });
  await f.addQuestion({ workspaceId: workspace.id, formId, input: { ...base, kind: "nps", prompt: "Recommend?", level: 1 } });
  await f.addQuestion({ workspaceId: workspace.id, formId, input: { ...base, kind: "single", prompt: "Applied it?", level: 3, choices: [{ label: "Yes" }, { label: "Not yet" }, { label: "No" }] } });
  await f.addQuestion({ workspaceId: workspace.id, formId, input: { ...base, required: false, kind: "text", prompt: "What changed?", level: 3 } });
  await f.setStatus({ workspaceId: workspace.id, formId, status: "open" });
  const { form, questions } = await f.get({ workspaceId: workspace.id, formId });
  return { workspaceId: workspace.id, formId, token: form.publicToken!, questions };
}

/**
 * Participants: POST the public form, CONCURRENCY at a time, each from its own address. Runs in a
 * child process (BENCH_FEEDBACK_CLIENT), so the load generator does not share the server's thread.
 */
async function postAnswers(config: { url: string; token: string; questionIds: string[]; choiceIds: string[]; posts: number }) {
  const [rating, nps, single, text] = config.questionIds;
  let next = 0;
  const statuses: Record<number, number> = {};
  const post = async (i: number) => {
    const body = new URLSearchParams({
      submissionId: randomUUID(),
      [`q_${rating}`]: String(1 + (i % 5)),
      [`q_${nps}`]: String(i % 11),
      [`q_${single}`]: config.choiceIds[i % config.choiceIds.length],
      [`q_${text}`]: `Answer ${i}: I now coach my team every week`,
    });
    const res = await fetch(`${config.url}/f/${config.token}`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: config.url, "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      body,
    });
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  };
  for (let i = 0; i < 20; i++) await post(config.posts + i); // warm up
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < config.posts) await post(next++);
    }),
  );
  return { seconds: (performance.now() - started) / 1000, statuses };
}

async function ingestion(app: Pilotlab) {
  const { formId, token, questions } = await workspaceWithForm(app);
  const config = { url: app.url, token, questionIds: questions.map((q) => q.id), choiceIds: questions[2].choices.map((c) => c.id), posts: POSTS };
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_FEEDBACK_CLIENT: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const { seconds, statuses } = JSON.parse(out.trim().split("\n").pop()!) as { seconds: number; statuses: Record<number, number> };
  const [{ stored }] = await app.db.sql<{ stored: number }[]>`select count(*)::int as stored from feedback_responses where form_id = ${formId}`;
  return { posts: POSTS, responsesPerSec: Math.round(POSTS / seconds), stored: stored - 20, statuses };
}

/** Fills a form with RESPONSES responses in SQL, then times the results aggregation. */
async function aggregation(app: Pilotlab) {
  const { workspaceId, formId, questions } = await workspaceWithForm(app);
  const [rating, nps, single, text] = questions;
  const sql = app.db.sql;
  const phrases = ["I coach my team weekly now", "Role play helped", "Too many slides", "Planning my week is easier", "More practice please"];
  const t0 = performance.now();
  await sql`
    insert into feedback_responses (form_id, submission_id, ip_hash, submitted_at)
    select ${formId}, gen_random_uuid(), 'bench', now() - make_interval(secs => i * 30)
    from generate_series(1, ${RESPONSES}) as i`;
  await sql`
    insert into feedback_answers (response_id, question_id, form_id, number_value, choice_ids, text_value)
    select r.id, q.id, ${formId},
           case when q.id = ${rating.id}::uuid then 1 + (abs(hashtext(r.id::text)) % 5)
                when q.id = ${nps.id}::uuid then abs(hashtext(r.id::text)) % 11 end,
           case when q.id = ${single.id}::uuid then array[(${sql.json(single.choices.map((c) => c.id))}::jsonb ->> (abs(hashtext(r.id::text)) % 3))] end,
           case when q.id = ${text.id}::uuid then (${phrases}::text[])[1 + abs(hashtext(r.id::text)) % ${phrases.length}] end
    from feedback_responses r
    cross join (select unnest(${[rating.id, nps.id, single.id, text.id]}::uuid[]) as id) q
    where r.form_id = ${formId} and (q.id <> ${text.id}::uuid or abs(hashtext(r.id::text)) % 4 = 0)`;
  await sql`analyze feedback_responses`;
  await sql`analyze feedback_answers`;
  const fillSeconds = (performance.now() - t0) / 1000;
  for (let i = 0; i < 3; i++) await app.services.feedback.results({ workspaceId, formId });
  const times: number[] = [];
  let check = 0;
  for (let i = 0; i < AGGREGATIONS; i++) {
    const t = performance.now();
    const results = await app.services.feedback.results({ workspaceId, formId });
    times.push(performance.now() - t);
    check = results.responses;
  }
  times.sort((a, b) => a - b);
  return { responses: check, fillSeconds: r1(fillSeconds), p50Ms: r1(percentile(times, 50)), p95Ms: r1(percentile(times, 95)) };
}

async function measure(label: string, db: Database) {
  const app = await startPilotlab({
    config: { port: 0, host: "127.0.0.1", appOrigin: null, databaseUrl: null, dataDir: "unused", seedDemo: false, logLevel: "silent", secureCookies: false, collabMaxMessageBytes: 1024 * 1024 },
    logger: createLogger("silent"),
    db,
  });
  try {
    const ingest = await ingestion(app);
    console.log(JSON.stringify({ label, scenario: "ingestion over HTTP", ...ingest }));
    const agg = await aggregation(app);
    console.log(JSON.stringify({ label, scenario: `results aggregation, ${RESPONSES} responses`, ...agg }));
  } finally {
    await app.close();
  }
}

const clientConfig = process.env.BENCH_FEEDBACK_CLIENT;
if (clientConfig) {
  console.log(JSON.stringify(await postAnswers(JSON.parse(clientConfig))));
  process.exit(0);
}

const embedded = await openDatabase({ databaseUrl: null, dataDir: null });
try {
  await measure("embedded PGlite", embedded);
} finally {
  await embedded.close();
}

const external = process.env.BENCH_DATABASE_URL;
if (external) await withFreshDatabase(external, (db) => measure("PostgreSQL", db));
