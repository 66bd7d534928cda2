import { Link, useFetcher } from "@remix-run/react";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import * as Y from "yjs";
import { BoundYText } from "~/components/experiments/BoundText";
import type { CollabDocument } from "~/components/editor/useCollabDocument";
import {
  CLUSTER_NAME_MAX,
  IDEA_MAX,
  addCluster,
  addIdea,
  ideasMap,
  clustersMap,
  moveIdea,
  readClusters,
  readIdeas,
  removeCluster,
  removeIdea,
  renameCluster,
  type Cluster,
  type Idea,
} from "~/lib/sprints/ideas";

interface Board {
  ideas: Idea[];
  clusters: Cluster[];
}

/** The ideas and clusters of the document, re-read on every change (a board holds tens of notes). */
function useBoard(doc: Y.Doc): Board {
  const read = () => ({ ideas: readIdeas(doc), clusters: readClusters(doc) });
  const [board, setBoard] = useState<Board>(read);
  useEffect(() => {
    const update = () => setBoard(read());
    update();
    const ideas = ideasMap(doc);
    const clusters = clustersMap(doc);
    ideas.observeDeep(update);
    clusters.observeDeep(update);
    return () => {
      ideas.unobserveDeep(update);
      clusters.unobserveDeep(update);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc]);
  return board;
}

export interface IdeasBoardProps {
  collab: CollabDocument;
  self: { id: string; name: string };
  /** May change the board now (the server enforces the same on the connection). */
  canWrite: boolean;
  /** Why the board is read-only, when it is. */
  readOnlyReason: string | null;
  canFacilitate: boolean;
  /** May turn an idea into a prototype. */
  canMakePrototype: boolean;
  /** Prototypes already made from ideas. */
  outputs: { ideaId: string; prototypeId: string; title: string }[];
  workspaceId: string;
  /** Where "Make a prototype" posts. */
  actionUrl: string;
}

/**
 * The sprint's ideas board: notes co-edited live, grouped into clusters (a select per note moves
 * it: keyboard and screen-reader friendly), each turnable into a prototype in one step.
 */
export function IdeasBoard({ collab, self, canWrite, readOnlyReason, canFacilitate, canMakePrototype, outputs, workspaceId, actionUrl }: IdeasBoardProps) {
  const { doc } = collab;
  const { ideas, clusters } = useBoard(doc);
  const [announcement, setAnnouncement] = useState("");
  const groups = [
    ...clusters.map((c) => ({ id: c.id, name: c.name || "Untitled cluster", ideas: ideas.filter((i) => i.clusterId === c.id) })),
    { id: null, name: clusters.length ? "Not in a cluster" : "Ideas", ideas: ideas.filter((i) => i.clusterId === null) },
  ];
  const outputByIdea = new Map(outputs.map((o) => [o.ideaId, o]));

  return (
    <div className="ideas-board" data-readonly={!canWrite}>
      {readOnlyReason ? (
        <p className="banner banner-info ideas-readonly" role="status">
          {readOnlyReason}
        </p>
      ) : null}
      {canWrite ? <NewIdeaForms doc={doc} self={self} clusters={clusters} onAnnounce={setAnnouncement} /> : null}
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <p className="muted small" aria-live="polite">
        {ideas.length} idea{ideas.length === 1 ? "" : "s"}
        {clusters.length ? ` in ${clusters.length} cluster${clusters.length === 1 ? "" : "s"}` : ""}
      </p>
      {ideas.length === 0 ? (
        <p className="empty-note">{canWrite ? "No ideas yet. Add the first one above: quantity beats quality in this phase." : "No ideas yet."}</p>
      ) : null}
      {groups
        .filter((g) => g.ideas.length > 0 || g.id !== null)
        .map((group) => (
          <section key={group.id ?? "none"} className="idea-cluster" aria-label={group.name}>
            <div className="idea-cluster-head">
              <h3>
                {group.name} <span className="muted small">({group.ideas.length})</span>
              </h3>
              {group.id !== null && canWrite ? <ClusterActions doc={doc} cluster={{ id: group.id, name: group.name }} count={group.ideas.length} onAnnounce={setAnnouncement} /> : null}
            </div>
            {group.ideas.length === 0 ? <p className="muted small">Move ideas here with their “Cluster” menu.</p> : null}
            <ul className="idea-list">
              {group.ideas.map((idea) => (
                <IdeaNote
                  key={idea.id}
                  doc={doc}
                  idea={idea}
                  clusters={clusters}
                  canWrite={canWrite}
                  canRemove={canWrite && (canFacilitate || idea.authorId === self.id)}
                  canMakePrototype={canMakePrototype}
                  output={outputByIdea.get(idea.id) ?? null}
                  workspaceId={workspaceId}
                  actionUrl={actionUrl}
                  onAnnounce={setAnnouncement}
                />
              ))}
            </ul>
          </section>
        ))}
    </div>
  );
}

/**
 * Rename and delete for one cluster. Renaming opens a labelled field in place (Enter saves, Escape
 * cancels, the focus comes back to "Rename"); deleting keeps the ideas, which go back to no cluster.
 */
function ClusterActions({ doc, cluster, count, onAnnounce }: { doc: Y.Doc; cluster: Cluster; count: number; onAnnounce: (text: string) => void }) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(cluster.name);
  const [error, setError] = useState<string | null>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const returnFocus = useRef(false);
  useEffect(() => {
    if (editing) input.current?.focus();
    else if (returnFocus.current) renameButton.current?.focus();
    returnFocus.current = false;
  }, [editing]);
  const close = () => {
    returnFocus.current = true;
    setEditing(false);
    setError(null);
  };
  const onSave = (event: FormEvent) => {
    event.preventDefault();
    const next = name.trim();
    if (!next) {
      setError("Give the cluster a name.");
      return;
    }
    renameCluster(doc, cluster.id, next);
    onAnnounce(`Cluster renamed to “${next}”.`);
    close();
  };
  if (editing) {
    return (
      <form className="cluster-rename" aria-label={`Rename cluster “${cluster.name}”`} onSubmit={onSave}>
        <div className={`field field-inline${error ? " field-invalid" : ""}`}>
          <label htmlFor={`${id}-name`}>Cluster name</label>
          <input
            id={`${id}-name`}
            ref={input}
            maxLength={CLUSTER_NAME_MAX}
            value={name}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") close();
            }}
          />
        </div>
        <button type="submit" className="button button-small">
          Save
        </button>
        <button type="button" className="button button-small button-secondary" onClick={close}>
          Cancel
        </button>
        {error ? (
          <p className="field-error" id={`${id}-error`} role="alert">
            {error}
          </p>
        ) : null}
      </form>
    );
  }
  return (
    <div className="cluster-actions">
      <button
        type="button"
        ref={renameButton}
        className="link-button"
        aria-label={`Rename cluster “${cluster.name}”`}
        onClick={() => {
          setName(cluster.name);
          setEditing(true);
        }}
      >
        Rename
      </button>
      <button
        type="button"
        className="link-button danger-link"
        aria-label={`Delete cluster “${cluster.name}”`}
        onClick={() => {
          removeCluster(doc, cluster.id);
          onAnnounce(`Cluster “${cluster.name}” deleted${count ? `; its ${count === 1 ? "idea is" : `${count} ideas are`} in no cluster now` : ""}.`);
        }}
      >
        Delete
      </button>
    </div>
  );
}

