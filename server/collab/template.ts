import * as Y from "yjs";
import { getSchema, type JSONContent } from "@tiptap/core";
import { prosemirrorJSONToYXmlFragment } from "@tiptap/y-tiptap";
import { DOCUMENT_FIELD, documentExtensions } from "../../app/lib/editor/extensions.js";

let schema: ReturnType<typeof getSchema> | null = null;

const text = (value: string): JSONContent => ({ type: "text", text: value });
const heading = (value: string): JSONContent => ({ type: "heading", attrs: { level: 2 }, content: [text(value)] });
const paragraph = (value?: string): JSONContent => (value ? { type: "paragraph", content: [text(value)] } : { type: "paragraph" });
const bullets = (items: string[]): JSONContent => ({
  type: "bulletList",
  content: items.map((item) => ({ type: "listItem", content: [paragraph(item)] })),
});
const tasks = (items: string[]): JSONContent => ({
  type: "taskList",
  content: items.map((item) => ({ type: "taskItem", attrs: { checked: false }, content: [paragraph(item)] })),
});

export interface TemplateInput {
  goalTitle: string | null;
  /** The sprint idea the prototype was made from: it opens the document, one paragraph per line. */
  idea?: string | null;
}

/** The starting document of a new prototype: the sections a pilot design needs, with prompts. */
export function templateContent({ goalTitle, idea }: TemplateInput): JSONContent {
  const ideaLines = (idea ?? "").split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return {
    type: "doc",
    content: [
      ...(ideaLines.length ? [heading("The idea"), ...ideaLines.map((line) => paragraph(line))] : []),
      heading("The problem"),
      paragraph("What is happening on the job today, for whom, and how do we know?"),
      heading("Audience"),
      paragraph("Who takes part in the pilot: roles, number of people, locations, what they already know."),
      heading("Leadership outcome"),
      paragraph(goalTitle ? `This pilot serves the goal: ${goalTitle}.` : "Which business goal does this pilot serve? Link a goal in the prototype's settings."),
      paragraph("What will leaders see change if it works?"),
      heading("Learning design"),
      paragraph("The experience: formats, sequence, time on and off the job, the practice and feedback people get."),
      heading("Pilot plan"),
      tasks(["Recruit participants and their managers", "Run the first session", "Collect feedback after each session", "Review the evidence with the sponsor"]),
      heading("Success measures"),
      bullets([
        "Reaction (Kirkpatrick level 1): ",
        "Learning (level 2): ",
        "Behaviour on the job (level 3): ",
        "Results (level 4): ",
      ]),
      heading("Risks and assumptions"),
      bullets(["We assume that… (turn each into an experiment card)"]),
    ],
  };
}

/** A Yjs update that creates the template document (stored as the document's first update). */
export function templateUpdate(input: TemplateInput): Uint8Array {
  schema ??= getSchema(documentExtensions());
  const doc = new Y.Doc();
  prosemirrorJSONToYXmlFragment(schema, templateContent(input), doc.getXmlFragment(DOCUMENT_FIELD));
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
