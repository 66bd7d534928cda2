import { useEffect, useState } from "react";
import type * as Y from "yjs";
import type { WebsocketProvider } from "y-websocket";
import { cardsMap, readCards, type Card } from "~/lib/experiments/cards";

/** The document's cards in board order, re-read on every change to any card; none without a document. */
export function useCards(doc: Y.Doc | null): Card[] {
  const [cards, setCards] = useState<Card[]>(() => (doc ? readCards(doc) : []));
  useEffect(() => {
    if (!doc) {
      setCards([]);
      return;
    }
    const map = cardsMap(doc);
    const read = () => setCards(readCards(doc));
    read();
    map.observeDeep(read);
    return () => map.unobserveDeep(read);
  }, [doc]);
  return cards;
}

/** One card by id, live; null while it does not exist (not synced yet, or removed). */
export function useCard(doc: Y.Doc | null, cardId: string | null): Card | null {
  const cards = useCards(doc);
  return cards.find((c) => c.id === cardId) ?? null;
}

/** Whether the provider has completed a sync with the server since it (re)connected. */
export function useSynced(provider: WebsocketProvider): boolean {
  const [synced, setSynced] = useState(provider.synced);
  useEffect(() => {
    const onSync = (value: boolean) => setSynced(value);
    provider.on("sync", onSync);
    setSynced(provider.synced);
    return () => provider.off("sync", onSync);
  }, [provider]);
  return synced;
}

export interface Peer {
  id: string;
  name: string;
  color: string;
}

/** The awareness field a client sets while a card's editor is open. */
export const EDITING_FIELD = "editingCard";

/** Who else (other people, not this user's other tabs) has each card open for editing. */
export function useCardEditors(provider: WebsocketProvider, selfId: string): Map<string, Peer[]> {
  const [editors, setEditors] = useState<Map<string, Peer[]>>(new Map());
  useEffect(() => {
    const read = () => {
      const byCard = new Map<string, Map<string, Peer>>();
      for (const [clientId, state] of provider.awareness.getStates()) {
        if (clientId === provider.awareness.clientID) continue;
        const s = state as { user?: { id?: unknown; name?: unknown; color?: unknown }; [EDITING_FIELD]?: unknown };
        const cardId = s[EDITING_FIELD];
        const user = s.user;
        if (typeof cardId !== "string" || !user || typeof user.id !== "string" || typeof user.name !== "string" || user.id === selfId) continue;
        const peers = byCard.get(cardId) ?? new Map<string, Peer>();
        peers.set(user.id, { id: user.id, name: user.name, color: typeof user.color === "string" ? user.color : "#666" });
        byCard.set(cardId, peers);
      }
      setEditors(new Map([...byCard].map(([id, peers]) => [id, [...peers.values()].sort((a, b) => a.name.localeCompare(b.name))])));
    };
    read();
    provider.awareness.on("change", read);
    return () => provider.awareness.off("change", read);
  }, [provider, selfId]);
  return editors;
}

/** Announces to everyone else that this client is editing `cardId` (null: none) while mounted. */
export function useEditingCard(provider: WebsocketProvider, cardId: string | null) {
  useEffect(() => {
    if (!cardId) return;
    provider.awareness.setLocalStateField(EDITING_FIELD, cardId);
    return () => {
      if (provider.awareness.getLocalState()) provider.awareness.setLocalStateField(EDITING_FIELD, null);
    };
  }, [provider, cardId]);
}
