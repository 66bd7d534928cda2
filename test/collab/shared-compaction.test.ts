/**
 * Compaction when several instances log one document (issue 8): an instance's copy may lack
 * another's updates (in flight on Redis, or Redis was away), and another instance's append may
 * commit late with a lower seq. Neither may be lost.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import * as Y from "yjs";
import { UpdateLog, loadDocumentState, snapshotOf } from "../../server/collab/updateLog.js";
import { createLogger } from "../../server/logger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

let db: TestDatabase;
let log: UpdateLog;

beforeAll(async () => {
  db = await createTestDatabase();
  log = new UpdateLog(db.sql, createLogger("silent"), 2);
});

afterAll(async () => {
  await db?.close();
});

/** An instance's copy of the document, logging each of its own edits. */
function instanceCopy(docName: string) {
  const doc = new Y.Doc();
  const appends: Promise<number>[] = [];
  doc.on("update", (update: Uint8Array, origin: unknown) => {
    if (origin !== "stored") appends.push(log.append(docName, update));
  });
  return {
    doc,
    write: async (text: string) => {
      doc.getArray<string>("items").push([text]);
      await Promise.all(appends);
    },
    /** What the instance's compaction does: merge everything stored into its copy, store that. */
    compact: () =>
      log.compactShared(docName, (stored) => {
        if (stored) Y.applyUpdate(doc, stored, "stored");
        return snapshotOf(doc);
      }),
  };
}

async function storedItems(docName: string): Promise<string[]> {
  const state = await loadDocumentState(db.sql, docName);
  const doc = new Y.Doc();
  if (state.update) Y.applyUpdate(doc, state.update);
  return doc.getArray<string>("items").toArray().sort();
}

it("keeps another instance's updates the compacting copy lacks, and a row that commits late with a lower seq", async () => {
  const docName = `prototype.${crypto.randomUUID()}`;
  // A transaction of a third instance has taken its seq but not committed yet.
  const [{ seq: lateSeq }] = await db.sql<{ seq: string }[]>`select nextval(pg_get_serial_sequence('doc_updates', 'seq')) as seq`;
  const a = instanceCopy(docName);
  const b = instanceCopy(docName);
  await a.write("from A");
  await b.write("from B (never reached A)");

  const upto = await a.compact();
  expect(upto).toBeGreaterThan(Number(lateSeq));
  // The compacting copy now has what it lacked.
  expect(a.doc.getArray("items").toArray()).toContain("from B (never reached A)");
  const [{ n }] = await db.sql<{ n: string }[]>`select count(*) as n from doc_updates where doc_name = ${docName}`;
  expect(Number(n)).toBe(0);

  // The late commit lands below the snapshot's seq; loading still reads it.
  const late = new Y.Doc();
  late.getArray<string>("items").push(["committed late"]);
  await db.sql`insert into doc_updates (seq, doc_name, update) values (${lateSeq}, ${docName}, ${Buffer.from(Y.encodeStateAsUpdate(late))})`;
  expect(await storedItems(docName)).toEqual(["committed late", "from A", "from B (never reached A)"]);

  // Two instances compacting at once, each lacking the other's latest edit: both edits survive.
  await a.write("A again");
  await b.write("B again");
  await Promise.all([a.compact(), b.compact()]);
  expect(await storedItems(docName)).toEqual(["A again", "B again", "committed late", "from A", "from B (never reached A)"]);
  const [{ left }] = await db.sql<{ left: string }[]>`select count(*) as left from doc_updates where doc_name = ${docName}`;
  expect(Number(left)).toBe(0);
});

it("catching up reads only what was logged after the given seq, plus a snapshot that folded such rows", async () => {
  const docName = `prototype.${crypto.randomUUID()}`;
  const a = instanceCopy(docName);
  await a.write("before");
  const stateBefore = await loadDocumentState(db.sql, docName);
  const before = stateBefore.lastSeq;
  expect((await log.loadSince(docName, before)).update).toBeNull();
  await a.write("after");
  // A copy as it was at `before` gets exactly the one missed update.
  const missed = await log.loadSince(docName, before);
  expect(missed.updatesSinceSnapshot).toBe(1);
  const copy = new Y.Doc();
  Y.applyUpdate(copy, stateBefore.update!);
  Y.applyUpdate(copy, missed.update!);
  expect(copy.getArray("items").toArray()).toEqual(["before", "after"]);
  // Folded into a snapshot by another instance: the snapshot is read instead.
  await a.compact();
  const fromSnapshot = new Y.Doc();
  Y.applyUpdate(fromSnapshot, (await log.loadSince(docName, before)).update!);
  expect(fromSnapshot.getArray("items").toArray()).toEqual(["before", "after"]);
});
