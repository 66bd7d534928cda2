import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Brand } from "~/components/Brand";
import { SubmitButton, TextField } from "~/components/ui";
import { parseForm, readForm } from "~/lib/forms";
import { requireUser } from "~/lib/guards.server";
import { WORKSPACE_NAME_MAX } from "~/lib/limits";
import { workspaceNameSchema } from "~/lib/schemas";

export const meta: MetaFunction = () => [{ title: "New workspace · Pilotlab" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request);
  const workspaces = await context.services.workspaces.listForUser(user.id);
  return { name: user.name, hasWorkspaces: workspaces.length > 0 };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request);
  const form = parseForm(await readForm(request), workspaceNameSchema);
  if (!form.ok) return data({ fieldErrors: form.fieldErrors, values: form.values }, { status: 400 });
  const workspace = await context.services.workspaces.create({ name: form.data.name, userId: user.id });
  throw redirect(`/w/${workspace.id}`);
}

export default function NewWorkspace() {
  const { name, hasWorkspaces } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string> = actionData?.fieldErrors ?? {};
  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p>
          <Brand />
        </p>
        <h1>{hasWorkspaces ? "New workspace" : `Welcome, ${name.split(" ")[0]}`}</h1>
        <p className="lead">A workspace is where your team designs and tests its learning pilots. You'll be its owner and can invite others next.</p>
        <Form method="post" noValidate>
          <TextField
            label="Workspace name"
            name="name"
            required
            maxLength={WORKSPACE_NAME_MAX}
            placeholder="e.g. Sales Enablement Lab"
            defaultValue={actionData?.values?.name}
            error={errors.name}
            autoFocus
          />
          <SubmitButton pendingText="Creating…">Create workspace</SubmitButton>
        </Form>
        {hasWorkspaces ? (
          <p className="small" style={{ marginTop: "1rem" }}>
            <Link to="/">Back to your workspaces</Link>
          </p>
        ) : null}
      </div>
    </main>
  );
}
