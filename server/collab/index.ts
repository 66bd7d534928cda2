import type http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { Sql } from "../db/index.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services/index.js";
import { authenticateUpgrade, type UpgradeRejection } from "./authenticate.js";
import { CloseCode, DEFAULT_COLLAB_LIMITS, type CollabLimits } from "./constants.js";
import { serveConnection } from "./connection.js";
import { CollabMetrics } from "./metrics.js";
import { DocumentRegistry, TooManyDocumentsError } from "./registry.js";
import { UpdateLog } from "./updateLog.js";
import { parseDocName } from "../../app/lib/editor/docName.js";

export { CloseCode } from "./constants.js";

export const COLLAB_PATH = "/collab/";

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
    private readonly deps: { sql: Sql; services: Services; logger: Logger; appOrigin: string | null; limits?: Partial<CollabLimits> },
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
      },
      { maxDocuments: limits.maxDocuments, idleUnloadMs: limits.idleUnloadMs },
      this.metrics,
      deps.logger,
    );
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
  }

  readonly limits: CollabLimits;

  private async saveText(docName: string, text: string) {
    const parsed = parseDocName(docName);
    if (!parsed) return;
    await this.deps.sql`update prototypes set doc_text = ${text}, updated_at = now() where id = ${parsed.id} and doc_text <> ${text}`;
  }

  /** Routes upgrades on /collab/ to this server; others are refused. */
  attach(server: http.Server) {
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", () => socket.destroy());
      void this.handleUpgrade(req, socket, head);
    });
  }

  private async handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
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

    let doc;
    try {
      doc = await this.registry.acquire(auth.docName);
    } catch (error) {
      if (error instanceof TooManyDocumentsError) return reject({ status: 503, message: "Too many documents open; try again shortly" });
      logger.error({ err: error, docName: auth.docName }, "document load failed");
      return reject({ status: 500, message: "Could not load the document" });
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
      serveConnection({
        ws,
        doc,
        identity: auth.identity,
        limits: this.limits,
        metrics: this.metrics,
        logger,
        onClose: () => this.registry.scheduleIdle(doc),
      });
      // The connection now keeps the document loaded; the reservation is done.
      this.registry.release(doc);
    });
  }

  /** Graceful stop: refuse new connections, close open ones with 1001, store every document. */
  async close(): Promise<void> {
    this.accepting = false;
    for (const ws of this.wss.clients) ws.close(CloseCode.GoingAway, "server shutting down");
    await this.updateLog.flush();
    await this.registry.storeAll();
    await this.updateLog.flush();
    for (const ws of this.wss.clients) ws.terminate();
    this.registry.destroyAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
