import { useEffect, useId, useRef, useState } from "react";
import { useRevalidator } from "@remix-run/react";
import type * as Y from "yjs";
import type { WebsocketProvider } from "y-websocket";
import {
  CARD_NAME_MAX,
  CARD_TEXT_MAX,
  DECISIONS,
  DECISION_LABELS,
  FIELD_LABELS,
  LEARNING_FIELDS,
  LOCKED_FIELDS,
  RATINGS,
  RATING_LABELS,
  STATUS_LABELS,
  VERDICTS,
  isDecision,
  isStarted,
  isVerdict,
  moveCard,
  setCardValue,
  type Card,
  type Verdict,
} from "~/lib/experiments/cards";
import { BoundText } from "./BoundText";
import { Dialog } from "./Dialog";
import { CriterionEvidence, evaluationText, formatValue, verdictNow, type CardEvidence } from "./evidence";
import { useEditingCard, type Peer } from "./hooks";
import { EditorsList, type Member } from "./parts";

const RATING_OPTIONS = [
  { value: 0, label: "Not rated" },
  { value: 1, label: "1 · Low" },
  { value: 2, label: "2 · Medium" },
  { value: 3, label: "3 · High" },
];

const HINTS: Partial<Record<(typeof LOCKED_FIELDS)[number] | "test", string>> = {
  hypothesis: "The riskiest assumption this test checks.",
  test: "The experiment: what you will do, with whom.",
  metric: "The data you will collect.",
  criterion: "The target that decides the verdict.",
};

const VERDICT_HINTS: Record<Verdict, string> = {
  validated: "The criterion was met.",
  invalidated: "The criterion was not met.",
  inconclusive: "The data doesn't decide it.",
};

export type DetailFocus = "name" | "learning" | null;

