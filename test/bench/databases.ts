import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type Database } from "../../server/db/index.js";

/** Runs `fn` on a fresh, migrated database created on the PostgreSQL server at `adminUrl`, dropped afterwards. */
export async function withFreshDatabase<T>(adminUrl: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const name = `pilotlab_bench_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`); // generated name, never user input
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: null });
  try {
    return await fn(db);
  } finally {
    await db.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
