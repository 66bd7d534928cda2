import type { Sql } from "../db/index.js";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "../auth/password.js";
import type { Sessions } from "../auth/sessions.js";
import type { Throttle } from "../auth/throttle.js";
import { ServiceError, pgCode } from "./errors.js";

export interface UserRow {
  id: string;
  email: string;
  name: string;
}

export type LoginResult =
  | { ok: true; userId: string; cookie: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterMs: number };

export function createAccounts({ sql, sessions, throttle }: { sql: Sql; sessions: Sessions; throttle: Throttle }) {
  return {
    /** Creates a user with a password; throws ServiceError("conflict") when the email is taken. */
    async signUp(input: { name: string; email: string; password: string }): Promise<UserRow> {
      const passwordHash = await hashPassword(input.password);
      try {
        return await sql.begin(async (tx) => {
          const [user] = await tx<UserRow[]>`
            insert into users (name, email) values (${input.name.trim()}, ${input.email.trim()})
            returning id, email, name`;
          await tx`insert into user_passwords (user_id, hash) values (${user.id}, ${passwordHash})`;
          return user;
        });
      } catch (error) {
        if (pgCode(error) === "23505") {
          throw new ServiceError("conflict", "This email can't be used to sign up. If it is yours, log in instead.", "email");
        }
        throw error;
      }
    },

    /** Checks a password with throttling; unknown email and wrong password cost and say the same. */
    async logIn(input: { email: string; password: string; ip: string }): Promise<LoginResult> {
      const wait = await throttle.loginWait(input);
      if (wait > 0) return { ok: false, reason: "throttled", retryAfterMs: wait };
      const [row] = await sql<{ id: string; hash: string }[]>`
        select u.id, p.hash from users u join user_passwords p on p.user_id = u.id
        where lower(u.email) = lower(${input.email.trim()})`;
      const valid = row ? await verifyPassword(row.hash, input.password) : await verifyAgainstDummy(input.password);
      if (!row || !valid) {
        await throttle.loginFailed(input);
        return { ok: false, reason: "invalid" };
      }
      await throttle.loginSucceeded(input);
      const { cookie } = await sessions.create(row.id);
      return { ok: true, userId: row.id, cookie };
    },

    async getUser(userId: string): Promise<UserRow | null> {
      const [user] = await sql<UserRow[]>`select id, email, name from users where id = ${userId}`;
      return user ?? null;
    },

    async sessionCount(userId: string): Promise<number> {
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from sessions where user_id = ${userId} and expires_at > now()`;
      return n;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
