import type { Session, User } from "lucia";
import type { Services } from "./services/index.js";
import type { Logger } from "./logger.js";

/** What every Remix loader and action receives as `context`. */
export interface PilotlabContext {
  services: Services;
  user: User | null;
  session: Session | null;
  /** The client's IP as the server sees it (trust proxy honoured). */
  ip: string;
  logger: Logger;
}

declare module "@remix-run/server-runtime" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends PilotlabContext {}
  // Types loader data as single fetch delivers it.
  interface Future {
    v3_singleFetch: true;
  }
}
