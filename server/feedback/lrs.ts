/**
 * Sends queued xAPI statements to each workspace's Learning Record Store. Statements wait in
 * `xapi_outbox` (written with the response, so none is lost); a batch is claimed with SKIP LOCKED
 * (several instances never send the same row at once), POSTed, and marked sent only when the LRS
 * accepts it. Failures back off exponentially and keep every statement pending.
 */
import type { Sql } from "../db/index.js";
import type { Logger } from "../logger.js";
import { XAPI_VERSION } from "./xapi.js";

export interface LrsSenderOptions {
  /** How often the outbox is checked. */
  intervalMs: number;
  /** Statements per POST. */
  batchSize: number;
  /** First retry delay; doubles per failed attempt up to maxRetryMs. */
  retryBaseMs: number;
  maxRetryMs: number;
  /** A request taking longer is abandoned and retried. */
  timeoutMs: number;
}

export const DEFAULT_LRS_OPTIONS: LrsSenderOptions = {
  intervalMs: 5_000,
  batchSize: 50,
  retryBaseMs: 5_000,
  maxRetryMs: 60 * 60 * 1000,
  timeoutMs: 10_000,
};

/** How long a claimed batch stays reserved for its sender. */
const CLAIM_SECONDS = 120;

interface Claimed {
  id: string;
  workspaceId: string;
  statement: unknown;
  attempts: number;
}

interface Target {
  endpoint: string;
  username: string;
  password: string;
  enabled: boolean;
}

/** `<endpoint>/statements`, whether or not the endpoint ends with a slash. */
export function statementsUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/statements`;
}

export class LrsSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  readonly options: LrsSenderOptions;

  constructor(
    private readonly deps: { sql: Sql; logger: Logger; fetch?: typeof fetch },
    options: Partial<LrsSenderOptions> = {},
  ) {
    this.options = { ...DEFAULT_LRS_OPTIONS, ...options };
  }

  start() {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass over the outbox; resolves with the number of statements the LRSs accepted. */
  tick(): Promise<number> {
    this.running ??= this.sendDue()
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error }, "xAPI outbox pass failed");
        return 0;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async sendDue(): Promise<number> {
    const { sql } = this.deps;
    const claimed = await sql<Claimed[]>`
      update xapi_outbox o set claimed_until = now() + make_interval(secs => ${CLAIM_SECONDS})
      from (
        select x.id from xapi_outbox x
        join lrs_settings s on s.workspace_id = x.workspace_id and s.enabled
        where x.status = 'pending' and x.next_attempt_at <= now() and (x.claimed_until is null or x.claimed_until < now())
        order by x.next_attempt_at, x.created_at
        limit ${this.options.batchSize * 10}
        for update of x skip locked
      ) due
      where o.id = due.id
      returning o.id, o.workspace_id as "workspaceId", o.statement, o.attempts`;
    if (!claimed.length) return 0;
    const byWorkspace = new Map<string, Claimed[]>();
    for (const row of claimed) byWorkspace.set(row.workspaceId, [...(byWorkspace.get(row.workspaceId) ?? []), row]);
    const targets = await sql<(Target & { workspaceId: string })[]>`
      select workspace_id as "workspaceId", endpoint, username, password, enabled from lrs_settings
      where workspace_id in ${sql([...byWorkspace.keys()])}`;
    let sent = 0;
    for (const [workspaceId, rows] of byWorkspace) {
      const target = targets.find((t) => t.workspaceId === workspaceId);
      for (let i = 0; i < rows.length; i += this.options.batchSize) {
        const batch = rows.slice(i, i + this.options.batchSize);
        if (!target?.enabled) {
          await sql`update xapi_outbox set claimed_until = null where id in ${sql(batch.map((r) => r.id))}`;
          continue;
        }
        const problem = await this.post(target, batch);
        if (problem === null) {
          await sql`update xapi_outbox set status = 'sent', sent_at = now(), claimed_until = null, last_error = null where id in ${sql(batch.map((r) => r.id))}`;
          sent += batch.length;
        } else {
          const attempts = Math.max(...batch.map((r) => r.attempts)) + 1;
          const delay = Math.min(this.options.maxRetryMs, this.options.retryBaseMs * 2 ** (attempts - 1));
          await sql`
            update xapi_outbox set attempts = attempts + 1, last_error = ${problem.slice(0, 500)}, claimed_until = null,
              next_attempt_at = now() + make_interval(secs => ${delay / 1000})
            where id in ${sql(batch.map((r) => r.id))}`;
          this.deps.logger.warn({ workspaceId, statements: batch.length, attempts, problem }, "LRS refused or unreachable; will retry");
        }
      }
    }
    return sent;
  }

  /** POSTs a batch; null when the LRS has the statements, otherwise what went wrong. */
  private async post(target: Target, batch: Claimed[]): Promise<string | null> {
    const doFetch = this.deps.fetch ?? fetch;
    const headers: Record<string, string> = { "Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION };
    if (target.username || target.password) headers.Authorization = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString("base64")}`;
    try {
      const res = await doFetch(statementsUrl(target.endpoint), {
        method: "POST",
        headers,
        body: JSON.stringify(batch.map((r) => r.statement)),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const body = await res.text().catch(() => "");
      // 409: the LRS already holds statements with these ids (our ids are derived from the answer,
      // so that is this batch sent before, e.g. when the acknowledgement was lost).
      if (res.ok || res.status === 409) return null;
      return `HTTP ${res.status}${body ? `: ${body.slice(0, 200)}` : ""}`;
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
}
