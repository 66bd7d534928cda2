import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { getSchema, type JSONContent } from "@tiptap/core";
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProsemirrorJSON } from "@tiptap/y-tiptap";
import { DOCUMENT_FIELD, documentExtensions } from "../../app/lib/editor/extensions.js";
import { cardText, createCard, deleteCard } from "../../app/lib/experiments/cards.js";
import { documentText } from "./text.js";

const schema = getSchema(documentExtensions());
const CARD = "card-0000-aaaa";

function docWith(content: JSONContent[]): Y.Doc {
  const doc = new Y.Doc();
  prosemirrorJSONToYXmlFragment(schema, { type: "doc", content }, doc.getXmlFragment(DOCUMENT_FIELD));
  return doc;
}

const paragraph = (text: string): JSONContent => ({ type: "paragraph", content: [{ type: "text", text }] });
const embed = (cardId: string): JSONContent => ({ type: "experimentCard", attrs: { cardId } });

describe("the search text of a document with embedded experiment cards", () => {
  it("puts an embedded card's name on a line of its own", () => {
    const doc = docWith([paragraph("Before the card."), embed(CARD), paragraph("After the card.")]);
    createCard(doc, { id: CARD, name: "Peer coaching lifts confidence", createdBy: "someone" });
    expect(documentText(doc)).toBe("Before the card.\nPeer coaching lifts confidence\nAfter the card.");
  });

  it("follows the card's name when it is renamed", () => {
    const doc = docWith([embed(CARD)]);
    createCard(doc, { id: CARD, name: "Old name", createdBy: "someone" });
    const name = cardText(doc, CARD, "name")!;
    name.delete(0, name.length);
    name.insert(0, "Managers join the second session");
    expect(documentText(doc)).toBe("Managers join the second session");
  });

  it("leaves nothing for a removed card or a malformed id, and does not throw", () => {
    const doc = docWith([paragraph("Text."), embed(CARD), embed("not an id!"), { type: "experimentCard" }]);
    createCard(doc, { id: CARD, name: "Gone soon", createdBy: "someone" });
    deleteCard(doc, CARD);
    expect(documentText(doc)).toBe("Text.");
  });

  it("keeps the card id through the Yjs round trip the editor and the server share", () => {
    const doc = docWith([embed(CARD)]);
    const json = yXmlFragmentToProsemirrorJSON(doc.getXmlFragment(DOCUMENT_FIELD));
    expect(json.content).toEqual([{ type: "experimentCard", attrs: { cardId: CARD } }]);
  });
});
