import postgres from "postgres";
import type { PGliteWire } from "./pgliteWire.js";

export type Sql = postgres.Sql<Record<string, never>>;
export type TransactionSql = postgres.TransactionSql<Record<string, never>>;

export interface SqlOptions {
  /** postgres:// URL of a Postgres server; or `embedded`. */
  url?: string;
  /** Opens a session on embedded PGlite, in-process (see pgliteWire.ts). */
  embedded?: () => PGliteWire;
  /** Pool size; embedded PGlite must use 1. */
  max: number;
}

/** The one postgres.js client of a process. */
export function createSql({ url, embedded, max }: SqlOptions): Sql {
  const options = {
    max,
    onnotice: () => {},
    // Postgres errors carry their own messages; keep timestamps as Date.
    connection: { application_name: "pilotlab" },
  };
  if (embedded) {
    // postgres.js calls `socket` (an option its types leave out) for each connection and uses what
    // it returns as a net.Socket.
    const withSocket = { ...options, user: "postgres", database: "postgres", socket: embedded };
    return postgres(withSocket as postgres.Options<Record<string, never>>) as unknown as Sql;
  }
  if (!url) throw new Error("createSql needs a url or an embedded database");
  return postgres(url, options) as unknown as Sql;
}
