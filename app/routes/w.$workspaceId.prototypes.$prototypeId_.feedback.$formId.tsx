import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useEffect, useState } from "react";
import { CopyLink } from "~/components/CopyLink";
import { CheckboxField, FormStatusBadge } from "~/components/feedback";
import { SavedStatus } from "~/components/records";
import { FormError, Notice, PageHeader, RelativeTime, SelectField, SubmitButton, TextArea, TextField } from "~/components/ui";
import { formValues, isServiceError, readIntent, refusal, type ActionFailure } from "~/lib/actions.server";
import {
  FORM_INTRO_MAX,
  FORM_TITLE_MAX,
  HELP_MAX,
  LEVELS,
  LEVEL_LABELS,
  MAX_QUESTIONS,
  PROMPT_MAX,
  QUESTION_KINDS,
  QUESTION_KIND_LABELS,
  SCALE_LABEL_MAX,
  scale,
  type Question,
  type QuestionKind,
} from "~/lib/feedback/questions";
import { feedbackFormSchema, questionSchema, readChoices } from "~/lib/feedback/schemas";
import { parseForm, readForm } from "~/lib/forms";
import { forbidden, notFound, requireId, requireMember } from "~/lib/guards.server";
import { can, type Action } from "~/lib/policy";
import feedbackStyles from "~/styles/feedback.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: feedbackStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.form.title} · Feedback · Pilotlab` : "Feedback form · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const formId = requireId(params.formId);
  const { form, questions } = await context.services.feedback.get({ workspaceId: workspace.id, formId }).catch((error: unknown) => {
    throw isServiceError(error) ? notFound(error.message) : error;
  });
  if (form.prototypeId !== prototypeId) throw notFound("This form doesn't exist.");
  const canManage = can(workspace.role, "feedback.manage");
  const [siblings, cards] = await Promise.all([
    canManage ? context.services.feedback.list({ workspaceId: workspace.id, prototypeId }) : Promise.resolve([]),
    canManage ? context.services.feedback.cards({ workspaceId: workspace.id, prototypeId }) : Promise.resolve([]),
  ]);
  const origin = new URL(request.url).origin;
  return {
    workspace,
    form: { ...form, publicUrl: form.publicToken ? `${origin}/f/${form.publicToken}` : null },
    questions,
    otherForms: siblings.filter((f) => f.id !== form.id).map((f) => ({ id: f.id, title: f.title })),
    cards,
    canManage,
  };
}

const INTENTS = {
  saveForm: "feedback.manage",
  addQuestion: "feedback.manage",
  saveQuestion: "feedback.manage",
  moveUp: "feedback.manage",
  moveDown: "feedback.manage",
  removeQuestion: "feedback.manage",
  open: "feedback.manage",
  close: "feedback.manage",
  rotateLink: "feedback.manage",
  revokeLink: "feedback.manage",
  deleteForm: "feedback.manage",
} satisfies Record<string, Action>;

