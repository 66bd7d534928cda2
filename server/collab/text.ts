import * as Y from "yjs";

/** The name of the XmlFragment Tiptap's Collaboration extension edits. */
export const TIPTAP_FIELD = "default";

/** Block-level nodes end a line in the plain-text projection. */
const BLOCKS = new Set(["paragraph", "heading", "listItem", "taskItem", "blockquote", "codeBlock", "tableCell", "tableHeader", "horizontalRule"]);

function walk(node: Y.XmlElement | Y.XmlFragment | Y.XmlText, out: string[]) {
  if (node instanceof Y.XmlText) {
    for (const op of node.toDelta() as { insert: unknown }[]) if (typeof op.insert === "string") out.push(op.insert);
    return;
  }
  for (const child of node.toArray()) {
    if (child instanceof Y.XmlText || child instanceof Y.XmlElement) walk(child, out);
  }
  if (node instanceof Y.XmlElement && BLOCKS.has(node.nodeName)) out.push("\n");
}

/** Plain text of a prototype document, for search and excerpts. */
export function documentText(doc: Y.Doc): string {
  const out: string[] = [];
  walk(doc.getXmlFragment(TIPTAP_FIELD), out);
  return out
    .join("")
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .join("\n");
}
