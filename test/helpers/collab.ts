import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import type { TestServer } from "./server.js";
import type { HttpClient } from "./http.js";

/** A `ws` WebSocket class that sends a session cookie and an Origin, as a browser would. */
export function authedWebSocket(headers: { cookie?: string; origin?: string }) {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string> });
    }
  };
}

export interface CollabClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  destroy(): void;
}

/** The stock y-websocket provider, in Node, logged in as `client`. BroadcastChannel is off so only the server syncs. */
export function connectProvider(app: TestServer, client: HttpClient, docName: string, options: { connect?: boolean } = {}): CollabClient {
  const doc = new Y.Doc();
  const wsUrl = app.url.replace(/^http/, "ws") + "/collab";
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: authedWebSocket({ cookie: client.cookieHeader, origin: app.url }) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: options.connect ?? true,
  });
  return {
    doc,
    provider,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Resolves when the provider has completed its first sync with the server. */
export function synced(provider: WebsocketProvider, timeoutMs = 5000): Promise<void> {
  if (provider.synced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("provider did not sync in time")), timeoutMs);
    provider.once("sync", (isSynced: boolean) => {
      if (isSynced) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Polls until `check` is true (fails with `what` after the timeout). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The server's stored state of a document (snapshot + log), decoded into a fresh Y.Doc. */
export async function storedDoc(app: TestServer, docName: string): Promise<Y.Doc> {
  const state = await app.collab.updateLog.load(docName);
  const doc = new Y.Doc();
  if (state.update) Y.applyUpdate(doc, state.update);
  return doc;
}