/** The choices of a cluster menu: none, or one of the board's clusters. */
function ClusterOptions({ clusters }: { clusters: Cluster[] }) {
  return (
    <>
      <option value="">No cluster</option>
      {clusters.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name || "Untitled cluster"}
        </option>
      ))}
    </>
  );
}

function NewIdeaForms({ doc, self, clusters, onAnnounce }: { doc: Y.Doc; self: { id: string; name: string }; clusters: Cluster[]; onAnnounce: (text: string) => void }) {
  const id = useId();
  const [text, setText] = useState("");
  const [clusterId, setClusterId] = useState("");
  const [clusterName, setClusterName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const onIdea = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) {
      setError("Write the idea first.");
      return;
    }
    addIdea(doc, { text: text.trim(), clusterId: clusters.some((c) => c.id === clusterId) ? clusterId : null, author: self });
    setText("");
    setError(null);
    onAnnounce("Idea added.");
  };
  const onCluster = (event: FormEvent) => {
    event.preventDefault();
    if (!clusterName.trim()) return;
    addCluster(doc, clusterName);
    onAnnounce(`Cluster “${clusterName.trim()}” added.`);
    setClusterName("");
  };
  return (
    <div className="idea-forms">
      <form onSubmit={onIdea} className="new-idea" aria-label="Add an idea">
        <div className={`field${error ? " field-invalid" : ""}`}>
          <label htmlFor={`${id}-idea`}>New idea</label>
          <textarea
            id={`${id}-idea`}
            rows={2}
            maxLength={IDEA_MAX}
            value={text}
            placeholder="One idea per note, e.g. “Managers shadow a peer's 1:1 in week two”"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              // Ctrl/Cmd+Enter adds the note without leaving the keyboard.
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) onIdea(e);
            }}
          />
          {error ? (
            <p className="field-error" id={`${id}-error`} role="alert">
              {error}
            </p>
          ) : null}
        </div>
        {clusters.length ? (
          <div className="field">
            <label htmlFor={`${id}-cluster`}>In cluster</label>
            <select id={`${id}-cluster`} value={clusterId} onChange={(e) => setClusterId(e.target.value)}>
              <ClusterOptions clusters={clusters} />
            </select>
          </div>
        ) : null}
        <button type="submit" className="button">
          Add idea
        </button>
      </form>
      <form onSubmit={onCluster} className="new-cluster" aria-label="Add a cluster">
        <div className="field">
          <label htmlFor={`${id}-cluster-name`}>New cluster</label>
          <input id={`${id}-cluster-name`} maxLength={CLUSTER_NAME_MAX} value={clusterName} placeholder="e.g. Peer learning" onChange={(e) => setClusterName(e.target.value)} />
        </div>
        <button type="submit" className="button button-secondary" disabled={!clusterName.trim()}>
          Add cluster
        </button>
      </form>
    </div>
  );
}

