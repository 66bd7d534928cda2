import { NodeViewWrapper, ReactNodeViewRenderer, type ReactNodeViewProps } from "@tiptap/react";
import { createContext, useContext, useMemo, type MouseEvent, type ReactNode } from "react";
import type * as Y from "yjs";
import { ExperimentCard } from "~/lib/editor/experimentCard";
import { experimentAnchor } from "~/lib/experiments/anchor";
import { ExperimentStatusBadge } from "../ExperimentStatusBadge";
import { useCard } from "~/components/experiments/hooks";

/** Characters of the hypothesis an embed shows. */
const HYPOTHESIS_EXCERPT = 160;

export interface ExperimentCardOptions {
  /** The prototype's Y.Doc: the embed reads its card from the doc's experiments map. */
  doc: Y.Doc | null;
}

/** Member names by user id, for card owners (the page provides them; unknown ids read "a member"). */
export const MemberNamesContext = createContext<ReadonlyMap<string, string>>(new Map());

/** Gives embeds in the editor below it the workspace members' names. */
export function MemberNamesProvider({ members, children }: { members: { userId: string; name: string }[]; children: ReactNode }) {
  const names = useMemo(() => new Map(members.map((m) => [m.userId, m.name])), [members]);
  return <MemberNamesContext.Provider value={names}>{children}</MemberNamesContext.Provider>;
}

/** The embed with its live view, bound to one document (the server keeps the schema-only node). */
export function liveExperimentCard(doc: Y.Doc) {
  return ExperimentCard.extend<ExperimentCardOptions>({
    addOptions() {
      return { doc: null };
    },
    addNodeView() {
      return ReactNodeViewRenderer(ExperimentCardView);
    },
  }).configure({ doc });
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > HYPOTHESIS_EXCERPT ? `${flat.slice(0, HYPOTHESIS_EXCERPT - 1).trimEnd()}…` : flat;
}

/** Scrolls to the card on the board when it is on this page; otherwise the plain anchor navigates. */
function goToCard(event: MouseEvent<HTMLAnchorElement>, anchor: string) {
  const target = document.getElementById(anchor);
  if (!target) return;
  event.preventDefault();
  target.scrollIntoView({ behavior: "smooth", block: "center" });
  if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
  window.history.replaceState(window.history.state, "", `#${anchor}`);
}

function ExperimentCardView({ node, extension, selected }: ReactNodeViewProps) {
  const cardId = typeof node.attrs.cardId === "string" ? node.attrs.cardId : null;
  const doc = (extension.options as ExperimentCardOptions).doc;
  const card = useCard(doc, cardId);
  const names = useContext(MemberNamesContext);
  const className = `experiment-embed${selected ? " is-selected" : ""}${card ? "" : " experiment-embed-removed"}`;

  if (!card || !cardId) {
    return (
      <NodeViewWrapper className={className} data-experiment-card={cardId ?? ""} contentEditable={false}>
        <p className="experiment-embed-gone">
          <span className="experiment-embed-kind">Experiment</span> Card removed
        </p>
      </NodeViewWrapper>
    );
  }
  const anchor = experimentAnchor(card.id);
  const owner = card.owner ? (names.get(card.owner) ?? "a member") : null;
  return (
    <NodeViewWrapper className={className} data-experiment-card={card.id} contentEditable={false}>
      <div className="experiment-embed-head">
        <span className="experiment-embed-kind">Experiment</span>
        <ExperimentStatusBadge status={card.status} />
      </div>
      <p className="experiment-embed-name">
        <a href={`#${anchor}`} onClick={(event) => goToCard(event, anchor)} draggable={false}>
          {card.name || "Untitled experiment"}
        </a>
      </p>
      {card.hypothesis ? (
        <p className="experiment-embed-hypothesis">
          <span className="experiment-embed-label">We believe that </span>
          {excerpt(card.hypothesis)}
        </p>
      ) : null}
      <p className="experiment-embed-meta">
        Owner: {owner ?? "No owner"}
        {card.deadline ? <> · Deadline {card.deadline}</> : null}
      </p>
    </NodeViewWrapper>
  );
}
