import { Node, mergeAttributes } from "@tiptap/core";
import { NodeSelection } from "@tiptap/pm/state";

/** HTML attribute that carries an embedded card's id (parseHTML / renderHTML). */
export const CARD_ID_ATTRIBUTE = "data-experiment-card";


declare module "@tiptap/core" {
  interface Commands<ReturnType> {
    experimentCard: {
      /** Inserts an embed of the card with this id at the selection (after a selected block node). */
      insertExperimentCard: (cardId: string) => ReturnType;
    };
  }
}

/**
 * An experiment card embedded in the prototype's text: a block atom that stores only the card's
 * id; its content is read live from the same Yjs document's experiments map. Schema only (the
 * server builds its schema from this), the browser adds a node view with `.extend`.
 */
export const ExperimentCard = Node.create({
  name: "experimentCard",
  group: "block",
  atom: true,
  selectable: true,
  draggable: true,

  addAttributes() {
    return {
      cardId: {
        default: null,
        parseHTML: (element) => element.getAttribute(CARD_ID_ATTRIBUTE),
        renderHTML: (attributes) => (attributes.cardId ? { [CARD_ID_ATTRIBUTE]: attributes.cardId } : {}),
      },
    };
  },

  parseHTML() {
    return [{ tag: `div[${CARD_ID_ATTRIBUTE}]` }];
  },

  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { class: "experiment-embed" })];
  },

  addCommands() {
    return {
      insertExperimentCard:
        (cardId) =>
        ({ commands, state }) => {
          const content = { type: this.name, attrs: { cardId } };
          // A selected block (another card's embed, say) stays: the new card goes after it, since
          // "insert" should never quietly replace what is there. A text selection is replaced as usual.
          if (state.selection instanceof NodeSelection) return commands.insertContentAt(state.selection.to, content);
          return commands.insertContent(content);
        },
    };
  },
});
