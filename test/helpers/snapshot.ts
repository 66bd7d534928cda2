import type { Sql } from "../../server/db/index.js";

/**
 * Tables requests write. Left out on purpose: rows the server writes in the background (the
 * collaboration log and projections, the xAPI outbox a sender claims and marks).
 */
const TABLES = [
  "users",
  "user_passwords",
  "sessions",
  "login_attempts",
  "workspaces",
  "memberships",
  "invites",
  "goals",
  "prototypes",
  "feedback_forms",
  "feedback_questions",
  "feedback_responses",
  "feedback_answers",
  "criterion_bindings",
  "lrs_settings",
  "experiment_runs",
  "comment_threads",
  "comments",
  "inbox_items",
  "decisions",
  "sprints",
  "sprint_phases",
  "sprint_prototypes",
  "sprint_participants",
  "sprint_outputs",
  "sprint_polls",
  "sprint_poll_items",
  "sprint_votes",
] as const;

/** Every row of every table, as JSON, to show a request changed nothing. */
export async function snapshotTables(sql: Sql): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const [{ rows }] = await sql<{ rows: string }[]>`
      select coalesce(json_agg(t order by t::text), '[]')::text as rows from ${sql(table)} t`;
    out[table] = rows;
  }
  return out;
}

export async function countRows(sql: Sql, table: (typeof TABLES)[number]): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)}`;
  return n;
}