type BuilderFailure = ActionFailure & { questionId: string | null };

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const formId = requireId(params.formId);
  const formData = await readForm(request);
  const intent = readIntent(formData, INTENTS);
  if (!intent)
    return data<BuilderFailure>({ intent: null, questionId: null, fieldErrors: {}, formError: "That action isn't available on this page.", values: {} }, { status: 400 });
  if (!can(workspace.role, INTENTS[intent])) throw forbidden();

  const questionId = typeof formData.get("questionId") === "string" ? String(formData.get("questionId")) : null;
  const fail = (failure: Pick<ActionFailure, "fieldErrors" | "formError">, values: Record<string, string> = formValues(formData)) =>
    data<BuilderFailure>({ intent, questionId, ...failure, values }, { status: 400 });
  const ws = workspace.id;
  const base = `/w/${ws}/prototypes/${prototypeId}/feedback`;

  try {
    // The form must belong to the prototype in the URL (the service checks the workspace).
    const { form } = await context.services.feedback.get({ workspaceId: ws, formId });
    if (form.prototypeId !== prototypeId) throw notFound("This form doesn't exist.");

    switch (intent) {
      case "saveForm": {
        const parsed = parseForm(formData, feedbackFormSchema);
        if (!parsed.ok) return fail({ fieldErrors: parsed.fieldErrors, formError: null }, parsed.values);
        if (parsed.data.cardId && parsed.data.cardId !== form.cardId) {
          const cards = await context.services.feedback.cards({ workspaceId: ws, prototypeId });
          if (!cards.some((c) => c.cardId === parsed.data.cardId)) return fail({ fieldErrors: { cardId: "Choose an experiment card of this prototype." }, formError: null });
        }
        await context.services.feedback.update({ workspaceId: ws, formId, input: parsed.data });
        break;
      }
      case "addQuestion":
      case "saveQuestion": {
        const parsed = parseForm(formData, questionSchema);
        const choices = readChoices(formData);
        const fieldErrors = parsed.ok ? {} : { ...parsed.fieldErrors };
        if (!choices.ok) fieldErrors.choices = choices.error;
        if (!parsed.ok || !choices.ok) return fail({ fieldErrors, formError: null });
        const input = { ...parsed.data, choices: choices.choices };
        if (intent === "addQuestion") await context.services.feedback.addQuestion({ workspaceId: ws, formId, input });
        else await context.services.feedback.updateQuestion({ workspaceId: ws, formId, questionId: questionId ?? "", input });
        break;
      }
      case "moveUp":
      case "moveDown":
        await context.services.feedback.moveQuestion({ workspaceId: ws, formId, questionId: questionId ?? "", by: intent === "moveUp" ? -1 : 1 });
        break;
      case "removeQuestion":
        await context.services.feedback.removeQuestion({ workspaceId: ws, formId, questionId: questionId ?? "" });
        break;
      case "open":
      case "close":
        await context.services.feedback.setStatus({ workspaceId: ws, formId, status: intent === "open" ? "open" : "closed" });
        break;
      case "rotateLink":
      case "revokeLink":
        await context.services.feedback.setLink({ workspaceId: ws, formId, link: intent === "rotateLink" ? "rotate" : "revoke" });
        break;
      case "deleteForm":
        await context.services.feedback.remove({ workspaceId: ws, formId });
        throw redirect(base);
    }
  } catch (error) {
    if (error instanceof Response) throw error;
    return fail(refusal(error));
  }
  throw redirect(`${base}/${formId}`);
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Failure = BuilderFailure | undefined;

