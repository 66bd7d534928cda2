import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ArchiveTabs, ListEmptyState, ownerOptions } from "~/components/records";
import { FormError, PageHeader, RelativeTime, SelectField, SubmitButton, TextArea, TextField } from "~/components/ui";
import { formValues, refusal, type ActionFailure } from "~/lib/actions.server";
import { parseForm, readForm } from "~/lib/forms";
import { requireMember } from "~/lib/guards.server";
import { DESCRIPTION_MAX, TITLE_MAX } from "~/lib/limits";
import { can } from "~/lib/policy";
import { goalSchema } from "~/lib/schemas";

export const meta: MetaFunction = () => [{ title: "Goals · Pilotlab" }];

/** Characters of a goal's description shown in the list. */
const EXCERPT_LENGTH = 180;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH).trimEnd()}…` : flat;
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const archived = new URL(request.url).searchParams.get("archived") === "1";
  const canCreate = can(workspace.role, "goal.create");
  const [goals, members] = await Promise.all([
    context.services.goals.list({ workspaceId: workspace.id, archived }),
    canCreate && !archived ? context.services.workspaces.members(workspace.id) : Promise.resolve([]),
  ]);
  return {
    workspace,
    userId: user.id,
    archived,
    canCreate,
    goals: goals.map((g) => ({
      id: g.id,
      title: g.title,
      excerpt: excerpt(g.description),
      ownerName: g.ownerName,
      prototypeCount: g.prototypeCount,
      updatedAt: g.updatedAt,
    })),
    members: members.map((m) => ({ userId: m.userId, name: m.name })),
  };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId, "goal.create");
  const formData = await readForm(request);
  const form = parseForm(formData, goalSchema);
  if (!form.ok) {
    return data<ActionFailure>({ intent: null, fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
  }
  let goal: { id: string };
  try {
    goal = await context.services.goals.create({ workspaceId: workspace.id, input: form.data });
  } catch (error) {
    return data<ActionFailure>({ intent: null, ...refusal(error), values: formValues(formData) }, { status: 400 });
  }
  throw redirect(`/w/${workspace.id}/goals/${goal.id}`);
}

export default function Goals() {
  const { workspace, userId, archived, canCreate, goals, members } = useLoaderData<typeof loader>();
  const base = `/w/${workspace.id}`;
  const showForm = canCreate && !archived;
  return (
    <>
      <PageHeader title="Goals" subtitle="The business outcomes your pilots are meant to move." />
      <div className={showForm ? "records-layout" : undefined}>
        <section aria-labelledby="goal-list-heading">
          <div className="list-toolbar">
            <h2 id="goal-list-heading">{archived ? "Archived goals" : "Active goals"}</h2>
            <ArchiveTabs label="Goal status" archived={archived} activeHref={`${base}/goals`} archivedHref={`${base}/goals?archived=1`} />
          </div>
          {goals.length === 0 ? (
            archived ? (
              <ListEmptyState title="No archived goals">Goals you archive are kept here, with their prototypes, and can be restored.</ListEmptyState>
            ) : (
              <ListEmptyState title="No goals yet">
                Goals tie each pilot to what leaders care about.{" "}
                {canCreate ? "Add the first one with the form on this page." : "A facilitator or owner can add them."}
              </ListEmptyState>
            )
          ) : (
            <ul className="item-list">
              {goals.map((goal) => (
                <li key={goal.id} className="item">
                  <div className="item-body">
                    <h3>
                      <Link to={`${base}/goals/${goal.id}`}>{goal.title}</Link>
                    </h3>
                    {goal.excerpt ? <p className="excerpt">{goal.excerpt}</p> : null}
                    <div className="item-meta">
                      <span>Owner: {goal.ownerName ?? "No owner"}</span>
                      <span>
                        {goal.prototypeCount} prototype{goal.prototypeCount === 1 ? "" : "s"}
                      </span>
                      <span>
                        Updated <RelativeTime date={goal.updatedAt} />
                      </span>
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
        {showForm ? <NewGoalForm members={members} userId={userId} /> : null}
      </div>
    </>
  );
}

function NewGoalForm({ members, userId }: { members: { userId: string; name: string }[]; userId: string }) {
  const actionData = useActionData<typeof action>();
  const errors = actionData?.fieldErrors ?? {};
  const values = actionData?.values;
  return (
    <section className="card form-card" aria-labelledby="new-goal-heading">
      <h2 id="new-goal-heading">New goal</h2>
      <FormError message={actionData?.formError} />
      <Form method="post" noValidate>
        <TextField label="Title" name="title" required maxLength={TITLE_MAX} defaultValue={values?.title} error={errors.title} placeholder="e.g. Cut onboarding time by 30%" />
        <TextArea
          label="Description"
          name="description"
          maxLength={DESCRIPTION_MAX}
          defaultValue={values?.description}
          error={errors.description}
          hint="Optional. Why it matters and how you'll know it moved."
          rows={4}
        />
        <SelectField label="Owner" name="ownerId" options={ownerOptions(members, userId)} defaultValue={values ? values.ownerId : userId} error={errors.ownerId} />
        <SubmitButton pendingText="Creating…">Create goal</SubmitButton>
      </Form>
    </section>
  );
}
