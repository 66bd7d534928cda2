import type { Sql } from "../db/index.js";
import { AccessEvents } from "../events.js";
import { createSessions } from "../auth/sessions.js";
import { createThrottle } from "../auth/throttle.js";
import { createAccounts } from "./accounts.js";
import { createWorkspaces } from "./workspaces.js";
import { createInvites } from "./invites.js";
import { createGoals } from "./goals.js";
import { createPrototypes } from "./prototypes.js";
import { createExperiments } from "./experiments.js";
import { createFeedback } from "./feedback.js";
import { createComments } from "./comments.js";
import { createDecisions } from "./decisions.js";
import { createSprints } from "./sprints.js";
import { createSprintVotes } from "./sprintVotes.js";
import { createFeedbackEvents, createInboxEvents, createPrototypeEvents, createSprintEvents } from "../liveEvents.js";
import type { RedisFanout } from "../redis/fanout.js";
import { SharedAccessEvents, shareLiveEvents } from "../redis/share.js";

/** Base IRI of xAPI activity ids when APP_ORIGIN is not set (reserved TLD: names, never resolves). */
export const DEFAULT_XAPI_BASE = "https://pilotlab.invalid";

/**
 * Every domain service, created once per process over the one sql client. With `fanout` (REDIS_URL)
 * the live-event and access buses reach every instance.
 */
export function createServices({
  sql,
  secureCookies,
  xapiBase = DEFAULT_XAPI_BASE,
  fanout,
}: {
  sql: Sql;
  secureCookies: boolean;
  xapiBase?: string;
  fanout?: RedisFanout | null;
}) {
  const accessEvents = fanout ? new SharedAccessEvents(fanout) : new AccessEvents();
  const sessions = createSessions(sql, { secure: secureCookies, events: accessEvents });
  const throttle = createThrottle(sql);
  const prototypeEvents = shareLiveEvents(createPrototypeEvents(), "prototype", fanout);
  const inboxEvents = shareLiveEvents(createInboxEvents(), "inbox", fanout);
  const sprintEvents = shareLiveEvents(createSprintEvents(), "sprint", fanout);
  return {
    sessions,
    throttle,
    accounts: createAccounts({ sql, sessions, throttle }),
    accessEvents,
    workspaces: createWorkspaces({ sql, events: accessEvents }),
    invites: createInvites({ sql }),
    goals: createGoals({ sql }),
    prototypes: createPrototypes({ sql, events: accessEvents }),
    experiments: createExperiments({ sql }),
    feedback: createFeedback({ sql, xapiBase }),
    comments: createComments({ sql, inboxEvents }),
    inboxEvents,
    feedbackEvents: shareLiveEvents(createFeedbackEvents(), "feedback", fanout),
    prototypeEvents,
    decisions: createDecisions({ sql, events: prototypeEvents }),
    sprintEvents,
    sprints: createSprints({ sql, events: sprintEvents, accessEvents }),
    sprintVotes: createSprintVotes({ sql, events: sprintEvents }),
  };
}

export type Services = ReturnType<typeof createServices>;
