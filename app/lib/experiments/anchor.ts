/** The element id of a card on its prototype's Experiments board: what embeds and lists link to. */
export function experimentAnchor(cardId: string): string {
  return `experiment-${cardId}`;
}
