import { randomUUID } from "node:crypto";
import type http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Sql } from "../db/index.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services/index.js";
import { authenticateUpgrade, prototypeAccess, type UpgradeRejection } from "./authenticate.js";
import { SESSION_COOKIE } from "../auth/sessions.js";
import { generateToken } from "../auth/tokens.js";
import { CloseCode, DEFAULT_COLLAB_LIMITS, type CollabLimits } from "./constants.js";
import { serveConnection, stateMessage } from "./connection.js";
import { CollabMetrics } from "./metrics.js";
import { DocumentRegistry, TooManyDocumentsError } from "./registry.js";
import { UpdateLog } from "./updateLog.js";
import { ExperimentGuard } from "./experiments.js";
import { docFanout } from "./crossInstance.js";
import type { RedisFanout } from "../redis/fanout.js";
import { LOAD_ORIGIN, REMOTE_ORIGIN, type DocExtension, type Peer, type SharedDoc } from "./sharedDoc.js";
import { parseDocName, prototypeDocName, sprintDocName } from "../../app/lib/editor/docName.js";
import type { AccessChange } from "../events.js";
import type { CollabIdentity } from "./connection.js";

interface LiveConnection {
  docName: string;
  identity: CollabIdentity;
  expiryTimer: NodeJS.Timeout | null;
}

export { CloseCode } from "./constants.js";

export const COLLAB_PATH = "/collab/";

/**
 * How long a load waits for the stored state it sent early to reach the socket before going on:
 * when the document is then built at once (a snapshot stored without its vector, or with log rows
 * on top), the build blocks the event loop, and what is not yet written would wait for it.
 */
const EARLY_STATE_FLUSH_MS = 25;

/**
 * Stored states smaller than this are not sent early: building such a document takes a few
 * milliseconds, and the ordinary path (document loaded, then the connection served) is simpler to
 * reason about. Above it (a long-lived document) the early send saves most of the wait.
 */
