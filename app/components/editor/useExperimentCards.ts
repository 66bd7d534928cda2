import { useEffect, useState } from "react";
import type * as Y from "yjs";
import { cardsMap, readCards, type Card } from "~/lib/experiments/cards";

/** The prototype's experiment cards, in board order, re-read whenever any card changes. */
export function useExperimentCards(doc: Y.Doc | null): Card[] {
  const [cards, setCards] = useState<Card[]>(() => (doc ? readCards(doc) : []));
  useEffect(() => {
    if (!doc) {
      setCards([]);
      return;
    }
    const map = cardsMap(doc);
    const refresh = () => setCards(readCards(doc));
    refresh();
    map.observeDeep(refresh);
    return () => map.unobserveDeep(refresh);
  }, [doc]);
  return cards;
}

/** One card by id, live; null while it does not exist (not synced yet, or removed). */
export function useExperimentCard(doc: Y.Doc | null, cardId: string | null): Card | null {
  const cards = useExperimentCards(doc);
  return cards.find((c) => c.id === cardId) ?? null;
}
