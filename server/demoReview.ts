/**
 * The demo workspace's leadership review of the piloting prototype: the decision that approved
 * the pilot (pinned to the document version it was made on) and comment threads anchored in the
 * design document, one with a reply and a mention, so the demo user's inbox has something in it.
 * Stored as the comments and decisions services store them.
 */
import * as Y from "yjs";
import type { TransactionSql } from "./db/index.js";
import { prototypeDocName } from "../app/lib/editor/docName.js";
import { DOCUMENT_FIELD } from "../app/lib/editor/extensions.js";
import { anchorRange } from "../app/lib/comments/anchors.js";
import { mentionToken } from "../app/lib/comments/mentions.js";
import { loadDocumentState } from "./collab/updateLog.js";

const DAY = 86_400_000;

/** The demo workspace's people by email. */
export type DemoPeople = Map<string, { id: string; name: string }>;

/** Someone the demo content names; a name missing from the workspace is a mistake in that content. */
export function demoPerson(people: DemoPeople, email: string): { id: string; name: string } {
  const found = people.get(email);
  if (!found) throw new Error(`the demo content names ${email}, who is not in the demo workspace`);
  return found;
}

interface DemoThread {
  /** Text of the design document the thread is anchored to (found in one paragraph). */
  quote: string;
  daysAgo: number;
  comments: {
    by: string;
    body: (name: (email: string) => string) => string;
    hoursLater?: number;
  }[];
}

const THREADS: DemoThread[] = [
  {
    quote: "reps who ran a live discovery call in week 3 reached it 6 weeks sooner",
    daysAgo: 5,
    comments: [
      {
        by: "marcus@example.com",
        body: (name) => `This is the number I will take to the sales VP. ${name("dana@example.com")} can we show it per cohort once sprint 2 ends?`,
      },
      {
        by: "priya@example.com",
        body: () => "Yes: the Friday pulse asks every rep each week, so we can split it by Lisbon and Chicago after sprint 2.",
        hoursLater: 20,
      },
    ],
  },
  {
    quote: "Managers run a 20-minute Friday debrief with each rep",
    daysAgo: 2,
    comments: [
      {
        by: "marcus@example.com",
        body: () => "Will managers keep this slot through quarter end? Worth agreeing a fallback before the last two sprints.",
      },
    ],
  },
];

const DECISION = {
  by: "marcus@example.com",
  daysAgo: 20,
  note: "Run it with the Lisbon and Chicago cohorts. Bring the week-3 live-call rate to the next steering meeting.",
};

/** The Y.XmlText of the document that contains `quote`, with the quote's offset in it. */
function findText(fragment: Y.XmlFragment, quote: string): { text: Y.XmlText; index: number } | null {
  for (const node of fragment.createTreeWalker((n) => n instanceof Y.XmlText)) {
    const text = node as Y.XmlText;
    const plain = (text.toDelta() as { insert: unknown }[]).map((d) => (typeof d.insert === "string" ? d.insert : "")).join("");
    const index = plain.indexOf(quote);
    if (index >= 0) return { text, index };
  }
  return null;
}

/**
 * Adds the approval decision (the prototype went from Prototyping to Piloting with it) and the
 * comment threads to `prototypeId`, whose starting document is already in the update log.
 */
export async function seedDemoReview(
  tx: TransactionSql,
  { workspaceId, prototypeId, people, now = Date.now() }: { workspaceId: string; prototypeId: string; people: DemoPeople; now?: number },
): Promise<void> {
  const person = (email: string) => demoPerson(people, email);
  const stored = await loadDocumentState(tx, prototypeDocName(prototypeId));
  const doc = new Y.Doc();
  if (stored.update) Y.applyUpdate(doc, stored.update);

  await tx`
    insert into decisions (workspace_id, prototype_id, kind, note, decided_by, decided_at, doc_seq, doc_state, stage_from, stage_to)
    values (${workspaceId}, ${prototypeId}, 'approve_pilot', ${DECISION.note}, ${person(DECISION.by).id}, ${new Date(now - DECISION.daysAgo * DAY)},
            ${stored.lastSeq}, ${Buffer.from(Y.encodeStateAsUpdate(doc))}, 'prototyping', 'piloting')`;

  const fragment = doc.getXmlFragment(DOCUMENT_FIELD);
  for (const thread of THREADS) {
    const found = findText(fragment, thread.quote);
    if (!found) throw new Error(`the demo design of ${prototypeId} has no "${thread.quote}" to comment on`);
    const { start, end } = anchorRange(found.text, found.index, found.index + thread.quote.length);
    const openedAt = now - thread.daysAgo * DAY;
    const author = person(thread.comments[0].by);
    const [row] = await tx<{ id: string }[]>`
      insert into comment_threads (workspace_id, prototype_id, anchor_start, anchor_end, quote, created_by, created_at)
      values (${workspaceId}, ${prototypeId}, ${Buffer.from(Y.encodeRelativePosition(start))}, ${Buffer.from(Y.encodeRelativePosition(end))},
              ${thread.quote}, ${author.id}, ${new Date(openedAt)})
      returning id`;
    for (const [i, comment] of thread.comments.entries()) {
      const by = person(comment.by);
      const at = new Date(openedAt + (comment.hoursLater ?? 0) * 3_600_000);
      const mentioned: string[] = [];
      const body = comment.body((email) => {
        mentioned.push(person(email).id);
        return mentionToken(person(email));
      });
      const [c] = await tx<{ id: string }[]>`
        insert into comments (thread_id, author_id, body, created_at) values (${row.id}, ${by.id}, ${body}, ${at}) returning id`;
      // The inbox items the comments service writes: mentions, and a reply for the thread's author.
      const notified = new Map(mentioned.filter((id) => id !== by.id).map((id) => [id, "mention"]));
      if (i > 0 && author.id !== by.id && !notified.has(author.id)) notified.set(author.id, "reply");
      for (const [userId, kind] of notified) {
        await tx`insert into inbox_items (user_id, workspace_id, kind, comment_id, created_at) values (${userId}, ${workspaceId}, ${kind}, ${c.id}, ${at})`;
      }
    }
  }
  doc.destroy();
}
