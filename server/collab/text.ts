import * as Y from "yjs";
import { cardsMap, isCardId, readCard } from "../../app/lib/experiments/cards.js";

/** The name of the XmlFragment Tiptap's Collaboration extension edits. */
export const TIPTAP_FIELD = "default";

/** Block-level nodes end a line in the plain-text projection. */
const BLOCKS = new Set(["paragraph", "heading", "listItem", "taskItem", "blockquote", "codeBlock", "tableCell", "tableHeader", "horizontalRule"]);

/** Node name of an embedded experiment card (app/lib/editor/experimentCard.ts). */
const EXPERIMENT_CARD = "experimentCard";

/** The name of the embedded card, so searching for it finds the prototype ("" if it is gone). */
function embeddedCardName(node: Y.XmlElement, doc: Y.Doc): string {
  const id = node.getAttribute("cardId");
  if (!isCardId(id)) return "";
  const map = cardsMap(doc).get(id);
  return map instanceof Y.Map ? readCard(id, map).name : "";
}

function walk(node: Y.XmlElement | Y.XmlFragment | Y.XmlText, out: string[], doc: Y.Doc) {
  if (node instanceof Y.XmlElement && node.nodeName === EXPERIMENT_CARD) {
    out.push("\n", embeddedCardName(node, doc), "\n");
    return;
  }
  if (node instanceof Y.XmlText) {
    for (const op of node.toDelta() as { insert: unknown }[]) if (typeof op.insert === "string") out.push(op.insert);
    return;
  }
  for (const child of node.toArray()) {
    if (child instanceof Y.XmlText || child instanceof Y.XmlElement) walk(child, out, doc);
  }
  if (node instanceof Y.XmlElement && BLOCKS.has(node.nodeName)) out.push("\n");
}

/** Plain text of a prototype document, for search and excerpts. */
export function documentText(doc: Y.Doc): string {
  const out: string[] = [];
  walk(doc.getXmlFragment(TIPTAP_FIELD), out, doc);
  return out
    .join("")
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .join("\n");
}
