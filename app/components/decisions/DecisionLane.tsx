import { Form, Link } from "@remix-run/react";
import { DateTime } from "~/components/DateTime";
import { StageBadge } from "~/components/records";
import { FormError, SubmitButton, TextArea } from "~/components/ui";
import { DECISION_KINDS, DECISION_LABELS, DECISION_NOTE_MAX, type DecisionKind } from "~/lib/decisions";
import type { Stage } from "~/lib/domain";

/** A decision as the page's loader delivers it (dates serialized). */
export interface DecisionItem {
  id: string;
  kind: DecisionKind;
  note: string;
  decidedByName: string | null;
  decidedAt: string | Date;
  stageFrom: Stage | null;
  stageTo: Stage | null;
}

export interface DecideFailure {
  fieldErrors: Record<string, string>;
  formError: string | null;
  values: Record<string, string>;
}

const HINTS: Record<DecisionKind, string> = {
  approve_pilot: "Ready to run with real participants.",
  request_changes: "The design needs work first.",
  ask_evidence: "Show what the experiments and feedback say.",
  fund_next_phase: "Put resources behind the next phase.",
};

/**
 * The decision lane: commenters and above record a decision with a note; everyone sees the
 * timeline, newest first, each entry linked to the document version it was made on.
 */
export function DecisionLane({
  decisions,
  canDecide,
  approveMovesStage,
  versionUrl,
  failure,
  live,
}: {
  decisions: DecisionItem[];
  canDecide: boolean;
  approveMovesStage: boolean;
  versionUrl: (decisionId: string) => string;
  failure: DecideFailure | null;
  live: string;
}) {
  const errors = failure?.fieldErrors ?? {};
  return (
    <section className="card decisions-card" aria-labelledby="decisions-heading">
      <h2 id="decisions-heading">Decisions</h2>
      {canDecide ? (
        // Keyed on the newest decision so a recorded decision clears the form.
        <Form method="post" noValidate preventScrollReset key={decisions[0]?.id ?? "none"} className="decision-form">
          <FormError message={failure?.formError} />
          <fieldset aria-describedby={errors.kind ? "decision-kind-error" : undefined}>
            <legend>Decision</legend>
            {DECISION_KINDS.map((kind) => (
              <label key={kind} className="radio">
                <input type="radio" name="kind" value={kind} defaultChecked={failure?.values.kind === kind} required />
                <span>
                  <strong>{DECISION_LABELS[kind]}</strong>{" "}
                  <span className="muted small">
                    {HINTS[kind]}
                    {kind === "approve_pilot" && approveMovesStage ? " Moves the prototype to Piloting." : ""}
                  </span>
                </span>
              </label>
            ))}
            {errors.kind ? (
              <p className="field-error" id="decision-kind-error" role="alert">
                {errors.kind}
              </p>
            ) : null}
          </fieldset>
          <TextArea
            label="Note"
            name="note"
            rows={3}
            maxLength={DECISION_NOTE_MAX}
            defaultValue={failure?.values.note ?? ""}
            hint="Why, and what happens next. Everyone in the workspace sees it."
            error={errors.note}
          />
          <div className="form-actions">
            <SubmitButton intent="decide" pendingText="Recording…">
              Record decision
            </SubmitButton>
          </div>
        </Form>
      ) : null}
      <p className="muted small decisions-live" aria-live="polite">
        {live}
      </p>
      {decisions.length ? (
        <ol className="decision-timeline" aria-label="Decision timeline">
          {decisions.map((d) => (
            <li key={d.id} className={`decision decision-${d.kind}`} data-testid="decision">
              <p className="decision-head">
                <strong className="decision-kind">{DECISION_LABELS[d.kind]}</strong>
                <span className="muted small">
                  {" "}
                  by {d.decidedByName ?? "a former member"}, <DateTime date={d.decidedAt} />
                </span>
              </p>
              {d.stageFrom && d.stageTo ? (
                <p className="decision-stage small">
                  Moved the stage from <StageBadge stage={d.stageFrom} /> to <StageBadge stage={d.stageTo} />
                </p>
              ) : null}
              {/* Plain text: React escapes it; line breaks kept by CSS. */}
              {d.note ? <p className="decision-note">{d.note}</p> : null}
              <p className="small">
                <Link to={versionUrl(d.id)}>
                  Made on the version of <DateTime date={d.decidedAt} />
                </Link>
              </p>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No decisions yet.</p>
      )}
    </section>
  );
}