/** A test card (and, once concluded, its learning card) in a dialog, co-edited live. */
export function CardDetail({
  doc,
  provider,
  card,
  canWrite,
  members,
  userId,
  editors,
  focus,
  onClose,
  onDelete,
  returnFocus,
  preferFocus,
  evidence,
}: {
  doc: Y.Doc;
  provider: WebsocketProvider;
  card: Card;
  canWrite: boolean;
  members: Member[];
  userId: string;
  editors: Peer[];
  focus: DetailFocus;
  onClose: () => void;
  onDelete: (card: Card) => void;
  returnFocus: () => HTMLElement | null | undefined;
  preferFocus: () => HTMLElement | null | undefined;
  /** Criteria bound to feedback evidence; absent where the page doesn't load them. */
  evidence?: CardEvidence;
}) {
  useEditingCard(provider, canWrite ? card.id : null);
  const binding = evidence?.bindings.find((b) => b.cardId === card.id) ?? null;
  const recorded = evidence?.recorded[card.id] ?? null;
  // Opening a card, or its moving on (started, concluded, corrected by the server), refreshes what
  // the evidence says: responses may have arrived, and a conclusion records the numbers it used.
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const hasEvidence = Boolean(evidence);
  useEffect(() => {
    if (!hasEvidence) return;
    revalidate.current();
    // The server records a conclusion just after the move; look again once it has.
    const later = isVerdict(card.status) ? setTimeout(() => revalidate.current(), 1000) : null;
    return () => {
      if (later) clearTimeout(later);
    };
  }, [card.id, card.status, hasEvidence]);
  const [confirmStart, setConfirmStart] = useState(false);
  const [concluding, setConcluding] = useState(false);
  const [verdict, setVerdict] = useState<Verdict>("validated");
  const started = isStarted(card.status);
  const concluded = isVerdict(card.status);
  const nameOf = (id: string | null) => (id ? (members.find((m) => m.userId === id)?.name ?? "A former member") : null);
  const ids = { owner: useId(), deadline: useId(), decision: useId(), verdict: useId(), ratings: useId() };
  const learningRef = useRef<HTMLDivElement>(null);
  const actionsRef = useRef<HTMLDivElement>(null);
  const toggled = useRef(false);

  // Showing or hiding a confirmation moves focus to its first control (or back to the button).
  useEffect(() => {
    if (!toggled.current) return;
    toggled.current = false;
    actionsRef.current?.querySelector<HTMLElement>("input:checked, button")?.focus();
  }, [confirmStart, concluding, card.status]);
  const toggle = (set: (v: boolean) => void, value: boolean) => {
    toggled.current = true;
    set(value);
  };

  useEffect(() => {
    if (focus === "learning") learningRef.current?.querySelector<HTMLElement>("[data-field='observed']")?.focus();
  }, [focus]);

  const start = () => {
    toggled.current = true;
    moveCard(doc, card.id, "running", Number.MAX_SAFE_INTEGER);
    setConfirmStart(false);
  };
  const conclude = () => {
    // A bound criterion: the server computes the verdict; the card goes where the evidence points now.
    moveCard(doc, card.id, binding ? verdictNow(binding) : verdict, Number.MAX_SAFE_INTEGER);
    setConcluding(false);
    setTimeout(() => learningRef.current?.querySelector<HTMLElement>("[data-field='observed']")?.focus(), 0);
  };

  const ownerOptions = [{ value: "", label: "No owner" }, ...members.map((m) => ({ value: m.userId, label: m.userId === userId ? `${m.name} (you)` : m.name }))];
  if (card.owner && !members.some((m) => m.userId === card.owner)) ownerOptions.push({ value: card.owner, label: "A former member" });

  return (
    <Dialog
      title={card.name || "Untitled test card"}
      onClose={onClose}
      className="card-dialog"
      returnFocus={returnFocus}
      preferFocus={preferFocus}
      headerExtra={
        <span className="card-dialog-meta">
          <span className={`badge badge-experiment-${card.status}`}>
            <span className="visually-hidden">Status: </span>
            {STATUS_LABELS[card.status]}
          </span>
          <EditorsList editors={editors} />
        </span>
      }
    >
      {!canWrite ? <p className="readonly-note">Read-only: you can follow this card live but not change it.</p> : null}
      {started ? (
        <p className="lock-note" data-testid="lock-note">
          <span aria-hidden="true">🔒 </span>
          Started {card.startedAt ? new Date(card.startedAt).toLocaleString() : ""}
          {card.startedBy ? ` by ${nameOf(card.startedBy)}` : ""}. The hypothesis, metric and success criterion are locked: the result is judged
          against them.
        </p>
      ) : null}

      <section aria-labelledby={`${ids.ratings}-test`} className="card-section">
        <h3 id={`${ids.ratings}-test`}>Test card</h3>
        <BoundText
          doc={doc}
          cardId={card.id}
          field="name"
          label={FIELD_LABELS.name}
          multiline={false}
          readOnly={!canWrite}
          maxLength={CARD_NAME_MAX}
          placeholder="A short name for the test"
          autoFocus={focus === "name"}
        />
        <div className="form-row">
          <div className="field">
            <label htmlFor={ids.owner}>Owner</label>
            <select id={ids.owner} value={card.owner ?? ""} disabled={!canWrite} onChange={(e) => setCardValue(doc, card.id, "owner", e.target.value || null)}>
              {ownerOptions.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.deadline}>Deadline</label>
            <input
              id={ids.deadline}
              type="date"
              value={card.deadline ?? ""}
              readOnly={!canWrite}
              onChange={(e) => canWrite && setCardValue(doc, card.id, "deadline", e.target.value || null)}
            />
          </div>
        </div>
        {(["hypothesis", "test", "metric", "criterion"] as const).map((field) => {
          const locked = started && (LOCKED_FIELDS as readonly string[]).includes(field);
          return (
            <BoundText
              key={field}
              doc={doc}
              cardId={card.id}
              field={field}
              label={`${FIELD_LABELS[field]}${locked ? " (locked)" : ""}`}
              readOnly={!canWrite || locked}
              maxLength={CARD_TEXT_MAX}
              hint={locked ? "Locked since the test started." : HINTS[field]}
            />
          );
        })}
        {evidence ? <CriterionEvidence cardId={card.id} planned={card.status === "planned"} canWrite={canWrite} evidence={evidence} /> : null}
        <fieldset className="ratings">
          <legend>Ratings</legend>
          <div className="ratings-grid">
            {RATINGS.map((r) => (
              <div className="field" key={r}>
                <label htmlFor={`${ids.ratings}-${r}`}>{RATING_LABELS[r]}</label>
                <select
                  id={`${ids.ratings}-${r}`}
                  value={card.ratings[r]}
                  disabled={!canWrite}
                  onChange={(e) => setCardValue(doc, card.id, r, Number(e.target.value) || null)}
                >
                  {RATING_OPTIONS.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </div>
            ))}
          </div>
        </fieldset>
      </section>

      {canWrite && card.status === "planned" ? (
        <div className="card-actions" ref={actionsRef}>
          {confirmStart ? (
            <div className="confirm-box" role="group" aria-label="Confirm start">
              <p>Start this test? Its hypothesis, metric and success criterion will be locked and can't be changed afterwards.</p>
              <div className="form-actions">
                <button type="button" className="button" onClick={start}>
                  Start and lock
                </button>
                <button type="button" className="button button-secondary" onClick={() => toggle(setConfirmStart, false)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <div className="form-actions">
              <button type="button" className="button" onClick={() => toggle(setConfirmStart, true)}>
                Start test
              </button>
              <button type="button" className="button button-danger" onClick={() => onDelete(card)}>
                Delete card
              </button>
            </div>
          )}
        </div>
      ) : null}

      {canWrite && card.status === "running" ? (
        <div className="card-actions" ref={actionsRef}>
          {concluding ? (
            <div className="confirm-box">
              {binding ? (
                <div role="group" aria-label="Verdict" data-testid="verdict-from-evidence">
                  <p>
                    <strong>Verdict computed from evidence.</strong> The server decides it from the answers when you conclude: {evaluationText(binding)}.
                  </p>
                  <p>
                    As of now: <strong>{STATUS_LABELS[verdictNow(binding)]}</strong>
                    {binding.evaluation.verdict ? null : <span className="muted small"> (not enough data)</span>}
                  </p>
                </div>
              ) : (
                <fieldset>
                  <legend>Verdict</legend>
                  {VERDICTS.map((v) => (
                    <label key={v} className="radio">
                      <input type="radio" name={ids.verdict} value={v} checked={verdict === v} onChange={() => setVerdict(v)} />
                      <span>
                        <strong>{STATUS_LABELS[v]}</strong> <span className="muted small">{VERDICT_HINTS[v]}</span>
                      </span>
                    </label>
                  ))}
                </fieldset>
              )}
              <div className="form-actions">
                <button type="button" className="button" onClick={conclude}>
                  Conclude
                </button>
                <button type="button" className="button button-secondary" onClick={() => toggle(setConcluding, false)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <button type="button" className="button" onClick={() => toggle(setConcluding, true)}>
              Conclude test
            </button>
          )}
        </div>
      ) : null}

      {concluded ? (
        <section aria-labelledby={`${ids.ratings}-learning`} className="card-section learning-card" ref={learningRef}>
          <h3 id={`${ids.ratings}-learning`}>Learning card</h3>
          {LEARNING_FIELDS.map((field) => (
            <BoundText key={field} doc={doc} cardId={card.id} field={field} label={FIELD_LABELS[field]} readOnly={!canWrite} maxLength={CARD_TEXT_MAX} />
          ))}
          <div className="form-row">
            <div className="field">
              <label htmlFor={ids.decision}>Decision</label>
              <select
                id={ids.decision}
                value={card.decision ?? ""}
                disabled={!canWrite}
                onChange={(e) => setCardValue(doc, card.id, "decision", isDecision(e.target.value) ? e.target.value : null)}
              >
                <option value="">Not decided</option>
                {DECISIONS.map((d) => (
                  <option key={d} value={d}>
                    {DECISION_LABELS[d]}
                  </option>
                ))}
              </select>
            </div>
            {binding ? (
              <div className="field computed-verdict" data-testid="computed-verdict" role="group" aria-labelledby={ids.verdict}>
                <p id={ids.verdict}>
                  <strong>Verdict computed from evidence</strong>
                </p>
                <p>
                  <strong>{STATUS_LABELS[card.status]}</strong>
                  {" · "}
                  {recorded
                    ? `${formatValue(recorded.rule, recorded.value)} from ${recorded.n} response${recorded.n === 1 ? "" : "s"} (needed ${recorded.minResponses})`
                    : evaluationText(binding)}
                </p>
                <p className="small muted">The server decided it from the answers when the test was concluded; it can't be chosen by hand.</p>
              </div>
            ) : (
            <div className="field">
              <label htmlFor={ids.verdict}>Verdict</label>
              <select
                id={ids.verdict}
                value={card.status}
                disabled={!canWrite}
                onChange={(e) => isVerdict(e.target.value) && moveCard(doc, card.id, e.target.value, Number.MAX_SAFE_INTEGER)}
              >
                {VERDICTS.map((v) => (
                  <option key={v} value={v}>
                    {STATUS_LABELS[v]}
                  </option>
                ))}
              </select>
            </div>
            )}
          </div>
        </section>
      ) : null}
    </Dialog>
  );
}
