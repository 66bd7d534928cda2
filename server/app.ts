import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import express from "express";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { openDatabase, type Database } from "./db/index.js";
import { createServices, type Services } from "./services/index.js";
import { checkOrigin } from "./http/origin.js";
import { bodyLimit } from "./http/bodyLimit.js";
import { acceptedContentType } from "./http/contentType.js";
import { seedDemo, type SeedResult } from "./seed.js";
import { CollabServer } from "./collab/index.js";
import type { CollabLimits } from "./collab/constants.js";
import { LrsSender, type LrsSenderOptions } from "./feedback/lrs.js";
import { RedisFanout } from "./redis/fanout.js";
import type { AppLoadContext } from "@remix-run/node";
import "./context.js";
import { PROJECT_ROOT as ROOT } from "./paths.js";

export const BUILD_PATH = path.join(ROOT, "build", "index.js");

export interface Pilotlab {
  server: http.Server;
  db: Database;
  services: Services;
  collab: CollabServer;
  /** Sends queued xAPI statements to workspaces' LRSs. */
  lrs: LrsSender;
  /** The link to the other instances (REDIS_URL); null when this is the only one. */
  fanout: RedisFanout | null;
  /** http://host:port the server listens on. */
  url: string;
  seed: SeedResult | null;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** An already-open database (tests); otherwise one is opened from config. */
  db?: Database;
  /** Overrides of the collaboration limits (tests, benchmarks). */
  collabLimits?: Partial<CollabLimits>;
  /** Overrides of the LRS sender's timing (tests). */
  lrsOptions?: Partial<LrsSenderOptions>;
}

async function loadBuild(): Promise<ServerBuild> {
  try {
    return (await import(pathToFileURL(BUILD_PATH).href)) as ServerBuild;
  } catch (error) {
    throw new Error(`The app is not built (${BUILD_PATH} missing or broken). Run "npm run build" first.`, { cause: error });
  }
}

/** Builds the Express app: static files, request log, guards, then Remix. */
function createExpressApp({
  config,
  logger,
  services,
  build,
  collab,
}: {
  config: Config;
  logger: Logger;
  services: Services;
  build: ServerBuild;
  collab: CollabServer;
}) {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "request");
    });
    next();
  });

  app.use("/build", express.static(path.join(ROOT, "public", "build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(ROOT, "public"), { maxAge: "1h" }));

  app.get("/metrics", (_req, res) => {
    res.type("text/plain; version=0.0.4").send(collab.metrics.render());
  });

  app.use(bodyLimit());
  app.use(checkOrigin(config.appOrigin));
  app.use(acceptedContentType());

  app.all(
    "*",
    createRequestHandler({
      build,
      mode: "production",
      async getLoadContext(req, res): Promise<AppLoadContext> {
        const { user, session, setCookie } = await services.sessions.check(req.headers.cookie);
        if (setCookie) res.append("Set-Cookie", setCookie);
        return { services, user, session, ip: req.ip ?? "unknown", logger };
      },
    }),
  );

  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    logger.error({ err: error, path: req.path }, "unhandled request error");
    if (!res.headersSent) res.status(500).type("text/plain").send("Something went wrong on our side. Please try again.");
  });
  return app;
}

/** Opens the database, seeds it when empty, and listens. */
export async function startPilotlab(options: StartOptions): Promise<Pilotlab> {
  const { config, logger, db: givenDb } = options;
  const build = await loadBuild();
  const db = givenDb ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger }));
  const fanout = config.redisUrl ? new RedisFanout(config.redisUrl, logger, config.redisPrefix) : null;
  try {
    const services = createServices({ sql: db.sql, secureCookies: config.secureCookies, xapiBase: config.appOrigin ?? undefined, fanout });
    const seed = config.seedDemo ? await seedDemo({ sql: db.sql }) : null;
    const collab = new CollabServer({
      sql: db.sql,
      services,
      logger,
      appOrigin: config.appOrigin,
      fanout,
      limits: { maxMessageBytes: config.collabMaxMessageBytes, ...options.collabLimits },
    });
    const lrs = new LrsSender({ sql: db.sql, logger }, options.lrsOptions);
    const app = createExpressApp({ config, logger, services, build, collab });
    const server = http.createServer(app);
    collab.attach(server);
    await collab.warmUp();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
    lrs.start();

    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await collab.close();
        await lrs.stop();
        server.closeAllConnections();
        await httpClosed;
        await fanout?.close();
        if (!givenDb) await db.close();
      })());
    return { server, db, services, collab, lrs, fanout, url, seed, close };
  } catch (error) {
    await fanout?.close();
    if (!givenDb) await db.close();
    throw error;
  }
}
