import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { goalOptions, ownerOptions, stageOptions } from "~/components/records";
import { FormError, PageHeader, SelectField, SubmitButton, TextField } from "~/components/ui";
import { formValues, refusal, type ActionFailure } from "~/lib/actions.server";
import { parseForm, readForm } from "~/lib/forms";
import { requireMember } from "~/lib/guards.server";
import { TITLE_MAX } from "~/lib/limits";
import { prototypeSchema } from "~/lib/schemas";

export const meta: MetaFunction = () => [{ title: "New prototype · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId, "prototype.create");
  const [goals, members] = await Promise.all([
    context.services.goals.list({ workspaceId: workspace.id }),
    context.services.workspaces.members(workspace.id),
  ]);
  // `?goal=` preselects an active goal of this workspace; anything else is ignored.
  const goalParam = new URL(request.url).searchParams.get("goal");
  const preselectedGoalId = goals.find((g) => g.id === goalParam)?.id ?? "";
  return {
    workspace,
    userId: user.id,
    preselectedGoalId,
    goals: goals.map((g) => ({ id: g.id, title: g.title })),
    members: members.map((m) => ({ userId: m.userId, name: m.name })),
  };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId, "prototype.create");
  const formData = await readForm(request);
  const form = parseForm(formData, prototypeSchema);
  if (!form.ok) return data<ActionFailure>({ intent: null, fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
  let prototype: { id: string };
  try {
    prototype = await context.services.prototypes.create({ workspaceId: workspace.id, input: form.data });
  } catch (error) {
    return data<ActionFailure>({ intent: null, ...refusal(error), values: formValues(formData) }, { status: 400 });
  }
  throw redirect(`/w/${workspace.id}/prototypes/${prototype.id}`);
}

export default function NewPrototype() {
  const { workspace, userId, preselectedGoalId, goals, members } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors = actionData?.fieldErrors ?? {};
  const values = actionData?.values;
  const base = `/w/${workspace.id}`;
  const cancelHref = preselectedGoalId ? `${base}/goals/${preselectedGoalId}` : `${base}/prototypes`;
  return (
    <>
      <p className="back-link">
        <Link to={`${base}/prototypes`}>← All prototypes</Link>
      </p>
      <PageHeader title="New prototype" subtitle="Name the learning pilot you want to design. You'll write its design together next." />
      <section className="card form-card narrow" aria-label="New prototype">
        <FormError message={actionData?.formError} />
        <Form method="post" noValidate>
          <TextField
            label="Title"
            name="title"
            required
            maxLength={TITLE_MAX}
            defaultValue={values?.title}
            error={errors.title}
            placeholder="e.g. Peer coaching circles for new managers"
            autoFocus
          />
          <div className="form-row">
            <SelectField label="Stage" name="stage" options={stageOptions} defaultValue={values?.stage ?? "idea"} error={errors.stage} />
            <SelectField label="Owner" name="ownerId" options={ownerOptions(members, userId)} defaultValue={values ? values.ownerId : userId} error={errors.ownerId} />
          </div>
          <SelectField
            label="Goal"
            name="goalId"
            options={goalOptions(goals, "No goal yet")}
            defaultValue={values ? values.goalId : preselectedGoalId}
            error={errors.goalId}
            hint={goals.length === 0 ? "This workspace has no active goals yet; you can align the prototype later." : "The business goal this pilot should move."}
          />
          <div className="form-actions">
            <SubmitButton pendingText="Creating…">Create prototype</SubmitButton>
            <Link to={cancelHref} className="button button-secondary">
              Cancel
            </Link>
          </div>
        </Form>
      </section>
    </>
  );
}
