import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../paths.js";
import type { Sql } from "./sql.js";

/** Arbitrary constant key for pg_advisory_xact_lock; serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 4_202_611;

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "server", "db", "migrations");

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Reads NNN_name.sql files in version order. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: fs.readFileSync(path.join(dir, file), "utf8"),
    }));
}

/** Applies pending migrations in one transaction under an advisory lock; returns the versions applied. */
export async function migrate(sql: Sql, migrations = readMigrations()): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`;
    const done = new Set((await tx<{ version: number }[]>`select version from schema_migrations`).map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      // Migration files are trusted, checked-in SQL with no interpolated values.
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations ${tx({ version: m.version, name: m.name })}`;
      applied.push(m.version);
    }
    return applied;
  });
}
