import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ArchiveForm, Facts, ListEmptyState, SavedStatus, StageBadge, ownerOptions } from "~/components/records";
import { Badge, FormError, Notice, PageHeader, RelativeTime, SelectField, SubmitButton, TextArea, TextField } from "~/components/ui";
import { formValues, readIntent, refusal, type ActionFailure } from "~/lib/actions.server";
import { parseForm, readForm } from "~/lib/forms";
import { forbidden, notFound, requireId, requireMember } from "~/lib/guards.server";
import { DESCRIPTION_MAX, TITLE_MAX } from "~/lib/limits";
import { can, type Action } from "~/lib/policy";
import { goalSchema } from "~/lib/schemas";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.goal.title} · Goals · Pilotlab` : "Goal · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const goalId = requireId(params.goalId);
  const goal = await context.services.goals.get({ workspaceId: workspace.id, goalId });
  if (!goal) throw notFound("This goal doesn't exist in this workspace.");
  const canEdit = can(workspace.role, "goal.edit");
  const [prototypes, members] = await Promise.all([
    context.services.prototypes.list({ workspaceId: workspace.id, goalId }),
    canEdit ? context.services.workspaces.members(workspace.id) : Promise.resolve([]),
  ]);
  return {
    workspace,
    userId: user.id,
    goal,
    prototypes: prototypes.map((p) => ({ id: p.id, title: p.title, stage: p.stage, ownerName: p.ownerName, updatedAt: p.updatedAt })),
    members: members.map((m) => ({ userId: m.userId, name: m.name })),
    canEdit,
    canArchive: can(workspace.role, "goal.archive"),
    canAddPrototype: can(workspace.role, "prototype.create") && !goal.archivedAt,
  };
}

/** Each form on this page names its intent; the policy action it needs. */
const INTENTS = { save: "goal.edit", archive: "goal.archive", restore: "goal.archive" } satisfies Record<string, Action>;

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const goalId = requireId(params.goalId);
  const formData = await readForm(request);
  const intent = readIntent(formData, INTENTS);
  if (!intent) return data<ActionFailure>({ intent: null, fieldErrors: {}, formError: "That action isn't available on this page.", values: {} }, { status: 400 });
  if (!can(workspace.role, INTENTS[intent])) throw forbidden();

  const back = `/w/${workspace.id}/goals/${goalId}`;
  try {
    if (intent === "save") {
      const form = parseForm(formData, goalSchema);
      if (!form.ok) return data<ActionFailure>({ intent, fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
      await context.services.goals.update({ workspaceId: workspace.id, goalId, input: form.data });
    } else {
      await context.services.goals.setArchived({ workspaceId: workspace.id, goalId, archived: intent === "archive" });
    }
  } catch (error) {
    return data<ActionFailure>({ intent, ...refusal(error), values: formValues(formData) }, { status: 400 });
  }
  throw redirect(back);
}

export default function GoalPage() {
  const { workspace, userId, goal, prototypes, members, canEdit, canArchive, canAddPrototype } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const base = `/w/${workspace.id}`;
  const archived = Boolean(goal.archivedAt);
  const saveErrors = actionData?.intent === "save" ? actionData : null;
  const errors = saveErrors?.fieldErrors ?? {};
  const values = saveErrors?.values;
  return (
    <>
      <p className="back-link">
        <Link to={`${base}/goals`}>← All goals</Link>
      </p>
      <PageHeader
        title={goal.title}
        subtitle={
          <span className="header-meta">
            {archived ? <Badge>Archived</Badge> : null}
            <span>
              Business goal · Owner: {goal.ownerName ?? "No owner"} · updated <RelativeTime date={goal.updatedAt} />
            </span>
          </span>
        }
        actions={
          <>
            {canAddPrototype ? (
              <Link to={`${base}/prototypes/new?goal=${goal.id}`} className="button">
                New prototype for this goal
              </Link>
            ) : null}
            {canArchive ? (
              <ArchiveForm
                archived={archived}
                description={archived ? "Make this goal active again" : "Hide this goal from the active list; its prototypes keep their link to it"}
              />
            ) : null}
          </>
        }
      />
      {actionData && actionData.intent !== "save" ? <FormError message={actionData.formError} /> : null}
      {archived ? (
        <Notice
          message={`This goal is archived. It stays linked to its prototypes but new prototypes can't be aligned to it${canArchive ? " until you restore it" : ""}.`}
        />
      ) : null}
      <div className={canEdit ? "records-layout" : undefined}>
        <div>
          <section className="card" aria-labelledby="about-heading">
            <h2 id="about-heading">About this goal</h2>
            {goal.description ? <p className="prose">{goal.description}</p> : <p className="muted">No description yet.</p>}
            <Facts
              items={[
                { term: "Owner", value: goal.ownerName ?? "No owner" },
                { term: "Created", value: <RelativeTime date={goal.createdAt} /> },
                { term: "Status", value: archived ? "Archived" : "Active" },
              ]}
            />
          </section>
          <section aria-labelledby="goal-prototypes-heading">
            <div className="list-toolbar">
              <h2 id="goal-prototypes-heading">Prototypes aligned to this goal</h2>
              <Link to={`${base}/prototypes?goal=${goal.id}`} className="small">
                Open in prototype list
              </Link>
            </div>
            {prototypes.length === 0 ? (
              <ListEmptyState
                title="No prototypes yet"
                action={
                  canAddPrototype ? (
                    <Link to={`${base}/prototypes/new?goal=${goal.id}`} className="button">
                      New prototype for this goal
                    </Link>
                  ) : null
                }
              >
                Prototypes aligned to this goal will be listed here.
              </ListEmptyState>
            ) : (
              <ul className="item-list">
                {prototypes.map((p) => (
                  <li key={p.id} className="item">
                    <div className="item-body">
                      <h3>
                        <Link to={`${base}/prototypes/${p.id}`}>{p.title}</Link>
                      </h3>
                      <div className="item-meta">
                        <StageBadge stage={p.stage} />
                        <span>Owner: {p.ownerName ?? "No owner"}</span>
                        <span>
                          Updated <RelativeTime date={p.updatedAt} />
                        </span>
                      </div>
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
        {canEdit ? (
          <section className="card form-card" aria-labelledby="edit-goal-heading">
            <h2 id="edit-goal-heading">Edit goal</h2>
            <FormError message={saveErrors?.formError} />
            <Form method="post" noValidate>
              {/* Keyed on the last update so the fields show what was saved, including others' changes. */}
              <div key={String(goal.updatedAt)}>
              <TextField label="Title" name="title" required maxLength={TITLE_MAX} defaultValue={values?.title ?? goal.title} error={errors.title} />
              <TextArea
                label="Description"
                name="description"
                maxLength={DESCRIPTION_MAX}
                defaultValue={values?.description ?? goal.description}
                error={errors.description}
                rows={6}
              />
              <SelectField
                label="Owner"
                name="ownerId"
                options={ownerOptions(members, userId)}
                defaultValue={values ? values.ownerId : (goal.ownerId ?? "")}
                error={errors.ownerId}
              />
              </div>
              <div className="form-actions">
                <SubmitButton intent="save" pendingText="Saving…">
                  Save changes
                </SubmitButton>
                <SavedStatus intent="save">Changes saved.</SavedStatus>
              </div>
            </Form>
          </section>
        ) : null}
      </div>
    </>
  );
}
