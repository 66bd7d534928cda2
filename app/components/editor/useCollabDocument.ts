import { useEffect, useState } from "react";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";

/** "connecting" until the first sync of this page; "reconnecting" when a later connection is lost. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

export interface CollabDocument {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

/** Opens a document's Y.Doc and its y-websocket connection for the lifetime of the component. */
export function useCollabDocument(docName: string): CollabDocument | null {
  const [value, setValue] = useState<CollabDocument | null>(null);
  useEffect(() => {
    const doc = new Y.Doc();
    const url = `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/collab`;
    // BroadcastChannel would sync tabs without the server and hide a broken connection.
    const provider = new WebsocketProvider(url, docName, doc, { disableBc: true });
    setValue({ doc, provider });
    return () => {
      provider.destroy();
      doc.destroy();
      setValue(null);
    };
  }, [docName]);
  return value;
}

/** Connection state and the number of local edits the server has not seen yet. */
export function useConnectionState({ doc, provider }: CollabDocument): { state: ConnectionState; unsynced: number; synced: boolean } {
  const [status, setStatus] = useState<string>(provider.wsconnected ? "connected" : "connecting");
  const [synced, setSynced] = useState(provider.synced);
  const [everSynced, setEverSynced] = useState(provider.synced);
  const [online, setOnline] = useState(typeof navigator === "undefined" ? true : navigator.onLine);
  const [unsynced, setUnsynced] = useState(0);

  useEffect(() => {
    const onStatus = ({ status }: { status: string }) => {
      setStatus(status);
      if (status !== "connected") setSynced(false);
    };
    const onSync = (isSynced: boolean) => {
      setSynced(isSynced);
      // Sync step 2 carried every local edit to the server.
      if (isSynced) {
        setUnsynced(0);
        setEverSynced(true);
      }
    };
    // Local edits made while the server can't hear us; y-websocket sends them on the next sync.
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (origin !== provider && !(navigator.onLine && provider.wsconnected && provider.synced)) setUnsynced((n) => n + 1);
    };
    // A socket can outlive a network change without noticing; a fresh one re-runs the sync
    // handshake, which carries every edit made meanwhile and tells us when it has arrived.
    const goOnline = () => {
      setOnline(true);
      if (provider.ws && provider.wsconnected) provider.ws.close();
    };
    const goOffline = () => {
      setOnline(false);
      provider.ws?.close();
    };
    provider.on("status", onStatus);
    provider.on("sync", onSync);
    // The provider may have connected and synced between the first render and this effect.
    setStatus(provider.wsconnected ? "connected" : "connecting");
    setSynced(provider.synced);
    if (provider.synced) setEverSynced(true);
    setOnline(navigator.onLine);
    doc.on("update", onUpdate);
    window.addEventListener("online", goOnline);
    window.addEventListener("offline", goOffline);
    return () => {
      provider.off("status", onStatus);
      provider.off("sync", onSync);
      doc.off("update", onUpdate);
      window.removeEventListener("online", goOnline);
      window.removeEventListener("offline", goOffline);
    };
  }, [doc, provider]);

  const state: ConnectionState = !online ? "offline" : status === "connected" && synced ? "connected" : everSynced ? "reconnecting" : "connecting";
  return { state, unsynced, synced };
}