export default function FeedbackFormBuilder() {
  const { workspace, form, questions, otherForms, cards, canManage } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as Failure;
  const protoBase = `/w/${workspace.id}/prototypes/${form.prototypeId}`;
  const hasResponses = form.responseCount > 0;
  // Refusals of a question's buttons show by that question; the forms show their own; the rest here.
  const ownPlace = ["addQuestion", "saveQuestion", "saveForm"];
  const banner = actionData && !actionData.questionId && !ownPlace.includes(actionData.intent ?? "") ? actionData.formError : null;
  return (
    <>
      <p className="back-link">
        <Link to={`${protoBase}/feedback`}>← Feedback forms of {form.prototypeTitle}</Link>
      </p>
      <PageHeader
        title={form.title}
        subtitle={
          <span className="header-meta">
            <FormStatusBadge status={form.status} />
            <span>
              {form.responseCount} {form.responseCount === 1 ? "response" : "responses"}
            </span>
            {form.followsFormTitle ? <span>Follows up on {form.followsFormTitle}</span> : null}
            <span>
              Updated <RelativeTime date={form.updatedAt} />
            </span>
          </span>
        }
        actions={
          <Link to={`${protoBase}/feedback/${form.id}/results`} className="button button-secondary">
            Results
          </Link>
        }
      />
      <FormError message={banner} />
      <div className={canManage ? "records-layout" : undefined}>
        <section aria-labelledby="questions-heading">
          <h2 id="questions-heading">Questions</h2>
          {canManage && hasResponses ? <Notice message="This form has responses: questions can be edited and added, not removed, and their type can't change." /> : null}
          {questions.length === 0 ? <p className="muted">No questions yet.{canManage ? " Add the first one below." : ""}</p> : null}
          <ol className="question-list">
            {questions.map((q, i) => (
              <QuestionItem key={q.id} q={q} index={i} count={questions.length} canManage={canManage} hasResponses={hasResponses} actionData={actionData} />
            ))}
          </ol>
          {canManage ? (
            questions.length < MAX_QUESTIONS ? (
              <section className="card form-card" aria-labelledby="add-question-heading">
                <h3 id="add-question-heading">Add a question</h3>
                <QuestionForm key={questions.length} idPrefix="new" intent="addQuestion" actionData={actionData?.intent === "addQuestion" ? actionData : undefined} />
              </section>
            ) : (
              <p className="muted">This form has the maximum of {MAX_QUESTIONS} questions.</p>
            )
          ) : null}
        </section>
        {canManage ? (
          <div>
            <PublishCard form={form} questionCount={questions.length} />
            <SettingsCard form={form} otherForms={otherForms} cards={cards} actionData={actionData?.intent === "saveForm" ? actionData : undefined} />
            {!hasResponses ? (
              <section className="card" aria-labelledby="delete-heading">
                <h2 id="delete-heading">Delete form</h2>
                <p className="small muted">A form without responses can be deleted. Once it has responses, close it instead.</p>
                <Form method="post">
                  <SubmitButton intent="deleteForm" className="button button-danger" pendingText="Deleting…">
                    Delete this form
                  </SubmitButton>
                </Form>
              </section>
            ) : null}
          </div>
        ) : null}
      </div>
    </>
  );
}

function PublishCard({ form, questionCount }: { form: LoaderData["form"]; questionCount: number }) {
  return (
    <section className="card share-card" aria-labelledby="publish-heading">
      <h2 id="publish-heading">Sharing</h2>
      <p>
        Status: <FormStatusBadge status={form.status} />
      </p>
      <Form method="post" className="form-actions">
        {form.status === "open" ? (
          <SubmitButton intent="close" className="button button-secondary" pendingText="Closing…">
            Close form
          </SubmitButton>
        ) : (
          <SubmitButton intent="open" pendingText="Opening…" disabled={questionCount === 0} title={questionCount === 0 ? "Add a question first" : undefined}>
            {form.status === "closed" ? "Reopen form" : "Open form"}
          </SubmitButton>
        )}
      </Form>
      {form.publicUrl ? (
        <>
          <CopyLink label="Public link" value={form.publicUrl} hint="Anyone with this link can answer while the form is open, without an account." />
          <Form method="post" className="form-actions">
            <SubmitButton intent="rotateLink" className="button button-secondary button-small" pendingText="Replacing…" title="The current link stops working">
              Replace link
            </SubmitButton>
            <SubmitButton intent="revokeLink" className="button button-danger button-small" pendingText="Turning off…" title="Nobody can answer until you create a new link">
              Turn off link
            </SubmitButton>
          </Form>
        </>
      ) : form.status === "draft" ? (
        <p className="small muted">The public link is created when you open the form.</p>
      ) : (
        <>
          <p className="small muted">The public link is turned off: nobody can answer through it.</p>
          <Form method="post">
            <SubmitButton intent="rotateLink" className="button button-secondary button-small" pendingText="Creating…">
              Create a new link
            </SubmitButton>
          </Form>
        </>
      )}
    </section>
  );
}

