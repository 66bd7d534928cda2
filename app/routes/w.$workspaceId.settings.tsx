import { isServiceError } from "~/lib/actions.server";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FormError, Notice, PageHeader, SubmitButton, TextField } from "~/components/ui";
import { parseForm, readForm } from "~/lib/forms";
import { requireMember } from "~/lib/guards.server";
import { WORKSPACE_NAME_MAX } from "~/lib/limits";
import { workspaceNameSchema } from "~/lib/schemas";

export const meta: MetaFunction = () => [{ title: "Workspace settings · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId, "workspace.rename");
  return { workspace, saved: new URL(request.url).searchParams.get("saved") === "1" };
}

const renameSchema = workspaceNameSchema.extend({
  intent: z.literal("rename", { message: "That action isn't available on this page." }).optional(),
});

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId, "workspace.rename");
  const form = parseForm(await readForm(request), renameSchema);
  if (!form.ok) {
    const { intent, ...fieldErrors } = form.fieldErrors;
    return data({ fieldErrors, formError: intent ?? null, values: form.values }, { status: 400 });
  }
  try {
    await context.services.workspaces.rename({ workspaceId: workspace.id, name: form.data.name });
  } catch (error) {
    if (isServiceError(error)) {
      const { code, message, field } = error;
      const fieldErrors: Record<string, string> = field ? { [field]: message } : {};
      return data({ fieldErrors, formError: field ? null : message, values: { name: form.data.name } }, { status: code === "not_found" ? 404 : 400 });
    }
    throw error;
  }
  throw redirect(`/w/${workspace.id}/settings?saved=1`);
}

export default function WorkspaceSettings() {
  const { workspace, saved } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string> = actionData?.fieldErrors ?? {};
  return (
    <>
      <PageHeader title="Workspace settings" subtitle="Only owners see this page." />
      {/* A failed save replaces the earlier success message. */}
      <Notice message={saved && !actionData ? "Workspace name saved." : null} />
      <FormError message={actionData?.formError} />
      <section className="card settings-card" aria-labelledby="name-heading">
        <h2 id="name-heading">Name</h2>
        <Form method="post" noValidate key={workspace.name}>
          <TextField
            label="Workspace name"
            name="name"
            required
            maxLength={WORKSPACE_NAME_MAX}
            defaultValue={actionData?.values?.name ?? workspace.name}
            hint="Everyone in the workspace sees this name, and so do people you invite."
            error={errors.name}
          />
          <div className="form-actions">
            <SubmitButton intent="rename" pendingText="Saving…">
              Save
            </SubmitButton>
          </div>
        </Form>
      </section>
    </>
  );
}
