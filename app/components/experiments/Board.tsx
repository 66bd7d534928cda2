import { useCallback, useEffect, useId, useRef, useState, type DragEvent, type FocusEvent, type KeyboardEvent } from "react";
import { useIsomorphicLayoutEffect } from "~/lib/useIsomorphicLayoutEffect";
import type { CollabDocument } from "~/components/editor/useCollabDocument";
import {
  CARD_STATUSES,
  MAX_CARDS,
  STATUS_LABELS,
  canMove,
  cardToMap,
  cardsMap,
  column,
  createCard,
  deleteCard,
  isVerdict,
  moveCard,
  type Card,
  type CardStatus,
} from "~/lib/experiments/cards";
import { CardDetail, type DetailFocus } from "./CardDetail";
import { Dialog } from "./Dialog";
import { EvidenceSummary, type CardBinding, type CardEvidence } from "./evidence";
import { useCardEditors, useCards, useSynced, type Peer } from "./hooks";
import { experimentAnchor } from "~/lib/experiments/anchor";
import { EditorsList, formatDeadline, isOverdue, ratingsSummary, refusal, today, type Member } from "./parts";

interface Grab {
  id: string;
  from: CardStatus;
  status: CardStatus;
  index: number;
}

interface DropTarget {
  status: CardStatus;
  index: number;
  refused: string | null;
}

const UNDO_MS = 10_000;
const cardName = (card: Card) => card.name || "Untitled test card";
const refusalText = (from: CardStatus, to: CardStatus) => refusal(from, to) ?? "This move isn't allowed.";