function SettingsCard({
  form,
  otherForms,
  cards,
  actionData,
}: {
  form: LoaderData["form"];
  otherForms: LoaderData["otherForms"];
  cards: LoaderData["cards"];
  actionData: Failure;
}) {
  const errors = actionData?.fieldErrors ?? {};
  const values = actionData?.values;
  const cardOptions = [{ value: "", label: "None" }, ...cards.map((c) => ({ value: c.cardId, label: c.name || "Untitled card" }))];
  if (form.cardId && !cards.some((c) => c.cardId === form.cardId)) cardOptions.push({ value: form.cardId, label: "A removed card" });
  return (
    <section className="card form-card" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Form settings</h2>
      <FormError message={actionData?.formError} />
      <Form method="post" noValidate>
        <div key={String(form.updatedAt)}>
          <TextField label="Title" name="title" required maxLength={FORM_TITLE_MAX} defaultValue={values?.title ?? form.title} error={errors.title} />
          <TextArea label="Introduction" name="intro" rows={3} maxLength={FORM_INTRO_MAX} defaultValue={values?.intro ?? form.intro} error={errors.intro} />
          {cardOptions.length > 1 ? (
            <SelectField label="Experiment card" name="cardId" options={cardOptions} defaultValue={values ? values.cardId : (form.cardId ?? "")} error={errors.cardId} />
          ) : null}
          <SelectField
            label="Follows up on"
            name="followsFormId"
            options={[{ value: "", label: "No earlier form" }, ...otherForms.map((f) => ({ value: f.id, label: f.title }))]}
            defaultValue={values ? values.followsFormId : (form.followsFormId ?? "")}
            error={errors.followsFormId}
          />
          <CheckboxField
            id="form-one-per-browser"
            label="One response per browser"
            name="onePerBrowser"
            defaultChecked={values ? values.onePerBrowser === "on" : form.onePerBrowser}
          />
        </div>
        <div className="form-actions">
          <SubmitButton intent="saveForm" pendingText="Saving…">
            Save settings
          </SubmitButton>
          <SavedStatus intent="saveForm">Settings saved.</SavedStatus>
        </div>
      </Form>
    </section>
  );
}

function QuestionItem({
  q,
  index,
  count,
  canManage,
  hasResponses,
  actionData,
}: {
  q: Question;
  index: number;
  count: number;
  canManage: boolean;
  hasResponses: boolean;
  actionData: Failure;
}) {
  const mine = actionData?.questionId === q.id ? actionData : undefined;
  const range = scale(q.kind);
  return (
    <li className="card question-item" id={`question-${q.id}`}>
      <div className="question-head">
        <h3>
          <span className="visually-hidden">Question {index + 1}: </span>
          {q.prompt}
        </h3>
        <div className="item-meta">
          <span>{QUESTION_KIND_LABELS[q.kind]}</span>
          <span>{LEVEL_LABELS[q.level]}</span>
          <span>{q.required ? "Required" : "Optional"}</span>
        </div>
      </div>
      {q.help ? <p className="small muted">{q.help}</p> : null}
      {range && (q.lowLabel || q.highLabel) ? (
        <p className="small">
          {range.min} = {q.lowLabel || "—"} · {range.max} = {q.highLabel || "—"}
        </p>
      ) : null}
      {q.choices.length ? (
        <ul className="choice-preview">
          {q.choices.map((c) => (
            <li key={c.id}>{c.label}</li>
          ))}
        </ul>
      ) : null}
      {canManage ? (
        <>
          {mine && mine.intent !== "saveQuestion" ? <FormError message={mine.formError} /> : null}
          <Form method="post" className="question-actions">
            <input type="hidden" name="questionId" value={q.id} />
            <SubmitButton intent="moveUp" className="button button-secondary button-small" disabled={index === 0} aria-label={`Move “${q.prompt}” up`}>
              ↑ Up
            </SubmitButton>
            <SubmitButton intent="moveDown" className="button button-secondary button-small" disabled={index === count - 1} aria-label={`Move “${q.prompt}” down`}>
              ↓ Down
            </SubmitButton>
            {!hasResponses ? (
              <SubmitButton intent="removeQuestion" className="button button-danger button-small" aria-label={`Remove “${q.prompt}”`}>
                Remove
              </SubmitButton>
            ) : null}
          </Form>
          <details className="question-edit" open={mine?.intent === "saveQuestion" || undefined}>
            <summary>
              Edit<span className="visually-hidden"> “{q.prompt}”</span>
            </summary>
            <QuestionForm key={JSON.stringify(q)} idPrefix={q.id} intent="saveQuestion" question={q} locked={hasResponses} actionData={mine?.intent === "saveQuestion" ? mine : undefined} />
          </details>
        </>
      ) : null}
    </li>
  );
}