export const EARLY_STATE_MIN_BYTES = 128 * 1024;

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
function refuse(socket: Duplex, status: number, message: string) {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The collaboration server: y-websocket protocol on /collab/<docName> of the app's HTTP server.
 * Lifecycle per connection: authenticate (cheap checks first) → load (shared) → serve → store → unload.
 */
export class CollabServer {
  readonly metrics = new CollabMetrics();
  readonly updateLog: UpdateLog;
  readonly registry: DocumentRegistry;
  private readonly wss: WebSocketServer;
  private accepting = true;

  constructor(
    private readonly deps: {
      sql: Sql;
      services: Services;
      logger: Logger;
      appOrigin: string | null;
      limits?: Partial<CollabLimits>;
      /** Other instances (REDIS_URL): updates and presence cross to and from them. */
      fanout?: RedisFanout | null;
    },
  ) {
    const limits = (this.limits = { ...DEFAULT_COLLAB_LIMITS, ...deps.limits });
    this.updateLog = new UpdateLog(deps.sql, deps.logger, limits.groupCommitMs);
    this.metrics.persistLatencies = () => this.updateLog.latencies;
    this.registry = new DocumentRegistry(
      {
        updateLog: this.updateLog,
        metrics: this.metrics,
        logger: deps.logger,
        compactAfterUpdates: limits.compactAfterUpdates,
        saveText: (docName, text) => this.saveText(docName, text),
        extensions: (doc) => this.extensionsFor(doc),
        fanout: deps.fanout ? docFanout(deps.fanout) : null,
      },
      { maxDocuments: limits.maxDocuments, idleUnloadMs: limits.idleUnloadMs },
      this.metrics,
      deps.logger,
    );
    this.stopListening = deps.services.accessEvents.on((change) => this.onAccessChange(change));
    this.metrics.redis = () => deps.fanout?.stats ?? null;
    this.stopCatchingUp = deps.fanout?.onRecovered((since) => void this.catchUp(since)) ?? (() => {});
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
  }

  readonly limits: CollabLimits;
  private readonly live = new Map<WebSocket, LiveConnection>();
  private readonly stopListening: () => void;
  private readonly stopCatchingUp: () => void;

  /** After Redis was away (here or on another instance): every loaded document reads what it missed from the log. */
  private async catchUp(sinceSeq: number) {
    for (const doc of this.registry.documents()) {
      try {
        await doc.catchUp(sinceSeq);
      } catch (error) {
        this.deps.logger.error({ err: error, docName: doc.name }, "catching up from the update log failed");
      }
    }
  }

  private async saveText(docName: string, text: string) {
    const parsed = parseDocName(docName);
    // Only prototypes keep a text projection (search); a sprint's ideas are read from the log.
    if (parsed?.kind !== "prototype") return;
    await this.deps.sql`update prototypes set doc_text = ${text}, updated_at = now() where id = ${parsed.id} and doc_text <> ${text}`;
  }

  private extensionsFor(doc: SharedDoc): DocExtension[] {
    const parsed = parseDocName(doc.name);
    // Experiment cards live in prototype documents only.
    if (parsed?.kind !== "prototype") return [];
    return [
      new ExperimentGuard(doc, {
        experiments: this.deps.services.experiments,
        logger: this.deps.logger,
        prototypeId: parsed.id,
        loadOrigin: LOAD_ORIGIN,
        remoteOrigin: REMOTE_ORIGIN,
        userOf: (origin) => (origin && typeof origin === "object" && "userId" in origin ? (origin as Peer).userId : null),
        projectionDelayMs: this.limits.projectionDelayMs,
        evaluate: (prototypeId, cardId) => this.deps.services.feedback.evaluateCard(prototypeId, cardId),
      }),
    ];
  }

  /**
   * Runs what the first upgrade and load run, on nothing (a session and a document that do not
   * exist), before the server listens: the statements get prepared on the pool's open connection
   * and the code compiled, so the first person to open a document after a restart does not pay
   * for it (on PostgreSQL the session and membership checks of a restarted server went from ~13 to ~3 ms).
   */
  async warmUp(): Promise<void> {
    const started = performance.now();
    try {
      const cookie = `${SESSION_COOKIE}=${generateToken()}`;
      const { user } = await this.deps.services.sessions.check(cookie);
      if (user) return; // a random token never names a session
      await prototypeAccess(this.deps.sql, randomUUID(), randomUUID());
      await this.updateLog.load(prototypeDocName(randomUUID()));
      this.deps.logger.debug({ ms: Math.round(performance.now() - started) }, "collaboration server warmed up");
    } catch (error) {
      // Only an optimisation: the real requests report database trouble themselves.
      this.deps.logger.warn({ err: error }, "collaboration warm-up failed");
    }
  }

  /** Routes upgrades on /collab/ to this server; others are refused. */
  attach(server: http.Server) {
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", () => socket.destroy());
      void this.handleUpgrade(req, socket, head);
    });
  }

  private async handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
    const upgradeStartedAt = performance.now();
    const { logger, services, sql, appOrigin } = this.deps;
    const reject = (r: UpgradeRejection) => {
      this.metrics.rejectUpgrade(r.status);
      logger.info({ status: r.status, reason: r.message, path: req.url }, "collab upgrade refused");
      refuse(socket, r.status, r.message);
    };
    if (!this.accepting) return reject({ status: 503, message: "Server is shutting down" });
    let auth;
    try {
      auth = await authenticateUpgrade(req, { services, sql, appOrigin });
    } catch (error) {
      logger.error({ err: error }, "collab authentication failed");
      return reject({ status: 500, message: "Could not check your session" });
    }
    if (!auth.ok) return reject(auth);

    // When this upgrade loads the document, answer it as soon as the stored state is read and
    // send that state right away; the Y.Doc is built later, when something needs it (decision 0017).
    let early: { ws: WebSocket; sentState: Uint8Array } | null = null;
    const sendStoredState = (state: Uint8Array) =>
      new Promise<boolean>((resolve) => {
        if (!this.accepting || socket.destroyed || state.byteLength < EARLY_STATE_MIN_BYTES) return resolve(false);
        // Still being written when the wait ends: sent all the same, if the handshake completed.
        const timer = setTimeout(() => resolve(early !== null), EARLY_STATE_FLUSH_MS);
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          // Nothing the client sends is read until the document is ready and serveConnection listens.
          ws.pause();
          early = { ws, sentState: state };
          ws.send(stateMessage(state), (error) => {
            if (!error) this.metrics.recordFirstSync(performance.now() - upgradeStartedAt);
            clearTimeout(timer);
            resolve(!error);
          });
        });
      });

    let doc;
    try {
      doc = await this.registry.acquire(auth.docName, sendStoredState);
    } catch (error) {
      const answered = early as { ws: WebSocket } | null;
      if (answered) {
        logger.error({ err: error, docName: auth.docName }, "document load failed after the upgrade");
        return answered.ws.close(CloseCode.InternalError, "could not load the document");
      }
      if (error instanceof TooManyDocumentsError) return reject({ status: 503, message: "Too many documents open; try again shortly" });
      logger.error({ err: error, docName: auth.docName }, "document load failed");
      return reject({ status: 500, message: "Could not load the document" });
    }
    const serve = (ws: WebSocket, sentState?: Uint8Array) => {
      this.track(ws, auth.docName, auth.identity);
      serveConnection({
        ws,
        doc,
        identity: auth.identity,
        limits: this.limits,
        metrics: this.metrics,
        logger,
        upgradeStartedAt,
        sentState,
        onClose: () => this.registry.scheduleIdle(doc),
      });
      // The connection now keeps the document loaded; the reservation is done.
      this.registry.release(doc);
    };
    const answered = early as { ws: WebSocket; sentState: Uint8Array } | null;
    if (answered) {
      if (!this.accepting || answered.ws.readyState !== answered.ws.OPEN) {
        this.registry.release(doc);
        return answered.ws.terminate();
      }
      return serve(answered.ws, answered.sentState);
    }
    if (!this.accepting || socket.destroyed) {
      this.registry.release(doc);
      return socket.destroy();
    }
    // `ws` answers a handshake it can't complete (bad version or key, socket gone) by itself and
    // never calls back: the reservation then ends with the socket, or the document stays pinned.
    let handedOver = false;
    socket.once("close", () => {
      if (!handedOver) this.registry.release(doc);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      handedOver = true;
      serve(ws);
    });
  }

  /** Follows a live connection so access changes and session expiry reach it. */
  private track(ws: WebSocket, docName: string, identity: CollabIdentity) {
    const entry: LiveConnection = { docName, identity, expiryTimer: null };
    this.live.set(ws, entry);
    const scheduleExpiryCheck = (at: Date) => {
      const delay = Math.min(Math.max(0, at.getTime() - Date.now()) + 50, this.limits.sessionCheckMs);
      entry.expiryTimer = setTimeout(() => void checkSession(), delay);
      entry.expiryTimer.unref();
    };
    // Sessions slide forward while the user keeps working over HTTP: look before closing.
    const checkSession = async () => {
      if (!this.live.has(ws)) return;
      try {
        const [row] = await this.deps.sql<{ expiresAt: Date }[]>`select expires_at as "expiresAt" from sessions where id = ${identity.sessionId}`;
        if (row && row.expiresAt.getTime() > Date.now()) return scheduleExpiryCheck(row.expiresAt);
        ws.close(CloseCode.Unauthorized, "session expired");
      } catch (error) {
        this.deps.logger.warn({ err: error }, "session expiry check failed; retrying");
        scheduleExpiryCheck(new Date(Date.now() + 60_000));
      }
    };
    scheduleExpiryCheck(identity.sessionExpiresAt);
    ws.once("close", () => {
      if (entry.expiryTimer) clearTimeout(entry.expiryTimer);
      this.live.delete(ws);
    });
  }

  /** Acts on a change of rights: reconnect to pick up new rights, or close for good. */
  private onAccessChange(change: AccessChange) {
    for (const [ws, { docName, identity }] of this.live) {
      if (change.kind === "membership" && identity.workspaceId === change.workspaceId && identity.userId === change.userId) {
        if (change.removed) ws.close(CloseCode.Forbidden, "removed from the workspace");
        else ws.close(CloseCode.AccessChanged, "role changed");
      } else if (change.kind === "prototype" && docName === prototypeDocName(change.prototypeId)) {
        ws.close(CloseCode.AccessChanged, "prototype archived or restored");
      } else if (change.kind === "sprint" && docName === sprintDocName(change.sprintId)) {
        ws.close(CloseCode.AccessChanged, "sprint ideas locked, unlocked or ended");
      } else if (
        change.kind === "sessions" &&
        ((change.sessionId !== null && identity.sessionId === change.sessionId) || (change.userId !== null && identity.userId === change.userId))
      ) {
        ws.close(CloseCode.Unauthorized, "signed out");
      }
    }
  }

  /** Graceful stop: refuse new connections, close open ones with 1001, store every document. */
  async close(): Promise<void> {
    this.accepting = false;
    this.stopListening();
    this.stopCatchingUp();
    for (const ws of this.wss.clients) ws.close(CloseCode.GoingAway, "server shutting down");
    await this.updateLog.flush();
    await this.registry.storeAll();
    await this.updateLog.flush();
    for (const ws of this.wss.clients) ws.terminate();
    this.registry.destroyAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