/** The prototype's experiment cards as a live board: columns by status, ordered by priority. */
export function ExperimentsBoard({
  collab,
  userId,
  canWrite,
  members,
  evidence,
}: {
  collab: CollabDocument;
  userId: string;
  canWrite: boolean;
  members: Member[];
  /** Criteria bound to feedback evidence (bindings, their current values, what can be bound). */
  evidence?: CardEvidence;
}) {
  const { doc, provider } = collab;
  const cards = useCards(doc);
  const synced = useSynced(provider);
  // Links to a card (embeds, the workspace list) carry #experiment-<id>; the board appears only
  // once the document has synced, after the browser looked for that anchor, so look again then.
  const scrolledToHash = useRef(false);
  useEffect(() => {
    if (scrolledToHash.current || !cards.length || typeof window === "undefined") return;
    const hash = decodeURIComponent(window.location.hash.slice(1));
    if (!hash.startsWith("experiment-")) return;
    const target = document.getElementById(hash);
    if (!target) return;
    scrolledToHash.current = true;
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }, [cards]);
  const editors = useCardEditors(provider, userId);
  const instructionsId = useId();
  const [open, setOpenState] = useState<{ id: string; focus: DetailFocus } | null>(null);
  const setOpen = (value: { id: string; focus: DetailFocus } | null) => {
    if (value) justDeleted.current = false;
    setOpenState(value);
  };
  const [grab, setGrab] = useState<Grab | null>(null);
  const [drag, setDrag] = useState<{ id: string; from: CardStatus } | null>(null);
  const [dropTarget, setDropTarget] = useState<DropTarget | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [pendingStart, setPendingStart] = useState<{ id: string; index: number } | null>(null);
  const [deleted, setDeleted] = useState<Card | null>(null);
  const focusHandle = useRef<string | null>(null);
  const boardRef = useRef<HTMLDivElement>(null);
  const newButton = useRef<HTMLButtonElement>(null);
  const undoButton = useRef<HTMLButtonElement>(null);
  /** The open card was just deleted here: its dialog hands focus to the undo offer. */
  const justDeleted = useRef(false);

  const announce = useCallback((message: string) => {
    // Re-announce identical messages: clear first, then set a moment later (timers, not animation
    // frames, so a background tab still announces).
    setAnnouncement("");
    setTimeout(() => setAnnouncement(message), 30);
  }, []);

  const byId = new Map(cards.map((c) => [c.id, c]));
  const nameOf = (id: string | null) => (id ? (members.find((m) => m.userId === id)?.name ?? "A former member") : null);
  const openCard = open ? byId.get(open.id) : undefined;

  // Someone else deleted the card this person has open.
  useEffect(() => {
    if (open && !openCard && synced) {
      setOpen(null);
      setNotice("The card you had open was deleted.");
    }
  }, [open, openCard, synced]);

  // The undo offer expires.
  useEffect(() => {
    if (!deleted) return;
    const timer = setTimeout(() => setDeleted(null), UNDO_MS);
    return () => clearTimeout(timer);
  }, [deleted]);

  // Keyboard moves re-render the card in another place: keep focus on its handle (only when
  // focus was lost with the old element, never taking it from where the person moved it).
  useIsomorphicLayoutEffect(() => {
    const id = focusHandle.current;
    if (!id) return;
    const el = boardRef.current?.querySelector<HTMLElement>(`[data-move-handle="${id}"]`);
    const active = document.activeElement;
    if (el && active !== el && (!active || active === document.body)) el.focus();
    if (!grab) focusHandle.current = null;
  });

  const handleOf = (id: string) => boardRef.current?.querySelector<HTMLElement>(`[data-move-handle="${id}"]`) ?? boardRef.current?.querySelector<HTMLElement>(`[data-open-card="${id}"]`);

  /** Columns as shown: a card picked up with the keyboard is previewed where it would land. */
  const columns = CARD_STATUSES.map((status) => {
    let list = column(cards, status);
    if (grab) {
      list = list.filter((c) => c.id !== grab.id);
      const card = byId.get(grab.id);
      if (card && grab.status === status) list.splice(Math.min(grab.index, list.length), 0, card);
    }
    return { status, list };
  });

  const othersIn = (status: CardStatus, id: string) => column(cards, status).filter((c) => c.id !== id);

  const position = (status: CardStatus, index: number, id: string) => `${STATUS_LABELS[status]}, position ${index + 1} of ${othersIn(status, id).length + 1}`;

  /** Applies a move chosen by drag and drop or the keyboard; false when refused. */
  const performMove = (id: string, to: CardStatus, index: number): boolean => {
    const card = byId.get(id);
    if (!card) return false;
    if (!canMove(card.status, to)) {
      const why = refusalText(card.status, to);
      setNotice(why);
      announce(`Can't move ${cardName(card)} to ${STATUS_LABELS[to]}. ${why}`);
      return false;
    }
    if (card.status === "planned" && to === "running") {
      setPendingStart({ id, index });
      return true;
    }
    moveCard(doc, id, to, index);
    setNotice(null);
    announce(`${cardName(card)} dropped in ${position(to, Math.min(index, othersIn(to, id).length), id)}.`);
    if (isVerdict(to) && !isVerdict(card.status)) setOpen({ id, focus: "learning" });
    return true;
  };

  const confirmStart = () => {
    if (!pendingStart) return;
    const card = byId.get(pendingStart.id);
    moveCard(doc, pendingStart.id, "running", pendingStart.index);
    if (card) announce(`${cardName(card)} started: its hypothesis, metric and criterion are now locked.`);
    focusHandle.current = pendingStart.id;
    setPendingStart(null);
  };

  const onHandleKeyDown = (event: KeyboardEvent<HTMLButtonElement>, card: Card) => {
    const key = event.key;
    if (!grab || grab.id !== card.id) {
      if (key === " " || key === "Enter") {
        event.preventDefault();
        const index = column(cards, card.status).findIndex((c) => c.id === card.id);
        setGrab({ id: card.id, from: card.status, status: card.status, index });
        focusHandle.current = card.id;
        announce(
          `Picked up ${cardName(card)}. ${position(card.status, index, card.id)}. Use the arrow keys to move it, Space or Enter to drop it, Escape to cancel.`,
        );
      }
      return;
    }
    if (key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setGrab(null);
      focusHandle.current = card.id;
      announce(`Move cancelled. ${cardName(card)} is back in ${STATUS_LABELS[grab.from]}.`);
      return;
    }
    if (key === " " || key === "Enter") {
      event.preventDefault();
      setGrab(null);
      focusHandle.current = card.id;
      if (grab.status === grab.from && grab.index === column(cards, card.status).findIndex((c) => c.id === card.id)) {
        announce(`${cardName(card)} dropped where it was.`);
        return;
      }
      performMove(card.id, grab.status, grab.index);
      return;
    }
    let next: Grab | null = null;
    const col = CARD_STATUSES.indexOf(grab.status);
    if (key === "ArrowLeft" || key === "ArrowRight") {
      const to = CARD_STATUSES[col + (key === "ArrowLeft" ? -1 : 1)];
      if (to) next = { ...grab, status: to, index: Math.min(grab.index, othersIn(to, card.id).length) };
    } else if (key === "ArrowUp" || key === "ArrowDown") {
      const index = grab.index + (key === "ArrowUp" ? -1 : 1);
      if (index >= 0 && index <= othersIn(grab.status, card.id).length) next = { ...grab, index };
    } else return;
    event.preventDefault();
    if (!next) return;
    setGrab(next);
    focusHandle.current = card.id;
    const why = canMove(grab.from, next.status) ? "" : ` Can't drop here: ${refusalText(grab.from, next.status)}`;
    announce(`${cardName(card)}: ${position(next.status, next.index, card.id)}.${why}`);
  };

  // --- drag and drop -----------------------------------------------------------------------
  const dropIndex = (event: DragEvent<HTMLElement>, dragged: string) => {
    const items = [...event.currentTarget.querySelectorAll<HTMLElement>("[data-card-id]")].filter((el) => el.dataset.cardId !== dragged);
    return items.filter((el) => {
      const box = el.getBoundingClientRect();
      return box.top + box.height / 2 < event.clientY;
    }).length;
  };
  const onDragOver = (event: DragEvent<HTMLElement>, status: CardStatus) => {
    if (!drag) return;
    const index = dropIndex(event, drag.id);
    const refused = canMove(drag.from, status) ? null : refusalText(drag.from, status);
    if (!refused) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
    if (dropTarget?.status !== status || dropTarget.index !== index || dropTarget.refused !== refused) setDropTarget({ status, index, refused });
  };
  const onDrop = (event: DragEvent<HTMLElement>, status: CardStatus) => {
    event.preventDefault();
    if (!drag) return;
    performMove(drag.id, status, dropIndex(event, drag.id));
    setDrag(null);
    setDropTarget(null);
  };

  // --- create, delete, undo ---------------------------------------------------------------
  const newCard = () => {
    const id = crypto.randomUUID();
    createCard(doc, { id, name: "", createdBy: userId });
    setOpen({ id, focus: "name" });
    announce("New test card created in Planned.");
  };
  const remove = (card: Card) => {
    deleteCard(doc, card.id);
    justDeleted.current = true;
    setOpen(null);
    setDeleted(card);
    announce(`${cardName(card)} deleted. Undo is available for ten seconds.`);
  };
  const undo = () => {
    if (!deleted) return;
    if (!cardsMap(doc).has(deleted.id)) cardsMap(doc).set(deleted.id, cardToMap(deleted));
    announce(`${cardName(deleted)} restored.`);
    focusHandle.current = deleted.id;
    setDeleted(null);
  };

  const now = today();
  const full = cards.length >= MAX_CARDS;
  const newButtonEl = canWrite ? (
    <button type="button" className="button button-small" ref={newButton} onClick={newCard} disabled={full} title={full ? `A prototype holds up to ${MAX_CARDS} cards` : undefined}>
      New test card
    </button>
  ) : null;

  return (
    <div className="experiments" ref={boardRef} data-synced={synced}>
      <div className="experiments-bar">
        <p className="muted small experiments-intro">Turn each risky assumption into a test card, run it, and record what you learned.</p>
        {cards.length ? newButtonEl : null}
      </div>
      <p id={instructionsId} className="visually-hidden">
        Press Space or Enter to pick the card up, the arrow keys to move it between columns and positions, Space or Enter to drop it, Escape to cancel.
      </p>
      <div className="visually-hidden" aria-live="assertive" aria-atomic="true" data-testid="board-announcer">
        {announcement}
      </div>
      {notice ? (
        <div className="banner banner-info board-notice" role="status">
          {notice}{" "}
          <button type="button" className="link-button" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {!synced && cards.length === 0 ? (
        <p className="editor-loading" aria-live="polite">
          Loading experiments…
        </p>
      ) : cards.length === 0 ? (
        <div className="empty-state experiments-empty">
          <h3>No experiments yet</h3>
          <p>
            A test card states what you believe, how you'll test it, what you'll measure and what result would prove you right. Starting a test locks
            those, so the result is judged against goals that didn't move.
          </p>
          {canWrite ? newButtonEl : <p className="muted small">Editors of this prototype can add test cards.</p>}
        </div>
      ) : (
        <div className="board" role="group" aria-label="Experiment cards by status">
          {columns.map(({ status, list }) => {
            const target = dropTarget?.status === status ? dropTarget : null;
            const keyboardRefused = grab && grab.status === status && !canMove(grab.from, status) ? refusalText(grab.from, status) : null;
            const refused = target?.refused ?? keyboardRefused;
            const visibleIds = list.filter((c) => c.id !== drag?.id).map((c) => c.id);
            return (
              <section
                key={status}
                className={`board-column board-column-${status}${target && !target.refused ? " is-drop-target" : ""}${refused ? " is-refused" : ""}`}
                aria-labelledby={`${instructionsId}-${status}`}
                data-status={status}
                onDragOver={(e) => onDragOver(e, status)}
                onDragLeave={(e) => {
                  if (!e.currentTarget.contains(e.relatedTarget as Node | null) && dropTarget?.status === status) setDropTarget(null);
                }}
                onDrop={(e) => onDrop(e, status)}
              >
                <h3 id={`${instructionsId}-${status}`} className="board-column-title">
                  {STATUS_LABELS[status]} <span className="board-count">{list.length}</span>
                </h3>
                {refused ? (
                  <p className="board-refused" role="note">
                    {refused}
                  </p>
                ) : null}
                <ol className="board-list">
                  {list.map((card) => (
                    <CardItem
                      key={card.id}
                      card={card}
                      shownStatus={status}
                      canWrite={canWrite}
                      ownerName={nameOf(card.owner)}
                      overdue={isOverdue(card, now)}
                      editors={editors.get(card.id) ?? []}
                      binding={evidence?.bindings.find((b) => b.cardId === card.id) ?? null}
                      grabbed={grab?.id === card.id}
                      dragging={drag?.id === card.id}
                      dropBefore={target !== null && !target.refused && visibleIds[target.index] === card.id}
                      instructionsId={instructionsId}
                      onOpen={() => setOpen({ id: card.id, focus: null })}
                      onHandleKeyDown={(e) => onHandleKeyDown(e, card)}
                      onHandleBlur={(e) => {
                        // Focus went elsewhere (not lost to a re-render): the pick-up is abandoned.
                        if (grab?.id === card.id && e.relatedTarget instanceof HTMLElement) {
                          setGrab(null);
                          announce(`Move cancelled. ${cardName(card)} is back in ${STATUS_LABELS[grab.from]}.`);
                        }
                      }}
                      onDragStart={(e) => {
                        e.dataTransfer.setData("text/plain", card.id);
                        e.dataTransfer.effectAllowed = "move";
                        setDrag({ id: card.id, from: card.status });
                        setGrab(null);
                      }}
                      onDragEnd={() => {
                        setDrag(null);
                        setDropTarget(null);
                      }}
                    />
                  ))}
                  {target && !target.refused && target.index >= visibleIds.length ? <li className="drop-marker" aria-hidden="true" /> : null}
                </ol>
                {list.length === 0 && !target ? <p className="board-empty muted small">No cards</p> : null}
              </section>
            );
          })}
        </div>
      )}
      {deleted ? (
        <div className="toast" role="status">
          <span>Card deleted</span>
          <span aria-hidden="true"> · </span>
          <button type="button" className="link-button" ref={undoButton} onClick={undo} aria-label={`Undo deleting ${cardName(deleted)}`}>
            Undo
          </button>
        </div>
      ) : null}
      {open && openCard ? (
        <CardDetail
          key={open.id}
          doc={doc}
          provider={provider}
          card={openCard}
          canWrite={canWrite}
          members={members}
          userId={userId}
          editors={editors.get(open.id) ?? []}
          focus={open.focus}
          onClose={() => setOpen(null)}
          onDelete={remove}
          returnFocus={() => handleOf(open.id) ?? newButton.current}
          preferFocus={() => (justDeleted.current ? undoButton.current : null)}
          evidence={evidence}
        />
      ) : null}
      {pendingStart && byId.get(pendingStart.id) ? (
        <Dialog title="Start this test?" onClose={() => setPendingStart(null)} className="confirm-dialog" returnFocus={() => handleOf(pendingStart.id)}>
          <p>
            Starting “{cardName(byId.get(pendingStart.id)!)}” locks its hypothesis, metric and success criterion: they can't be changed afterwards, so the
            result is judged against them.
          </p>
          <div className="form-actions">
            <button type="button" className="button" onClick={confirmStart} data-autofocus>
              Start and lock
            </button>
            <button type="button" className="button button-secondary" onClick={() => setPendingStart(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}

function CardItem({
  card,
  shownStatus,
  canWrite,
  ownerName,
  overdue,
  editors,
  binding,
  grabbed,
  dragging,
  dropBefore,
  instructionsId,
  onOpen,
  onHandleKeyDown,
  onHandleBlur,
  onDragStart,
  onDragEnd,
}: {
  card: Card;
  shownStatus: CardStatus;
  canWrite: boolean;
  ownerName: string | null;
  overdue: boolean;
  editors: Peer[];
  binding: CardBinding | null;
  grabbed: boolean;
  dragging: boolean;
  dropBefore: boolean;
  instructionsId: string;
  onOpen: () => void;
  onHandleKeyDown: (e: KeyboardEvent<HTMLButtonElement>) => void;
  onHandleBlur: (e: FocusEvent<HTMLButtonElement>) => void;
  onDragStart: (e: DragEvent<HTMLElement>) => void;
  onDragEnd: () => void;
}) {
  const name = cardName(card);
  const ratings = ratingsSummary(card);
  return (
    <>
      {dropBefore ? <li className="drop-marker" aria-hidden="true" /> : null}
      <li
        className={`exp-card${grabbed ? " is-grabbed" : ""}${dragging ? " is-dragging" : ""}${overdue ? " is-overdue" : ""}${editors.length ? " is-being-edited" : ""}`}
        id={experimentAnchor(card.id)}
        tabIndex={-1}
        data-card-id={card.id}
        data-card-name={card.name}
        data-status={card.status}
        draggable={canWrite}
        onDragStart={canWrite ? onDragStart : undefined}
        onDragEnd={canWrite ? onDragEnd : undefined}
      >
        <div className="exp-card-head">
          <button type="button" className="exp-card-title" data-open-card={card.id} onClick={onOpen}>
            {name}
          </button>
          {canWrite ? (
            <button
              type="button"
              className={`move-handle tool${grabbed ? " is-active" : ""}`}
              data-move-handle={card.id}
              aria-label={`Move ${name}`}
              aria-describedby={instructionsId}
              aria-pressed={grabbed}
              onKeyDown={onHandleKeyDown}
              onBlur={onHandleBlur}
            >
              <span aria-hidden="true">⠿</span>
            </button>
          ) : null}
        </div>
        <dl className="exp-card-meta">
          <div>
            <dt className="visually-hidden">Status</dt>
            <dd>
              <span className={`badge badge-experiment-${card.status}`}>{STATUS_LABELS[card.status]}</span>
              {grabbed && shownStatus !== card.status ? <span className="muted small"> → {STATUS_LABELS[shownStatus]}</span> : null}
            </dd>
          </div>
          <div>
            <dt className="visually-hidden">Owner</dt>
            <dd>{ownerName ?? <span className="muted">No owner</span>}</dd>
          </div>
          {card.deadline ? (
            <div className={overdue ? "deadline-overdue" : undefined}>
              <dt className="visually-hidden">Deadline</dt>
              <dd>
                <time dateTime={card.deadline}>Due {formatDeadline(card.deadline)}</time>
                {overdue ? <strong className="overdue-flag"> · Overdue</strong> : null}
              </dd>
            </div>
          ) : null}
          {ratings ? (
            <div>
              <dt className="visually-hidden">Ratings</dt>
              <dd className="muted small">{ratings}</dd>
            </div>
          ) : null}
          {binding ? <EvidenceSummary binding={binding} /> : null}
        </dl>
        <EditorsList editors={editors} />
      </li>
    </>
  );
}