/** Adds a question, or edits one (`question`); fields that don't apply to the chosen type are hidden once the page is interactive. */
function QuestionForm({
  idPrefix,
  intent,
  question,
  locked = false,
  actionData,
}: {
  idPrefix: string;
  intent: "addQuestion" | "saveQuestion";
  question?: Question;
  locked?: boolean;
  actionData: Failure;
}) {
  const errors = actionData?.fieldErrors ?? {};
  const values = actionData?.values;
  const initialKind = (values?.kind ?? question?.kind ?? "rating") as QuestionKind;
  const [kind, setKind] = useState<QuestionKind>(initialKind);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const isScale = scale(kind) !== null;
  const isChoice = kind === "single" || kind === "multiple";
  const existing = question?.choices ?? [];
  return (
    <Form method="post" noValidate className="question-form">
      <FormError message={actionData?.formError} />
      {question ? <input type="hidden" name="questionId" value={question.id} /> : null}
      <SelectField
        label="Type"
        name="kind"
        options={QUESTION_KINDS.filter((k) => !locked || k === question?.kind).map((k) => ({ value: k, label: QUESTION_KIND_LABELS[k] }))}
        defaultValue={initialKind}
        onChange={(e) => setKind(e.currentTarget.value as QuestionKind)}
        hint={locked ? "The type can't change once the form has responses." : undefined}
        error={errors.kind}
      />
      <TextArea label="Question" name="prompt" rows={2} required maxLength={PROMPT_MAX} defaultValue={values?.prompt ?? question?.prompt ?? ""} error={errors.prompt} />
      <TextField label="Help text" name="help" maxLength={HELP_MAX} defaultValue={values?.help ?? question?.help ?? ""} hint="Optional, shown under the question." error={errors.help} />
      <SelectField
        label="Kirkpatrick level"
        name="level"
        options={LEVELS.map((l) => ({ value: String(l), label: LEVEL_LABELS[l] }))}
        defaultValue={values?.level ?? String(question?.level ?? 1)}
        error={errors.level}
      />
      <CheckboxField id={`${idPrefix}-required`} label="Required" name="required" defaultChecked={values ? values.required === "on" : (question?.required ?? false)} />
      <fieldset className="kind-fields" hidden={hydrated && !isScale}>
        <legend>End point labels (rating and NPS)</legend>
        <div className="form-row">
          <TextField label="Lowest score means" name="lowLabel" maxLength={SCALE_LABEL_MAX} defaultValue={values?.lowLabel ?? question?.lowLabel ?? ""} error={errors.lowLabel} />
          <TextField label="Highest score means" name="highLabel" maxLength={SCALE_LABEL_MAX} defaultValue={values?.highLabel ?? question?.highLabel ?? ""} error={errors.highLabel} />
        </div>
      </fieldset>
      <fieldset className="kind-fields" hidden={hydrated && !isChoice}>
        <legend>Options (single and multiple choice)</legend>
        {existing.map((c, i) => (
          <div className="field" key={c.id}>
            <input type="hidden" name="choiceId" value={c.id} />
            <label htmlFor={`${idPrefix}-choice-${c.id}`}>Option {i + 1}</label>
            <input id={`${idPrefix}-choice-${c.id}`} name="choiceLabel" defaultValue={c.label} maxLength={200} />
          </div>
        ))}
        <TextArea
          label={existing.length ? "Add options" : "Options"}
          name="newChoices"
          rows={4}
          defaultValue={values?.newChoices ?? ""}
          hint={existing.length ? "One per line. Empty an option above to remove it." : "One per line, at least two."}
          error={errors.choices}
        />
      </fieldset>
      <div className="form-actions">
        <SubmitButton intent={intent} pendingText="Saving…">
          {intent === "addQuestion" ? "Add question" : "Save question"}
        </SubmitButton>
      </div>
    </Form>
  );
}
