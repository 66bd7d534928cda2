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

/** The pilot plan's steps in a new prototype's template. */
export const PLAN_STEPS = ["Recruit participants and their managers", "Run the first session", "Collect feedback after each session", "Review the evidence with the sponsor"];

/** The success measures' lead-ins, Kirkpatrick levels 1 to 4. */
const LEVELS = ["Reaction (Kirkpatrick level 1): ", "Learning (level 2): ", "Behaviour on the job (level 3): ", "Results (level 4): "];

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
      tasks(PLAN_STEPS),
      heading("Success measures"),
      bullets(LEVELS),
      heading("Risks and assumptions"),
      bullets(["We assume that… (turn each into an experiment card)"]),
    ],
  };
}

/** A pilot design already written (the demo workspace's prototypes), section by section. */
export interface PilotDesign {
  problem: string[];
  audience: string[];
  /** After the goal line: what leaders will see change. */
  outcome: string[];
  learningDesign: string[];
  plan: { text: string; done: boolean }[];
  /** Kirkpatrick levels 1 to 4, in order. */
  measures: [string, string, string, string];
  risks: string[];
}

/** A written design in the template's sections, so it reads like a template a team has filled in. */
export function designContent(design: PilotDesign, goalTitle: string | null): JSONContent {
  return {
    type: "doc",
    content: [
      heading("The problem"),
      ...design.problem.map((line) => paragraph(line)),
      heading("Audience"),
      ...design.audience.map((line) => paragraph(line)),
      heading("Leadership outcome"),
      ...(goalTitle ? [paragraph(`This pilot serves the goal: ${goalTitle}.`)] : []),
      ...design.outcome.map((line) => paragraph(line)),
      heading("Learning design"),
      ...design.learningDesign.map((line) => paragraph(line)),
      heading("Pilot plan"),
      {
        type: "taskList",
        content: design.plan.map((step) => ({ type: "taskItem", attrs: { checked: step.done }, content: [paragraph(step.text)] })),
      },
      heading("Success measures"),
      bullets(design.measures.map((measure, i) => LEVELS[i] + measure)),
      heading("Risks and assumptions"),
      bullets(design.risks),
    ],
  };
}

/** A Yjs update that creates the template document (stored as the document's first update). */
export function templateUpdate(input: TemplateInput): Uint8Array {
  return contentUpdate(templateContent(input));
}

/** A Yjs update that creates a document holding `content` (Tiptap JSON in our schema). */
export function contentUpdate(content: JSONContent): Uint8Array {
  schema ??= getSchema(documentExtensions());
  const doc = new Y.Doc();
  prosemirrorJSONToYXmlFragment(schema, content, doc.getXmlFragment(DOCUMENT_FIELD));
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
