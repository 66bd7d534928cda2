import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { BarChart, CheckboxField, FormStatusBadge } from "~/components/feedback";
import { ListEmptyState } from "~/components/records";
import { FormError, PageHeader, RelativeTime, SelectField, SubmitButton, TextArea, TextField } from "~/components/ui";
import { formValues, refusal, type ActionFailure } from "~/lib/actions.server";
import { FORM_INTRO_MAX, FORM_TITLE_MAX, LEVEL_LABELS } from "~/lib/feedback/questions";
import { MIN_SAMPLE } from "~/lib/feedback/stats";
import { feedbackFormSchema } from "~/lib/feedback/schemas";
import { parseForm, readForm } from "~/lib/forms";
import { notFound, requireId, requireMember } from "~/lib/guards.server";
import { can } from "~/lib/policy";
import feedbackStyles from "~/styles/feedback.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: feedbackStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Feedback · ${data.prototype.title} · Pilotlab` : "Feedback · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const prototype = await context.services.prototypes.get({ workspaceId: workspace.id, prototypeId });
  if (!prototype) throw notFound("This prototype doesn't exist in this workspace.");
  const canManage = can(workspace.role, "feedback.manage");
  const [forms, cards, evidence, activity] = await Promise.all([
    context.services.feedback.list({ workspaceId: workspace.id, prototypeId }),
    canManage ? context.services.feedback.cards({ workspaceId: workspace.id, prototypeId }) : Promise.resolve([]),
    context.services.feedback.evidence({ workspaceId: workspace.id, prototypeId }),
    context.services.feedback.activity({ workspaceId: workspace.id, prototypeId }),
  ]);
  return {
    workspace,
    prototype: { id: prototype.id, title: prototype.title, archived: Boolean(prototype.archivedAt) },
    forms: forms.map((f) => ({
      id: f.id,
      title: f.title,
      status: f.status,
      responseCount: f.responseCount,
      lastResponseAt: f.lastResponseAt,
      followsFormTitle: f.followsFormTitle,
      cardName: cards.find((c) => c.cardId === f.cardId)?.name ?? null,
      updatedAt: f.updatedAt,
    })),
    cards,
    canManage,
    evidence,
    activity,
  };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId, "feedback.manage");
  const prototypeId = requireId(params.prototypeId);
  const formData = await readForm(request);
  const form = parseForm(formData, feedbackFormSchema);
  if (!form.ok) return data<ActionFailure>({ intent: "create", fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
  if (form.data.cardId) {
    const cards = await context.services.feedback.cards({ workspaceId: workspace.id, prototypeId });
    if (!cards.some((c) => c.cardId === form.data.cardId))
      return data<ActionFailure>({ intent: "create", fieldErrors: { cardId: "Choose an experiment card of this prototype." }, formError: null, values: formValues(formData) }, { status: 400 });
  }
  let created: { id: string };
  try {
    created = await context.services.feedback.create({ workspaceId: workspace.id, prototypeId, userId: user.id, input: form.data });
  } catch (error) {
    return data<ActionFailure>({ intent: "create", ...refusal(error), values: formValues(formData) }, { status: 400 });
  }
  throw redirect(`/w/${workspace.id}/prototypes/${prototypeId}/feedback/${created.id}`);
}

export default function FeedbackFormsPage() {
  const { workspace, prototype, forms, cards, canManage, evidence, activity } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors = actionData?.fieldErrors ?? {};
  const values = actionData?.values;
  const base = `/w/${workspace.id}/prototypes/${prototype.id}`;
  return (
    <>
      <p className="back-link">
        <Link to={base}>← {prototype.title}</Link>
      </p>
      <PageHeader title="Feedback forms" subtitle={<span>Forms that pilot participants answer through a public link, for {prototype.title}.</span>} />
      <EvidenceLadder steps={evidence} />
      {activity.responses > 0 ? (
        <section className="card" aria-labelledby="activity-heading">
          <h2 id="activity-heading">Responses to all forms</h2>
          <p className="muted small" data-testid="prototype-responses">
            {activity.responses} {activity.responses === 1 ? "response" : "responses"} across this prototype's forms.
          </p>
          <BarChart caption="Responses per day, all forms" valueHeader="Day" countHeader="Responses" bars={activity.perDay.map((d) => ({ label: d.day, count: d.count }))} />
        </section>
      ) : null}
      <div className={canManage ? "records-layout" : undefined}>
        <section aria-labelledby="forms-heading">
          <h2 id="forms-heading" className="visually-hidden">
            Forms
          </h2>
          {forms.length === 0 ? (
            <ListEmptyState title="No feedback forms yet">
              {canManage ? "Create a form, add questions, then open it and share its link with participants." : "Forms the team creates for this prototype will be listed here."}
            </ListEmptyState>
          ) : (
            <ul className="item-list">
              {forms.map((f) => (
                <li key={f.id} className="item">
                  <div className="item-body">
                    <h3>
                      <Link to={`${base}/feedback/${f.id}`}>{f.title}</Link>
                    </h3>
                    <div className="item-meta">
                      <FormStatusBadge status={f.status} />
                      <span>
                        {f.responseCount} {f.responseCount === 1 ? "response" : "responses"}
                      </span>
                      <span>{f.lastResponseAt ? <>Last response <RelativeTime date={f.lastResponseAt} /></> : "No responses yet"}</span>
                      {f.followsFormTitle ? <span>Follows up on {f.followsFormTitle}</span> : null}
                      {f.cardName ? <span>Card: {f.cardName}</span> : null}
                    </div>
                  </div>
                  <Link to={`${base}/feedback/${f.id}/results`} className="button button-secondary button-small">
                    Results<span className="visually-hidden"> of {f.title}</span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
        {canManage ? (
          <section className="card form-card" aria-labelledby="new-form-heading">
            <h2 id="new-form-heading">New form</h2>
            <FormError message={actionData?.formError} />
            <Form method="post" noValidate>
              <TextField label="Title" name="title" required maxLength={FORM_TITLE_MAX} defaultValue={values?.title ?? ""} error={errors.title} />
              <TextArea
                label="Introduction"
                name="intro"
                maxLength={FORM_INTRO_MAX}
                rows={3}
                hint="Shown to participants above the questions."
                defaultValue={values?.intro ?? ""}
                error={errors.intro}
              />
              {cards.length ? (
                <SelectField
                  label="Experiment card"
                  name="cardId"
                  hint="The experiment this form gathers evidence for."
                  options={[{ value: "", label: "None" }, ...cards.map((c) => ({ value: c.cardId, label: c.name || "Untitled card" }))]}
                  defaultValue={values?.cardId ?? ""}
                  error={errors.cardId}
                />
              ) : null}
              {forms.length ? (
                <SelectField
                  label="Follows up on"
                  name="followsFormId"
                  hint="E.g. a 60-day check on the job after the pilot's first form."
                  options={[{ value: "", label: "No earlier form" }, ...forms.map((f) => ({ value: f.id, label: f.title }))]}
                  defaultValue={values?.followsFormId ?? ""}
                  error={errors.followsFormId}
                />
              ) : null}
              <CheckboxField
                id="new-form-one-per-browser"
                label="One response per browser"
                name="onePerBrowser"
                defaultChecked={values ? values.onePerBrowser === "on" : false}
                hint="A participant's browser can answer once."
              />
              <div className="form-actions">
                <SubmitButton pendingText="Creating…">Create form</SubmitButton>
              </div>
            </Form>
          </section>
        ) : null}
      </div>
    </>
  );
}

type EvidenceStep = ReturnType<typeof useLoaderData<typeof loader>>["evidence"][number];

/** Which Kirkpatrick levels have evidence and how much; says so plainly when a sample is small. */
function EvidenceLadder({ steps }: { steps: EvidenceStep[] }) {
  return (
    <section className="card evidence-ladder" aria-labelledby="evidence-heading">
      <h2 id="evidence-heading">Evidence ladder</h2>
      <p className="muted small">
        What the answers to this prototype's forms show at each Kirkpatrick level. A level needs at least {MIN_SAMPLE} respondents before its figures mean much.
      </p>
      {/* Scrolls sideways on its own on a narrow screen; focusable so the keyboard can scroll it. */}
      <div className="table-scroll" tabIndex={0} role="group" aria-label="Evidence by level, scrollable">
        <table className="data-table" data-testid="evidence-ladder">
          <caption className="visually-hidden">Evidence by Kirkpatrick level</caption>
          <thead>
            <tr>
              <th scope="col">Level</th>
              <th scope="col">Forms</th>
              <th scope="col">Questions</th>
              <th scope="col">Respondents</th>
              <th scope="col">Answers</th>
              <th scope="col">Evidence</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((step) => (
              <tr key={step.level} data-level={step.level} data-enough={step.enough}>
                <th scope="row">{LEVEL_LABELS[step.level]}</th>
                <td>{step.forms}</td>
                <td>{step.questions}</td>
                <td>{step.respondents}</td>
                <td>{step.answers}</td>
                <td>
                  {step.enough ? (
                    <strong className="evidence-enough">
                      <span aria-hidden="true">✓ </span>Enough data
                    </strong>
                  ) : step.questions === 0 ? (
                    <span className="muted">No questions at this level</span>
                  ) : (
                    <span className="not-enough-inline">
                      Not enough data yet ({step.respondents} of {MIN_SAMPLE} respondents)
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
