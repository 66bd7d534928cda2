import { Lucia, TimeSpan, type Session, type User } from "lucia";
import { PostgresJsAdapter } from "@lucia-auth/adapter-postgresql";
import type { AccessEvents } from "../events.js";
import type { Sql } from "../db/index.js";
import { SESSION_DAYS } from "../../app/lib/limits.js";
import { generateToken, hashToken, isWellFormedToken } from "./tokens.js";

export const SESSION_COOKIE = "pilotlab_session";

declare module "lucia" {
  interface Register {
    Lucia: ReturnType<typeof createLucia>;
    DatabaseUserAttributes: { email: string; name: string };
  }
}

function createLucia(sql: Sql, secure: boolean) {
  // The adapter's driver type is postgres.js' generic Sql; ours narrows custom types.
  const adapter = new PostgresJsAdapter(sql as never, { user: "users", session: "sessions" });
  return new Lucia(adapter, {
    sessionExpiresIn: new TimeSpan(SESSION_DAYS, "d"),
    sessionCookie: { name: SESSION_COOKIE, expires: true, attributes: { secure, sameSite: "lax", path: "/" } },
    getUserAttributes: (attributes) => ({ email: attributes.email, name: attributes.name }),
  });
}

export interface SessionCheck {
  user: User | null;
  session: Session | null;
  /** A Set-Cookie value to send: a refreshed (slid) cookie, or a blank one for a dead session. */
  setCookie: string | null;
}

/**
 * The session cookie's raw value. Not lucia's readSessionCookie: it decodeURIComponent()s every
 * cookie in the header and throws (a 500 on every page) on one malformed cookie, even another app's.
 */
function readSessionToken(cookieHeader: string): string | null {
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Sessions as Lucia now recommends: the cookie holds a random token, the table only its SHA-256. */
export function createSessions(sql: Sql, { secure, events }: { secure: boolean; events?: AccessEvents }) {
  const lucia = createLucia(sql, secure);

  return {
    /** Starts a new session (always new at login) and returns its Set-Cookie value. */
    async create(userId: string): Promise<{ session: Session; cookie: string }> {
      const token = generateToken();
      const session = await lucia.createSession(userId, {}, { sessionId: hashToken(token) });
      return { session, cookie: lucia.createSessionCookie(token).serialize() };
    },

    /** Validates the cookie of a request, sliding its expiry when it is past half-life. */
    async check(cookieHeader: string | null | undefined): Promise<SessionCheck> {
      const token = readSessionToken(cookieHeader ?? "");
      if (!token) return { user: null, session: null, setCookie: null };
      const blank = lucia.createBlankSessionCookie().serialize();
      if (!isWellFormedToken(token)) return { user: null, session: null, setCookie: blank };
      const { session, user } = await lucia.validateSession(hashToken(token));
      if (!session) return { user: null, session: null, setCookie: blank };
      return { user, session, setCookie: session.fresh ? lucia.createSessionCookie(token).serialize() : null };
    },

    async invalidate(sessionId: string): Promise<void> {
      await lucia.invalidateSession(sessionId);
      events?.emit({ kind: "sessions", userId: null, sessionId });
    },

    /** Signs a user out everywhere. */
    async invalidateAll(userId: string): Promise<void> {
      await lucia.invalidateUserSessions(userId);
      events?.emit({ kind: "sessions", userId, sessionId: null });
    },

    blankCookie(): string {
      return lucia.createBlankSessionCookie().serialize();
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
