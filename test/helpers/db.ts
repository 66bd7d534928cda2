import fs from "node:fs";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import postgres from "postgres";
import { openDatabase, type Database } from "../../server/db/index.js";

/** True when the suite runs against a real PostgreSQL server (TEST_DATABASE_URL). */
export const usingRealPostgres = Boolean(process.env.TEST_DATABASE_URL);

export interface TestDatabase extends Database {
  /** Connection URL when it is a real server (null for embedded). */
  url: string | null;
}

/** Replaces the database name in a postgres:// URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A fresh, migrated database for one test file: a new database on the real server when
 * TEST_DATABASE_URL is set, otherwise an in-memory PGlite started from the migrated template.
 */
export async function createTestDatabase({ migrate = true }: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const name = `pilotlab_test_${randomBytes(6).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`); // name is generated above, never user input
    await admin.end();
    const url = withDatabase(adminUrl, name);
    const db = await openDatabase({ databaseUrl: url, dataDir: null, runMigrations: migrate });
    return {
      ...db,
      url,
      async close() {
        await db.close();
        const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
        await again.unsafe(`drop database if exists ${name} with (force)`);
        await again.end();
      },
    };
  }
  const template = migrate ? new Blob([fs.readFileSync(inject("pgliteTemplate"))]) : undefined;
  const db = await openDatabase({ databaseUrl: null, dataDir: null, loadDataDir: template, runMigrations: migrate });
  return { ...db, url: null };
}
