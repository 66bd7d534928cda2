import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { startPilotlab } from "./app.js";
import { DataDirLockedError, DataDirUnusableError } from "./db/embedded.js";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}

const logger = createLogger(config.logLevel);

try {
  const app = await startPilotlab({ config, logger });
  const origin = config.appOrigin ?? app.url;
  const lines = [
    "",
    `  Pilotlab is running at ${origin}`,
    `  Database: ${app.db.mode === "embedded" ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL (DATABASE_URL)"}`,
    `  Instances: ${app.fanout ? "several, sharing updates over Redis (REDIS_URL)" : "this one only (set REDIS_URL to run several)"}`,
  ];
  if (app.seed?.demoLogin) {
    lines.push(`  Demo login: ${app.seed.demoLogin.email} / ${app.seed.demoLogin.password}`);
  }
  console.log(lines.join("\n") + "\n");

  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    app
      .close()
      .then(() => process.exit(0))
      .catch((error) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      });
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
} catch (error) {
  if (error instanceof DataDirLockedError) {
    console.error(error.message);
    process.exit(75);
  }
  if (error instanceof DataDirUnusableError) {
    console.error(error.message);
    process.exit(78);
  }
  logger.fatal({ err: error }, "Pilotlab failed to start");
  process.exit(1);
}
