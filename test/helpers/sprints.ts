/**
 * Sprints for tests: created through the sprint service, with ideas written into the sprint's stored
 * live document, so a test can set up exactly the sprint it needs without the UI.
 */
import * as Y from "yjs";
import type { TestServer } from "./server.js";
import { sprintDocName } from "../../app/lib/editor/docName.js";
import { addIdea, ideasMap } from "../../app/lib/sprints/ideas.js";

export interface TestSprintInput {
  workspaceId: string;
  createdBy: string;
  name?: string;
  challenge?: string;
  goal?: string;
  participantIds?: string[];
  deciderId?: string | null;
  prototypeIds?: string[];
}

let counter = 0;

/**
 * Creates a sprint through the sprint service (default phases) with its participants, prototypes in
 * scope and, when given, the decider; returns its id. `createdBy` must be allowed to facilitate.
 */
export async function insertSprint(app: TestServer, input: TestSprintInput): Promise<string> {
  const { id } = await app.services.sprints.create({
    workspaceId: input.workspaceId,
    userId: input.createdBy,
    input: {
      name: input.name ?? `Sprint ${++counter}`,
      challenge: input.challenge ?? "",
      goal: input.goal ?? "",
      prototypeIds: input.prototypeIds ?? [],
      participantIds: input.participantIds ?? [],
    },
  });
  if (input.deciderId) await app.services.sprints.setDecider({ workspaceId: input.workspaceId, sprintId: id, userId: input.createdBy }, input.deciderId);
  return id;
}

/**
 * Appends idea notes to the sprint's stored document (as the collaboration server would store a
 * client's update); returns their ids in the order given. Call it before the document is open in
 * the collaboration server, or that server's copy won't know about them.
 */
export async function insertIdeas(app: TestServer, sprintId: string, texts: string[], author = { id: "test", name: "Test" }): Promise<string[]> {
  const doc = new Y.Doc();
  const ids: string[] = [];
  const now = Date.now();
  texts.forEach((text, i) => {
    const id = addIdea(doc, { text, author });
    ideasMap(doc)
      .get(id)
      ?.set("createdAt", now + i); // the order given, whatever the clock
    ids.push(id);
  });
  await app.db.sql`insert into doc_updates (doc_name, update) values (${sprintDocName(sprintId)}, ${Buffer.from(Y.encodeStateAsUpdate(doc))})`;
  doc.destroy();
  return ids;
}
