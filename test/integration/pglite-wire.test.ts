/**
 * The in-process wire between postgres.js and embedded PGlite (decision 0016): Postgres protocol
 * framing, sessions, errors. Runs in both CI passes (it is about the embedded database only).
 */
import fs from "node:fs";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/db/embedded.js";
import type { PGliteWire } from "../../server/db/pgliteWire.js";
import { createSql, type Sql } from "../../server/db/sql.js";

let pg: EmbeddedPostgres;
let sql: Sql;

beforeAll(async () => {
  // The migrated template when this run made one (embedded pass); a fresh in-memory one otherwise.
  const template = inject("pgliteTemplate");
  const loadDataDir = fs.existsSync(template) ? new Blob([fs.readFileSync(template)]) : undefined;
  pg = await startEmbeddedPostgres({ dataDir: null, loadDataDir });
  sql = createSql({ embedded: pg.connect, max: 1 });
  await sql`create table wire_items (id int primary key, label text, payload bytea)`;
}, 60_000);

afterAll(async () => {
  await sql?.end();
  await pg?.stop();
});

function startupMessage(): Buffer {
  const params = Buffer.from("user\0postgres\0database\0postgres\0\0");
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([head, params]);
}

function simpleQuery(text: string): Buffer {
  const body = Buffer.from(`${text}\0`);
  const head = Buffer.alloc(5);
  head.write("Q", 0);
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

function request(code: number): Buffer {
  const message = Buffer.alloc(8);
  message.writeInt32BE(8, 0);
  message.writeInt32BE(code, 4);
  return message;
}

/** Backend message types in what a wire sent, in order. */
function messageTypes(data: Buffer): string[] {
  const types: string[] = [];
  for (let at = 0; at + 5 <= data.length; at += 1 + data.readInt32BE(at + 1)) types.push(String.fromCharCode(data[at]));
  return types;
}

/** A raw session: what it receives, collected. */
function rawSession() {
  const wire: PGliteWire = pg.connect();
  const received: Buffer[] = [];
  wire.on("data", (data: Buffer) => received.push(data));
  const closed = new Promise<void>((resolve) => wire.once("close", () => resolve()));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  return { wire, received, closed, settle, all: () => Buffer.concat(received) };
}

it("carries queries, parameters, transactions and large values through postgres.js", async () => {
  const payload = Buffer.alloc(3 * 1024 * 1024, 0xab);
  await sql`insert into wire_items ${sql([{ id: 1, label: "one", payload }])}`;
  const [row] = await sql<{ label: string; payload: Buffer }[]>`select label, payload from wire_items where id = ${1}`;
  expect(row.label).toBe("one");
  expect(Buffer.compare(row.payload, payload)).toBe(0);

  await sql.begin(async (tx) => {
    await tx`insert into wire_items (id, label) values (2, 'two')`;
    await tx`update wire_items set label = 'two!' where id = 2`;
  });
  expect(await sql`select label from wire_items where id = 2`).toEqual([{ label: "two!" }]);
});

it("reports an error inside a pipeline to its own query only, and rolls back a failed transaction", async () => {
  const results = await Promise.allSettled([sql`select 1 as a`, sql`select * from no_such_table`, sql`select 3 as c`]);
  expect(results[0]).toMatchObject({ status: "fulfilled", value: [{ a: 1 }] });
  expect(results[1]).toMatchObject({ status: "rejected", reason: { message: 'relation "no_such_table" does not exist' } });
  expect(results[2]).toMatchObject({ status: "fulfilled", value: [{ c: 3 }] });

  const failed = await sql
    .begin(async (tx) => {
      await tx`insert into wire_items (id, label) values (3, 'three')`;
      await tx`insert into wire_items (id, label) values (3, 'duplicate')`;
    })
    .catch((error: Error) => error);
  expect((failed as Error).message).toMatch(/duplicate key/);
  expect(await sql`select id from wire_items where id = 3`).toEqual([]);
});

it("waits for a message written in pieces, and answers several messages written at once", async () => {
  const s = rawSession();
  const start = startupMessage();
  s.wire.write(start.subarray(0, 5));
  await s.settle();
  expect(s.received).toHaveLength(0);
  s.wire.write(start.subarray(5));
  await s.settle();
  // Authentication OK, parameters, backend key, ready for query.
  expect(messageTypes(s.all())).toContain("Z");
  s.received.length = 0;

  const query = simpleQuery("select 41 + 1 as answer");
  s.wire.write(query.subarray(0, 3));
  s.wire.write(query.subarray(3, 9));
  await s.settle();
  expect(s.received).toHaveLength(0);
  s.wire.write(Buffer.concat([query.subarray(9), simpleQuery("select 'x' as y")]));
  await s.settle();
  expect(messageTypes(s.all())).toEqual(["T", "D", "C", "Z", "T", "D", "C", "Z"]);
  expect(s.all().includes(Buffer.from("42"))).toBe(true);
  s.wire.end();
  await s.closed;
});

it("answers what comes before a Terminate written in the same chunk, then closes the session", async () => {
  const s = rawSession();
  const terminate = Buffer.from([0x58, 0, 0, 0, 4]);
  s.wire.write(Buffer.concat([startupMessage(), simpleQuery("select 7 as seven"), terminate]));
  await s.closed;
  const types = messageTypes(s.all());
  expect(types.slice(-4)).toEqual(["T", "D", "C", "Z"]);
  expect(s.wire.readyState).toBe("closed");
  // The backend lives on for the next session.
  expect(await sql`select 8 as eight`).toEqual([{ eight: 8 }]);
});

it("rolls back what a session left open when it closes, so the next session starts clean", async () => {
  const s = rawSession();
  s.wire.write(startupMessage());
  s.wire.write(simpleQuery("begin; insert into wire_items (id, label) values (9, 'never committed')"));
  await s.settle();
  expect(messageTypes(s.all())).toContain("Z");
  s.wire.destroy();
  await s.closed;
  // postgres.js reconnects on its next query: a new session, without the half-done transaction.
  expect(await sql`select id from wire_items where id = 9`).toEqual([]);
  expect(await sql`select count(*)::int as n from wire_items`).toEqual([{ n: 2 }]);
});

it("answers an SSL request with N and closes on a cancel request", async () => {
  const ssl = rawSession();
  ssl.wire.write(request(80877103));
  await ssl.settle();
  expect(ssl.all().toString()).toBe("N");
  ssl.wire.write(startupMessage());
  await ssl.settle();
  expect(messageTypes(ssl.all().subarray(1))).toContain("Z");
  ssl.wire.end();
  await ssl.closed;

  const cancel = rawSession();
  const cancelMessage = Buffer.alloc(16);
  cancelMessage.writeInt32BE(16, 0);
  cancelMessage.writeInt32BE(80877102, 4);
  cancel.wire.write(cancelMessage);
  await cancel.closed;
  expect(cancel.wire.readyState).toBe("closed");
  expect(cancel.received).toHaveLength(0);
  // The database carries on.
  expect(await sql`select 1 as ok`).toEqual([{ ok: 1 }]);
});

it("refuses writes on a closed session with an error, not silence", async () => {
  const s = rawSession();
  s.wire.write(startupMessage());
  s.wire.end();
  await s.closed;
  const error = await new Promise<Error | null | undefined>((resolve) => s.wire.write(simpleQuery("select 1"), resolve));
  expect(error?.message).toMatch(/closed/);
});
