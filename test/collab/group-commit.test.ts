/**
 * The update log's group commit (issue 3): with the default window of 0 an update written while
 * the log is idle goes out in its own INSERT at once, and updates queued while that write is in
 * flight share the next one, so batches grow with the load and nothing waits for a timer.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import * as Y from "yjs";
import { DEFAULT_COLLAB_LIMITS } from "../../server/collab/constants.js";
import { UpdateLog, loadDocumentState } from "../../server/collab/updateLog.js";
import { createLogger } from "../../server/logger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.close();
});

/** `count` one-edit updates of a fresh document (each a separate Yjs update). */
function edits(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < count; i++) doc.getMap<number>("m").set(`k${i}`, i);
  return updates;
}

async function storedKeys(docName: string): Promise<string[]> {
  const state = await loadDocumentState(db.sql, docName);
  const doc = new Y.Doc();
  if (state.update) Y.applyUpdate(doc, state.update);
  return [...doc.getMap("m").keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

it("is adaptive by default", () => {
  expect(DEFAULT_COLLAB_LIMITS.groupCommitMs).toBe(0);
});

it("writes a lone update in one INSERT, then everything queued meanwhile in the next, in order", async () => {
  const log = new UpdateLog(db.sql, createLogger("silent"), 0);
  const docName = `prototype.${crypto.randomUUID()}`;
  const updates = edits(21);
  const first = log.append(docName, updates[0]);
  // The first write is now scheduled alone; let it start, then queue 20 more while it runs.
  await new Promise((resolve) => setImmediate(resolve));
  expect(log.pending).toBe(0);
  const rest = updates.slice(1).map((update) => log.append(docName, update));
  expect(log.pending).toBe(20);
  const seqs = await Promise.all([first, ...rest]);
  // Two INSERTs in all: one per flush (each flush records one latency).
  expect(log.latencies).toHaveLength(2);
  expect(log.pending).toBe(0);
  // Seqs follow the order of the appends, so the highest seq covers everything before it.
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  expect(new Set(seqs).size).toBe(21);
  expect(await storedKeys(docName)).toEqual(updates.map((_, i) => `k${i}`));
});

it("groups the updates of one I/O turn, from several documents, into one INSERT", async () => {
  const log = new UpdateLog(db.sql, createLogger("silent"), 0);
  const names = [0, 1, 2].map(() => `prototype.${crypto.randomUUID()}`);
  const updates = edits(3);
  await Promise.all(names.flatMap((name) => updates.map((update) => log.append(name, update))));
  expect(log.latencies).toHaveLength(1);
  for (const name of names) expect(await storedKeys(name)).toEqual(["k0", "k1", "k2"]);
});

it("with a positive window, waits for it and writes what arrived within it together", async () => {
  const log = new UpdateLog(db.sql, createLogger("silent"), 60);
  const docName = `prototype.${crypto.randomUUID()}`;
  const updates = edits(3);
  const started = performance.now();
  const first = log.append(docName, updates[0]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Still inside the window: nothing written yet, the next ones join the same INSERT.
  expect(log.pending).toBe(1);
  const rest = updates.slice(1).map((update) => log.append(docName, update));
  await Promise.all([first, ...rest]);
  expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  expect(log.latencies).toHaveLength(1);
  expect(await storedKeys(docName)).toEqual(["k0", "k1", "k2"]);
});

it("flush() writes what is queued at once and cancels the scheduled write", async () => {
  for (const windowMs of [0, 10_000]) {
    const log = new UpdateLog(db.sql, createLogger("silent"), windowMs);
    const docName = `prototype.${crypto.randomUUID()}`;
    const updates = edits(2);
    const appended = updates.map((update) => log.append(docName, update));
    await log.flush();
    expect(log.pending).toBe(0);
    await Promise.all(appended);
    expect(log.latencies).toHaveLength(1);
    // The cancelled timer or immediate does not write an empty batch later.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.latencies).toHaveLength(1);
    expect(await storedKeys(docName)).toEqual(["k0", "k1"]);
  }
});
