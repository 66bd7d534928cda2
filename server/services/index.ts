import type { Sql } from "../db/index.js";
import { createSessions } from "../auth/sessions.js";
import { createThrottle } from "../auth/throttle.js";
import { createAccounts } from "./accounts.js";
import { createWorkspaces } from "./workspaces.js";
import { createInvites } from "./invites.js";
import { createGoals } from "./goals.js";
import { createPrototypes } from "./prototypes.js";

/** Every domain service, created once per process over the one sql client. */
export function createServices({ sql, secureCookies }: { sql: Sql; secureCookies: boolean }) {
  const sessions = createSessions(sql, { secure: secureCookies });
  const throttle = createThrottle(sql);
  return {
    sessions,
    throttle,
    accounts: createAccounts({ sql, sessions, throttle }),
    workspaces: createWorkspaces({ sql }),
    invites: createInvites({ sql }),
    goals: createGoals({ sql }),
    prototypes: createPrototypes({ sql }),
  };
}

export type Services = ReturnType<typeof createServices>;
