/** WebSocket close codes the collaboration server uses; 4xxx mirror HTTP statuses. */
export const CloseCode = {
  Normal: 1000,
  /** Server shutting down (clients reconnect elsewhere / later). */
  GoingAway: 1001,
  /** A text frame or a message type the protocol does not know. */
  UnsupportedData: 1003,
  /**
   * The user's access changed (role, archived prototype): the client reconnects at once and the
   * new upgrade applies the new rights. Private range, outside 4400-4499 so the client retries.
   */
  AccessChanged: 4000,
  /** A frame over the size limit. */
  MessageTooBig: 1009,
  /** The document could not be loaded (after the upgrade was answered). */
  InternalError: 1011,
  /** Too many documents in memory, all in use. */
  TryAgainLater: 1013,
  /** A binary message that does not decode as the y-websocket protocol. */
  BadMessage: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  NotFound: 4404,
  /**
   * The connection sent messages faster than its rate limit. A standard code (policy
   * violation), not 44xx: the y-websocket client gives up for good on 4400-4499, and a
   * throttled editor should come back after its backoff.
   */
  RateLimited: 1008,
  /**
   * The connection read too slowly: more than `maxBufferedBytes` waited unsent. 1013 (try again
   * later), so the client reconnects and resyncs the state instead of the backlog.
   */
  SlowReceiver: 1013,
} as const;

/** Presence entries one awareness message may carry (a client announces itself; a few spare). */
export const MAX_AWARENESS_ENTRIES = 8;

/** y-websocket message types (first varuint of a frame). */
export const MessageType = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3 } as const;

export interface CollabLimits {
  /** Largest frame accepted; bigger ones close the connection with 1009. */
  maxMessageBytes: number;
  /** Documents kept in memory; idle ones are evicted first. */
  maxDocuments: number;
  /** How long a document with no connections stays loaded. */
  idleUnloadMs: number;
  /**
   * Group-commit window for the update log, in milliseconds; 0 (the default) commits adaptively:
   * at once when the log is idle, else together with everything queued during the write in flight.
   */
  groupCommitMs: number;
  /** Logged updates after which a document is compacted into a snapshot. */
  compactAfterUpdates: number;
  /** Delay after a card change before the experiment projection in Postgres is refreshed. */
  projectionDelayMs: number;
  /**
   * How often an open connection's session is checked again (besides at its expiry), so a session
   * ended elsewhere (another instance, an administrator, cleanup) closes its sockets within this.
   */
  sessionCheckMs: number;
  /** Sustained messages per second per connection. */
  messagesPerSecond: number;
  /** Burst allowance on top of the sustained rate. */
  messageBurst: number;
  /** Unsent bytes a connection may have queued; a receiver further behind is closed with 1013. */
  maxBufferedBytes: number;
}

export const DEFAULT_COLLAB_LIMITS: CollabLimits = {
  maxMessageBytes: 1024 * 1024,
  maxDocuments: 1000,
  idleUnloadMs: 30_000,
  groupCommitMs: 0,
  compactAfterUpdates: 500,
  projectionDelayMs: 2000,
  sessionCheckMs: 5 * 60 * 1000,
  messagesPerSecond: 200,
  messageBurst: 400,
  maxBufferedBytes: 8 * 1024 * 1024,
};
