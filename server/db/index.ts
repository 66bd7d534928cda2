import path from "node:path";
import type { Logger } from "../logger.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded.js";
import { migrate } from "./migrate.js";
import { createSql, type Sql } from "./sql.js";

export type { Sql, TransactionSql } from "./sql.js";

/** Pool size against a real Postgres server. */
const EXTERNAL_POOL_SIZE = 10;

export interface Database {
  sql: Sql;
  mode: "embedded" | "external";
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; null starts embedded PGlite. */
  databaseUrl: string | null;
  /** Where embedded PGlite persists; null keeps it in memory. */
  dataDir: string | null;
  loadDataDir?: Blob;
  logger?: Logger;
  runMigrations?: boolean;
}

/** Opens the database (embedded or external) and applies migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  const url = options.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
    options.logger?.info({ dataDir: options.dataDir ? path.join(options.dataDir, "pgdata") : "memory" }, "embedded Postgres (PGlite) started");
  }
  // PGlite has one backend, so one session: one connection (decision 0002).
  const sql = embedded ? createSql({ embedded: embedded.connect, max: 1 }) : createSql({ url: url!, max: EXTERNAL_POOL_SIZE });
  const close = async () => {
    await sql.end({ timeout: 5 });
    await embedded?.stop();
  };
  try {
    if (options.runMigrations !== false) {
      const applied = await migrate(sql);
      if (applied.length) options.logger?.info({ applied }, "migrations applied");
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { sql, mode: embedded ? "embedded" : "external", close };
}
