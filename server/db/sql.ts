import postgres from "postgres";

export type Sql = postgres.Sql<Record<string, never>>;
export type TransactionSql = postgres.TransactionSql<Record<string, never>>;

export interface SqlOptions {
  url: string;
  /** Pool size; embedded PGlite must use 1. */
  max: number;
}

/** The one postgres.js client of a process. */
export function createSql({ url, max }: SqlOptions): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    // Postgres errors carry their own messages; keep timestamps as Date.
    connection: { application_name: "pilotlab" },
  }) as unknown as Sql;
}