function IdeaNote({
  doc,
  idea,
  clusters,
  canWrite,
  canRemove,
  canMakePrototype,
  output,
  workspaceId,
  actionUrl,
  onAnnounce,
}: {
  doc: Y.Doc;
  idea: Idea;
  clusters: Cluster[];
  canWrite: boolean;
  canRemove: boolean;
  canMakePrototype: boolean;
  output: { prototypeId: string; title: string } | null;
  workspaceId: string;
  actionUrl: string;
  onAnnounce: (text: string) => void;
}) {
  const id = useId();
  const fetcher = useFetcher<{ ok?: boolean; formError?: string | null }>();
  const map = ideasMap(doc).get(idea.id);
  const value = map instanceof Y.Map ? map.get("text") : null;
  const text = value instanceof Y.Text ? value : idea.text;
  const first = idea.text.trim().split("\n")[0] || "Empty idea";
  const making = fetcher.state !== "idle";
  return (
    <li className="idea" data-idea-id={idea.id}>
      <BoundYText doc={doc} text={text} field={`idea-${idea.id}`} label={`Idea by ${idea.authorName || "someone"}`} readOnly={!canWrite} maxLength={IDEA_MAX} />
      <div className="idea-actions">
        <div className="field field-inline">
          <label htmlFor={`${id}-cluster`}>Cluster</label>
          <select
            id={`${id}-cluster`}
            value={idea.clusterId ?? ""}
            disabled={!canWrite}
            onChange={(e) => {
              const target = e.target.value || null;
              moveIdea(doc, idea.id, target);
              onAnnounce(`Moved to ${clusters.find((c) => c.id === target)?.name ?? "no cluster"}.`);
            }}
          >
            <ClusterOptions clusters={clusters} />
          </select>
        </div>
        {output ? (
          <Link to={`/w/${workspaceId}/prototypes/${output.prototypeId}`} className="idea-output">
            Prototype: {output.title}
          </Link>
        ) : canMakePrototype ? (
          <fetcher.Form method="post" action={actionUrl}>
            <input type="hidden" name="intent" value="makePrototype" />
            <input type="hidden" name="ideaId" value={idea.id} />
            <button type="submit" className="button button-small button-secondary" aria-disabled={making || undefined} aria-label={`Make a prototype from “${first}”`}>
              {making ? "Making…" : "Make a prototype"}
            </button>
          </fetcher.Form>
        ) : null}
        {canRemove ? (
          <button
            type="button"
            className="link-button danger-link"
            aria-label={`Remove idea “${first}”`}
            onClick={() => {
              removeIdea(doc, idea.id);
              onAnnounce("Idea removed.");
            }}
          >
            Remove
          </button>
        ) : null}
      </div>
      {fetcher.data?.formError ? (
        <p className="field-error" role="alert">
          {fetcher.data.formError}
        </p>
      ) : null}
    </li>
  );
}
