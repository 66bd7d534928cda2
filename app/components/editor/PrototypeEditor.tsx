import { EditorContent, useEditor, type Editor } from "@tiptap/react";
import Collaboration from "@tiptap/extension-collaboration";
import CollaborationCaret from "@tiptap/extension-collaboration-caret";
import { Placeholder } from "@tiptap/extensions";
import { useEffect } from "react";
import { documentExtensions, DOCUMENT_FIELD } from "~/lib/editor/extensions";
import { liveExperimentCard } from "./ExperimentCardView";
import { Presence } from "./Presence";
import { Toolbar } from "./Toolbar";
import { CommentHighlights } from "./CommentHighlights";
import { useConnectionState, type CollabDocument, type ConnectionState } from "./useCollabDocument";

export interface EditorUser {
  id: string;
  name: string;
  color: string;
}

const STATE_LABEL: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

/** The live connection's state for screen readers and eyes (the prototype editor, the sprint room). */
export function ConnectionIndicator({ state, unsynced }: { state: ConnectionState; unsynced: number }) {
  const detail =
    unsynced > 0
      ? `${unsynced} unsynced change${unsynced === 1 ? "" : "s"}`
      : state === "connected"
        ? "Live"
        : state === "connecting"
          ? "Loading the latest version"
          : "Your edits are kept and sent when the connection returns";
  return (
    <p className={`connection connection-${state}`} role="status" aria-live="polite" data-state={state} data-unsynced={unsynced}>
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-label">{STATE_LABEL[state]}</span>
      <span className="connection-detail">{detail}</span>
    </p>
  );
}

function LiveEditor({
  collab,
  user,
  canWrite,
  readOnlyNote,
  onEditor,
}: {
  collab: CollabDocument;
  user: EditorUser;
  canWrite: boolean;
  readOnlyNote: string;
  onEditor?: (editor: Editor | null) => void;
}) {
  const { state, unsynced, synced } = useConnectionState(collab);
  const editor = useEditor(
    {
      immediatelyRender: false,
      editable: canWrite,
      extensions: [
        ...documentExtensions({ experimentCard: liveExperimentCard(collab.doc) }),
        Placeholder.configure({ placeholder: canWrite ? "Write the pilot's design together…" : "" }),
        Collaboration.configure({ document: collab.doc, field: DOCUMENT_FIELD }),
        CollaborationCaret.configure({ provider: collab.provider, user: { id: user.id, name: user.name, color: user.color } }),
        CommentHighlights,
      ],
      editorProps: {
        attributes: {
          id: "prototype-document",
          class: "prose",
          role: "textbox",
          "aria-multiline": "true",
          "aria-label": "Prototype document",
          "aria-readonly": String(!canWrite),
        },
      },
    },
    [collab, canWrite],
  );

  useEffect(() => {
    editor?.setEditable(canWrite);
  }, [editor, canWrite]);

  // The comments panel beside the document works on this editor (anchors, highlights).
  useEffect(() => {
    onEditor?.(editor);
    return () => onEditor?.(null);
  }, [editor, onEditor]);

  return (
    <div className="editor" data-synced={synced}>
      <div className="editor-bar">
        {editor && canWrite ? <Toolbar editor={editor} /> : <p className="readonly-note">{readOnlyNote}</p>}
        <div className="editor-status">
          <Presence provider={collab.provider} selfId={user.id} />
          <ConnectionIndicator state={state} unsynced={unsynced} />
        </div>
      </div>
      {!synced && !editor?.getText() ? (
        <p className="editor-loading" aria-live="polite">
          Loading the document…
        </p>
      ) : null}
      <EditorContent editor={editor} className="editor-content" />
    </div>
  );
}

/** The live, co-edited design document of a prototype (its page opens the connection: see useCollabDocument). */
export function PrototypeEditor({
  collab,
  user,
  canWrite,
  readOnlyNote,
  onEditor,
}: {
  collab: CollabDocument | null;
  user: EditorUser;
  canWrite: boolean;
  readOnlyNote: string;
  onEditor?: (editor: Editor | null) => void;
}) {
  if (!collab) {
    return (
      <div className="editor">
        <p className="editor-loading" aria-live="polite">
          Loading the document…
        </p>
      </div>
    );
  }
  return <LiveEditor collab={collab} user={user} canWrite={canWrite} readOnlyNote={readOnlyNote} onEditor={onEditor} />;
}
