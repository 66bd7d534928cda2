import { EventEmitter } from "node:events";

/**
 * Changes to who may do what, announced by the services after they commit, so that long-lived
 * connections (collaboration WebSockets) can act on them at once instead of at the next reconnect.
 * With several instances (REDIS_URL) server/redis/share.ts makes them cross instances over Redis.
 */
export type AccessChange =
  /** A member's role changed, or they were removed from the workspace. */
  | { kind: "membership"; workspaceId: string; userId: string; removed: boolean }
  /** A prototype was archived or restored (its document becomes read-only or writable). */
  | { kind: "prototype"; prototypeId: string }
  /** A sprint's ideas were locked or unlocked, or the sprint ended (its document's writers change). */
  | { kind: "sprint"; sprintId: string }
  /** Sessions ended (sign-out, sign-out everywhere, password change, account deletion). */
  | { kind: "sessions"; userId: string | null; sessionId: string | null };

export class AccessEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per collaboration server; tests start many servers in one process.
    this.emitter.setMaxListeners(0);
  }

  emit(change: AccessChange): void {
    this.emitter.emit("change", change);
  }

  on(listener: (change: AccessChange) => void): () => void {
    this.emitter.on("change", listener);
    return () => this.emitter.off("change", listener);
  }
}
