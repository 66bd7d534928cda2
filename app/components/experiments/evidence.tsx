import { useFetcher } from "@remix-run/react";
import { useEffect, useId, useState } from "react";
import { describeRule, RULE_LABELS, rulesFor, thresholdRange, type Evaluation, type RecordedEvidence, type Rule } from "~/lib/feedback/criteria";
import type { Choice, QuestionKind } from "~/lib/feedback/questions";
import { STATUS_LABELS } from "~/lib/experiments/cards";

/** A question a criterion can be bound to (rating, NPS or choice). */
export interface BindableQuestion {
  id: string;
  prompt: string;
  kind: QuestionKind;
  choices: Choice[];
}

export interface BindableForm {
  formId: string;
  formTitle: string;
  questions: BindableQuestion[];
}

/** A card's criterion binding and what the evidence says now (from the page's loader). */
export interface CardBinding {
  cardId: string;
  questionId: string;
  rule: Rule;
  threshold: number;
  choiceId: string | null;
  choiceLabel: string | null;
  minResponses: number;
  prompt: string;
  kind: QuestionKind;
  formId: string;
  formTitle: string;
  evaluation: Evaluation;
}

/** What the board needs to show and edit criteria bound to evidence. */
export interface CardEvidence {
  forms: BindableForm[];
  bindings: CardBinding[];
  /** Card id → the evidence its computed verdict was based on. */
  recorded: Record<string, RecordedEvidence>;
  /** Where the card dialog posts bind / unbind. */
  bindingUrl: (cardId: string) => string;
  /** The prototype's feedback forms page. */
  feedbackUrl: string;
}

