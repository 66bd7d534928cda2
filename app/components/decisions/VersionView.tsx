import { EditorContent, useEditor } from "@tiptap/react";
import Collaboration from "@tiptap/extension-collaboration";
import { useEffect, useState } from "react";
import * as Y from "yjs";
import { documentExtensions, DOCUMENT_FIELD } from "~/lib/editor/extensions";

function decodeBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A stored document version, read-only, in a Y.Doc of its own (never connected to the live one). */
function SnapshotEditor({ doc }: { doc: Y.Doc }) {
  const editor = useEditor(
    {
      immediatelyRender: false,
      editable: false,
      extensions: [...documentExtensions(), Collaboration.configure({ document: doc, field: DOCUMENT_FIELD })],
      editorProps: {
        attributes: {
          id: "decision-version",
          class: "prose",
          role: "textbox",
          "aria-multiline": "true",
          "aria-label": "Document as it was",
          "aria-readonly": "true",
        },
      },
    },
    [doc],
  );
  return <EditorContent editor={editor} className="editor-content" />;
}

/**
 * The document as it was when a decision was made: plain text from the server first (and without
 * JavaScript), then the formatted document built in the browser from the stored Yjs state.
 */
export function VersionView({ state, text }: { state: string; text: string }) {
  const [doc, setDoc] = useState<Y.Doc | null>(null);
  useEffect(() => {
    const d = new Y.Doc();
    Y.applyUpdate(d, decodeBase64(state));
    setDoc(d);
    return () => d.destroy();
  }, [state]);
  return (
    <div className="editor version-view" data-ready={doc ? "true" : "false"}>
      {doc ? <SnapshotEditor doc={doc} /> : <div className="version-text prose">{text || "The document was empty."}</div>}
    </div>
  );
}
