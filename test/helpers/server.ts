import type { Config } from "../../server/config.js";
import { createLogger } from "../../server/logger.js";
import type { CollabLimits } from "../../server/collab/constants.js";
import type { LrsSenderOptions } from "../../server/feedback/lrs.js";
import { startPilotlab, type Pilotlab } from "../../server/app.js";
import { createTestDatabase, type TestDatabase } from "./db.js";

export interface TestServer extends Pilotlab {
  db: TestDatabase;
  /** Origin to send with mutating requests. */
  origin: string;
}

/** Starts the real server on a random port over a fresh test database. */
export async function startTestServer(
  options: { seed?: boolean; db?: TestDatabase; config?: Partial<Config>; collabLimits?: Partial<CollabLimits>; lrsOptions?: Partial<LrsSenderOptions> } = {},
): Promise<TestServer> {
  const db = options.db ?? (await createTestDatabase());
  const config: Config = {
    port: 0,
    host: "127.0.0.1",
    appOrigin: null,
    databaseUrl: db.url,
    dataDir: "unused",
    seedDemo: options.seed ?? false,
    logLevel: (process.env.TEST_LOG_LEVEL as Config["logLevel"]) ?? "silent",
    secureCookies: false,
    collabMaxMessageBytes: 1024 * 1024,
    ...options.config,
  };
  const app = await startPilotlab({ config, logger: createLogger(config.logLevel), db, collabLimits: options.collabLimits, lrsOptions: options.lrsOptions });
  return {
    ...app,
    db,
    origin: app.url,
    async close() {
      await app.close();
      if (!options.db) await db.close();
    },
  };
}
