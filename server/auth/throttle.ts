import type { Sql } from "../db/index.js";
import {
  LOGIN_MAX_FAILURES_PER_ACCOUNT,
  LOGIN_MAX_FAILURES_PER_IP,
  LOGIN_THROTTLE_WINDOW_MS,
  SIGNUPS_PER_IP_PER_HOUR,
} from "../../app/lib/limits.js";

const HOUR_MS = 60 * 60 * 1000;

/** Sliding-window counters in Postgres, so every instance of the server sees the same count. */
export function createThrottle(sql: Sql) {
  /** Milliseconds until `key` may try again, or 0 when it is under `max` in the window. */
  async function waitFor(key: string, max: number, windowMs: number): Promise<number> {
    const rows = await sql<{ wait_ms: number }[]>`
      select greatest(0, extract(epoch from (attempted_at + ${windowMs} * interval '1 millisecond' - now())) * 1000)::float8 as wait_ms
      from login_attempts
      where key = ${key} and attempted_at > now() - ${windowMs} * interval '1 millisecond'
      order by attempted_at desc
      limit ${max}`;
    return rows.length >= max ? Math.ceil(rows[rows.length - 1].wait_ms) : 0;
  }

  async function record(key: string, windowMs: number) {
    await sql`delete from login_attempts where key = ${key} and attempted_at < now() - ${windowMs} * interval '1 millisecond'`;
    await sql`insert into login_attempts (key) values (${key})`;
  }

  const accountKey = (email: string) => `login:email:${email.trim().toLowerCase()}`;
  const ipKey = (ip: string) => `login:ip:${ip}`;

  return {
    /** Milliseconds the caller must wait before another login attempt (0 = go ahead). */
    async loginWait({ email, ip }: { email: string; ip: string }): Promise<number> {
      const [a, b] = [
        await waitFor(accountKey(email), LOGIN_MAX_FAILURES_PER_ACCOUNT, LOGIN_THROTTLE_WINDOW_MS),
        await waitFor(ipKey(ip), LOGIN_MAX_FAILURES_PER_IP, LOGIN_THROTTLE_WINDOW_MS),
      ];
      return Math.max(a, b);
    },
    async loginFailed({ email, ip }: { email: string; ip: string }) {
      await record(accountKey(email), LOGIN_THROTTLE_WINDOW_MS);
      await record(ipKey(ip), LOGIN_THROTTLE_WINDOW_MS);
    },
    /** A successful login clears that account's failures (not the IP's). */
    async loginSucceeded({ email }: { email: string }) {
      await sql`delete from login_attempts where key = ${accountKey(email)}`;
    },
    async signupWait(ip: string): Promise<number> {
      return waitFor(`signup:ip:${ip}`, SIGNUPS_PER_IP_PER_HOUR, HOUR_MS);
    },
    async signupDone(ip: string) {
      await record(`signup:ip:${ip}`, HOUR_MS);
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