/** Default minimum sample for a new binding. */
export const DEFAULT_MIN_RESPONSES = 20;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "4.3", "NPS 35", "62%" */
export function formatValue(rule: Rule, value: number | null): string {
  if (value === null) return "no answers";
  if (rule === "mean_gte") return value.toLocaleString("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  if (rule === "nps_gte") return String(Math.round(value));
  return `${Math.round(value)}%`;
}

/** "Now 4.3 · 12 of 20 responses needed · Not enough data yet" */
export function evaluationText(binding: { rule: Rule; minResponses: number; evaluation: Pick<Evaluation, "value" | "n" | "met"> }): string {
  const { value, n, met } = binding.evaluation;
  if (n === 0) return `Not enough data yet · 0 of ${binding.minResponses} responses needed`;
  const now = `Now ${formatValue(binding.rule, value)}`;
  if (n < binding.minResponses || met === null) return `${now} · ${n} of ${binding.minResponses} responses needed · Not enough data yet`;
  return `${now} · ${plural(n, "response")} · ${met ? "criterion met" : "criterion not met"}`;
}

/** The verdict the evidence would give now. */
export const verdictNow = (binding: CardBinding) => binding.evaluation.verdict ?? "inconclusive";

/** Short summary for a board tile. */
export function EvidenceSummary({ binding }: { binding: CardBinding }) {
  return (
    <div className="exp-card-evidence" data-testid="card-evidence">
      <dt className="visually-hidden">Evidence</dt>
      <dd className="small">
        <span className="evidence-rule">{describeRule(binding)}</span>
        <br />
        <span className={binding.evaluation.met === null ? "muted" : undefined}>{evaluationText(binding)}</span>
      </dd>
    </div>
  );
}

interface ActionResult {
  ok: boolean;
  intent: "bind" | "unbind" | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
}

/**
 * The card dialog's "bound to evidence" part: shows the binding and its current value; lets a
 * writer bind, change or unbind it while the card is planned; read-only with a lock note after.
 */
export function CriterionEvidence({ cardId, planned, canWrite, evidence }: { cardId: string; planned: boolean; canWrite: boolean; evidence: CardEvidence }) {
  const binding = evidence.bindings.find((b) => b.cardId === cardId) ?? null;
  const fetcher = useFetcher<ActionResult>();
  const [editing, setEditing] = useState(false);
  const editable = canWrite && planned;
  const headingId = useId();
  const result = fetcher.state === "idle" ? fetcher.data : undefined;

  // A successful bind closes the editor; the page's loader has reloaded the binding by then.
  useEffect(() => {
    if (result?.ok) setEditing(false);
  }, [result]);

  const bindable = evidence.forms.some((f) => f.questions.length > 0);
  return (
    <section className="criterion-evidence" aria-labelledby={headingId} data-testid="criterion-evidence">
      <h4 id={headingId}>Evidence for the criterion</h4>
      {binding ? (
        <div className="criterion-binding" data-testid="criterion-binding">
          <p>
            <strong>{describeRule(binding)}</strong>
          </p>
          <p className="small muted">
            Question: “{binding.prompt}” in {binding.formTitle}
          </p>
          <p data-testid="criterion-value" className={binding.evaluation.met === null ? "not-enough" : undefined}>
            {evaluationText(binding)}
          </p>
          {!planned ? (
            <p className="lock-note small">
              <span aria-hidden="true">🔒 </span>Locked since the test started: the verdict is computed from this evidence when the test is concluded.
            </p>
          ) : (
            <p className="small muted">The verdict will be computed from this evidence when the test is concluded.</p>
          )}
        </div>
      ) : !editable ? (
        <p className="small muted">Not bound to evidence: the team chooses the verdict.</p>
      ) : null}
      {result && !result.ok && result.formError && !editing ? (
        <p className="banner banner-error" role="alert">
          {result.formError}
        </p>
      ) : null}
      {editable && !editing ? (
        bindable ? (
          <div className="form-actions">
            <button type="button" className="button button-small button-secondary" onClick={() => setEditing(true)}>
              {binding ? "Change binding" : "Bind to evidence"}
            </button>
            {binding ? (
              <fetcher.Form method="post" action={evidence.bindingUrl(cardId)}>
                <input type="hidden" name="intent" value="unbind" />
                <button type="submit" className="button button-small button-secondary" disabled={fetcher.state !== "idle"}>
                  Unbind
                </button>
              </fetcher.Form>
            ) : null}
          </div>
        ) : !binding ? (
          <p className="small muted">
            To compute the verdict from data, add a rating, NPS or choice question to one of this prototype's{" "}
            <a href={evidence.feedbackUrl}>feedback forms</a>.
          </p>
        ) : null
      ) : null}
      {editable && editing ? (
        <BindingForm
          key={binding ? `${binding.questionId}:${binding.rule}` : "new"}
          fetcher={fetcher}
          action={evidence.bindingUrl(cardId)}
          forms={evidence.forms}
          binding={binding}
          result={result}
          onCancel={() => setEditing(false)}
        />
      ) : null}
    </section>
  );
}

function BindingForm({
  fetcher,
  action,
  forms,
  binding,
  result,
  onCancel,
}: {
  fetcher: ReturnType<typeof useFetcher<ActionResult>>;
  action: string;
  forms: BindableForm[];
  binding: CardBinding | null;
  result: ActionResult | undefined;
  onCancel: () => void;
}) {
  const questions = forms.flatMap((f) => f.questions);
  const [questionId, setQuestionId] = useState(binding?.questionId ?? questions[0]?.id ?? "");
  const question = questions.find((q) => q.id === questionId) ?? null;
  const rules = question ? rulesFor(question.kind) : [];
  const [rule, setRule] = useState<Rule | "">(binding?.rule ?? rules[0] ?? "");
  const currentRule = rule && rules.includes(rule) ? rule : (rules[0] ?? "");
  const range = currentRule && question ? thresholdRange(currentRule, question.kind) : null;
  const id = useId();
  const errors = result && !result.ok ? result.fieldErrors : {};
  const field = (name: string) => ({
    id: `${id}-${name}`,
    name,
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `${id}-${name}-error` : undefined,
  });
  const error = (name: string) =>
    errors[name] ? (
      <p className="field-error" id={`${id}-${name}-error`} role="alert">
        {errors[name]}
      </p>
    ) : null;
  const defaultThreshold = (r: Rule | "") => (r === "nps_gte" ? 30 : r === "share_gte" ? 60 : question?.kind === "nps" ? 8 : 4);
  const keepThreshold = binding && binding.rule === currentRule && binding.questionId === questionId;

  return (
    <fetcher.Form method="post" action={action} className="binding-form" noValidate>
      <input type="hidden" name="intent" value="bind" />
      {result && !result.ok && result.formError ? (
        <p className="banner banner-error" role="alert">
          {result.formError}
        </p>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-questionId`}>Question</label>
        <select {...field("questionId")} value={questionId} onChange={(e) => setQuestionId(e.target.value)}>
          {forms
            .filter((f) => f.questions.length)
            .map((f) => (
              <optgroup key={f.formId} label={f.formTitle}>
                {f.questions.map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.prompt}
                  </option>
                ))}
              </optgroup>
            ))}
        </select>
        {error("questionId")}
      </div>
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${id}-rule`}>Rule</label>
          <select {...field("rule")} value={currentRule} onChange={(e) => setRule(e.target.value as Rule)}>
            {rules.map((r) => (
              <option key={r} value={r}>
                {RULE_LABELS[r]}
              </option>
            ))}
          </select>
          {error("rule")}
        </div>
        <div className="field">
          <label htmlFor={`${id}-threshold`}>Threshold</label>
          <input
            {...field("threshold")}
            key={`${questionId}:${currentRule}`}
            type="number"
            required
            min={range?.min}
            max={range?.max}
            step={range?.step}
            defaultValue={keepThreshold ? binding.threshold : defaultThreshold(currentRule)}
          />
          {range ? <p className="field-hint">From {range.min} to {range.max}.</p> : null}
          {error("threshold")}
        </div>
      </div>
      {currentRule === "share_gte" && question ? (
        <div className="field">
          <label htmlFor={`${id}-choiceId`}>Option</label>
          <select {...field("choiceId")} key={questionId} defaultValue={binding?.questionId === questionId ? (binding.choiceId ?? undefined) : undefined}>
            {question.choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
          {error("choiceId")}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-minResponses`}>Minimum responses</label>
        <input {...field("minResponses")} type="number" required min={1} max={100000} step={1} defaultValue={binding?.minResponses ?? DEFAULT_MIN_RESPONSES} />
        <p className="field-hint">Fewer responses than this make the verdict “{STATUS_LABELS.inconclusive}”: not enough data.</p>
        {error("minResponses")}
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-small" disabled={fetcher.state !== "idle"}>
          {fetcher.state !== "idle" ? "Saving…" : "Bind criterion"}
        </button>
        <button type="button" className="button button-small button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </fetcher.Form>
  );
}
