import * as Y from "yjs";
import type { Sql } from "../db/index.js";
import type { PrototypeEvents } from "../liveEvents.js";
import { loadDocumentState } from "../collab/updateLog.js";
import { documentText } from "../collab/text.js";
import { prototypeDocName } from "../../app/lib/editor/docName.js";
import { DECISION_NOTE_MAX, isDecisionKind, type DecisionKind } from "../../app/lib/decisions.js";
import type { Stage } from "../../app/lib/domain.js";
import { ServiceError } from "./errors.js";

/** One entry of a prototype's decision lane. */
export interface Decision {
  id: string;
  prototypeId: string;
  kind: DecisionKind;
  note: string;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: Date;
  /** Update-log position of the version it was made on. */
  docSeq: number;
  /** The stage change it caused, if any. */
  stageFrom: Stage | null;
  stageTo: Stage | null;
}

export interface DecisionWithState extends Decision {
  /** The full Yjs state of the document as it was when decided. */
  docState: Uint8Array;
  /** Its plain text (what the version view shows before, or without, the editor). */
  text: string;
}

export interface DecisionInput {
  workspaceId: string;
  prototypeId: string;
  /** From the session, never from the form. */
  userId: string;
  kind: string;
  note: string;
}

/** The stage "approve for pilot" moves a prototype to. */
const PILOT_STAGE: Stage = "piloting";

const columns = (sql: Sql) => sql`
  d.id, d.prototype_id as "prototypeId", d.kind, d.note, d.decided_by as "decidedBy", u.name as "decidedByName",
  d.decided_at as "decidedAt", d.doc_seq::int as "docSeq", d.stage_from as "stageFrom", d.stage_to as "stageTo"`;

/** An empty document's state, for a prototype whose document has nothing stored yet. */
function emptyState(): Uint8Array {
  const doc = new Y.Doc();
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

export function createDecisions({ sql, events }: { sql: Sql; events?: PrototypeEvents }) {
  return {
    /**
     * Records a decision on the document version everyone has seen (the durable update log: an
     * edit is logged before it is broadcast) and, for "approve for pilot" when the workspace
     * allows it, moves the prototype to piloting in the same transaction.
     */
    async record(input: DecisionInput): Promise<Decision> {
      if (!isDecisionKind(input.kind)) throw new ServiceError("invalid", "Choose one of the four decisions.", "kind");
      const kind = input.kind;
      const note = input.note.trim();
      if (note.length > DECISION_NOTE_MAX) {
        throw new ServiceError("invalid", `Keep the note under ${DECISION_NOTE_MAX.toLocaleString("en")} characters (it has ${note.length.toLocaleString("en")}).`, "note");
      }
      const id = await sql.begin(async (tx) => {
        // Locks the prototype so a concurrent stage change or decision sees this one's result.
        const [proto] = await tx<{ stage: Stage; archived: boolean; approveMovesStage: boolean }[]>`
          select p.stage, p.archived_at is not null as archived, w.approve_moves_stage as "approveMovesStage"
          from prototypes p join workspaces w on w.id = p.workspace_id
          where p.id = ${input.prototypeId} and p.workspace_id = ${input.workspaceId}
          for update of p`;
        if (!proto) throw new ServiceError("not_found", "This prototype no longer exists.");
        if (proto.archived) throw new ServiceError("invalid", "This prototype is archived; restore it before recording a decision.");
        const state = await loadDocumentState(tx, prototypeDocName(input.prototypeId));
        const moves = kind === "approve_pilot" && proto.approveMovesStage && proto.stage !== PILOT_STAGE;
        if (moves) {
          await tx`update prototypes set stage = ${PILOT_STAGE}, updated_at = now() where id = ${input.prototypeId}`;
        }
        const [row] = await tx<{ id: string }[]>`
          insert into decisions (workspace_id, prototype_id, kind, note, decided_by, doc_seq, doc_state, stage_from, stage_to)
          values (${input.workspaceId}, ${input.prototypeId}, ${kind}, ${note},
                  (select user_id from memberships where workspace_id = ${input.workspaceId} and user_id = ${input.userId}),
                  ${state.lastSeq}, ${Buffer.from(state.update ?? emptyState())},
                  ${moves ? proto.stage : null}, ${moves ? PILOT_STAGE : null})
          returning id`;
        return row.id;
      });
      const [decision] = await sql<Decision[]>`
        select ${columns(sql)} from decisions d left join users u on u.id = d.decided_by where d.id = ${id}`;
      events?.publish({ prototypeId: input.prototypeId, kind: "decision", id: decision.id });
      return decision;
    },

    /** A prototype's decision lane, newest first. */
    async list({ workspaceId, prototypeId }: { workspaceId: string; prototypeId: string }): Promise<Decision[]> {
      return sql<Decision[]>`
        select ${columns(sql)} from decisions d left join users u on u.id = d.decided_by
        where d.prototype_id = ${prototypeId} and d.workspace_id = ${workspaceId}
        order by d.decided_at desc, d.id desc`;
    },

    /** One decision with the document state it was made on; null when it isn't this prototype's. */
    async get({ workspaceId, prototypeId, decisionId }: { workspaceId: string; prototypeId: string; decisionId: string }): Promise<DecisionWithState | null> {
      const [row] = await sql<(Decision & { docState: Buffer })[]>`
        select ${columns(sql)}, d.doc_state as "docState" from decisions d left join users u on u.id = d.decided_by
        where d.id = ${decisionId} and d.prototype_id = ${prototypeId} and d.workspace_id = ${workspaceId}`;
      if (!row) return null;
      const docState = new Uint8Array(row.docState.buffer, row.docState.byteOffset, row.docState.byteLength);
      const doc = new Y.Doc();
      try {
        Y.applyUpdate(doc, docState);
        return { ...row, docState, text: documentText(doc) };
      } finally {
        doc.destroy();
      }
    },

    /** Whether "approve for pilot" moves a prototype to piloting in this workspace. */
    async approveMovesStage(workspaceId: string): Promise<boolean> {
      const [row] = await sql<{ enabled: boolean }[]>`select approve_moves_stage as enabled from workspaces where id = ${workspaceId}`;
      if (!row) throw new ServiceError("not_found", "This workspace no longer exists.");
      return row.enabled;
    },

    async setApproveMovesStage({ workspaceId, enabled }: { workspaceId: string; enabled: boolean }): Promise<void> {
      const rows = await sql`update workspaces set approve_moves_stage = ${enabled}, updated_at = now() where id = ${workspaceId} returning id`;
      if (!rows.length) throw new ServiceError("not_found", "This workspace no longer exists.");
    },
  };
}

export type Decisions = ReturnType<typeof createDecisions>;
