import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FormError, Notice, PageHeader, SubmitButton, TextField } from "~/components/ui";
import { DateTime } from "~/components/DateTime";
import { parseForm, readForm } from "~/lib/forms";
import { forbidden, requireMember } from "~/lib/guards.server";
import { formValues, readIntent, refusal, type ActionFailure } from "~/lib/actions.server";
import { WORKSPACE_NAME_MAX } from "~/lib/limits";
import { can, type Action } from "~/lib/policy";
import { workspaceNameSchema } from "~/lib/schemas";

export const meta: MetaFunction = () => [{ title: "Workspace settings · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId, "workspace.rename");
  const integrations = can(workspace.role, "workspace.integrations");
  const [lrs, lrsStatus] = integrations
    ? await Promise.all([context.services.feedback.lrs(workspace.id), context.services.feedback.lrsStatus(workspace.id)])
    : [null, null];
  const saved = new URL(request.url).searchParams.get("saved");
  const approveMovesStage = await context.services.decisions.approveMovesStage(workspace.id);
  return { workspace, saved, integrations, lrs, lrsStatus, approveMovesStage };
}

const INTENTS = { rename: "workspace.rename", review: "workspace.rename", lrs: "workspace.integrations", "lrs-remove": "workspace.integrations" } satisfies Record<string, Action>;

const lrsSchema = z.object({
  endpoint: z.string().trim().min(1, "Enter the LRS endpoint.").max(500, "That endpoint is too long."),
  username: z.string().trim().max(200, "That key is too long.").default(""),
  // Empty: keep the stored secret (it is never sent back to the page).
  password: z.string().max(500, "That secret is too long.").default(""),
  enabled: z.string().optional(),
});

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId, "workspace.rename");
  const formData = await readForm(request);
  const intent = readIntent(formData, INTENTS);
  if (!intent) return data<ActionFailure>({ intent: null, fieldErrors: {}, formError: "That action isn't available on this page.", values: {} }, { status: 400 });
  if (!can(workspace.role, INTENTS[intent])) throw forbidden();
  try {
    if (intent === "rename") {
      const form = parseForm(formData, workspaceNameSchema);
      if (!form.ok) return data<ActionFailure>({ intent, fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
      await context.services.workspaces.rename({ workspaceId: workspace.id, name: form.data.name });
      throw redirect(`/w/${workspace.id}/settings?saved=name`);
    }
    if (intent === "review") {
      // An unchecked box sends nothing: off.
      await context.services.decisions.setApproveMovesStage({ workspaceId: workspace.id, enabled: formData.get("approveMovesStage") === "on" });
      throw redirect(`/w/${workspace.id}/settings?saved=review`);
    }
    if (intent === "lrs") {
      const form = parseForm(formData, lrsSchema);
      if (!form.ok) return data<ActionFailure>({ intent, fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
      const { endpoint, username, password, enabled } = form.data;
      await context.services.feedback.setLrs({
        workspaceId: workspace.id,
        input: { endpoint, username, password: password === "" ? null : password, enabled: enabled === "on" },
      });
      throw redirect(`/w/${workspace.id}/settings?saved=lrs`);
    }
    await context.services.feedback.removeLrs(workspace.id);
    throw redirect(`/w/${workspace.id}/settings?saved=lrs-removed`);
  } catch (error) {
    if (error instanceof Response) throw error;
    return data<ActionFailure>({ intent, ...refusal(error), values: formValues(formData) }, { status: 400 });
  }
}

const SAVED: Record<string, string> = {
  name: "Workspace name saved.",
  review: "Decision settings saved.",
  lrs: "Learning Record Store connection saved.",
  "lrs-removed": "Learning Record Store disconnected. Statements already queued stay queued until you connect one again.",
};

export default function WorkspaceSettings() {
  const { workspace, saved, integrations, lrs, lrsStatus, approveMovesStage } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errorsFor = (intent: string) => (actionData?.intent === intent ? actionData.fieldErrors : {});
  const valuesFor = (intent: string) => (actionData?.intent === intent ? actionData.values : undefined);
  const nameErrors = errorsFor("rename");
  const lrsErrors = errorsFor("lrs");
  const lrsValues = valuesFor("lrs");
  return (
    <>
      <PageHeader title="Workspace settings" subtitle="Only owners see this page." />
      {/* A failed save replaces the earlier success message. */}
      <Notice message={saved && !actionData ? (SAVED[saved] ?? null) : null} />
      <FormError message={actionData?.formError} />
      <section className="card settings-card" aria-labelledby="name-heading">
        <h2 id="name-heading">Name</h2>
        <Form method="post" noValidate key={workspace.name}>
          <TextField
            label="Workspace name"
            name="name"
            required
            maxLength={WORKSPACE_NAME_MAX}
            defaultValue={valuesFor("rename")?.name ?? workspace.name}
            hint="Everyone in the workspace sees this name, and so do people you invite."
            error={nameErrors.name}
          />
          <div className="form-actions">
            <SubmitButton intent="rename" pendingText="Saving…">
              Save
            </SubmitButton>
          </div>
        </Form>
      </section>
      <section className="card settings-card" aria-labelledby="review-heading">
        <h2 id="review-heading">Decisions</h2>
        <Form method="post" key={String(approveMovesStage)}>
          <p className="settings-checkbox">
            <input type="checkbox" id="approve-moves-stage" name="approveMovesStage" value="on" defaultChecked={approveMovesStage} />
            <label htmlFor="approve-moves-stage">Approving for pilot moves the prototype to Piloting</label>
          </p>
          <div className="form-actions">
            <SubmitButton intent="review" pendingText="Saving…">
              Save
            </SubmitButton>
          </div>
        </Form>
      </section>
      {integrations ? (
        <section className="card settings-card" aria-labelledby="lrs-heading">
          <h2 id="lrs-heading">Learning Record Store (xAPI)</h2>
          <p className="muted">
            Send every feedback answer to your LRS as an xAPI 1.0.3 statement: the participant as an anonymous account, the question as the
            activity, the prototype as its parent, and the Kirkpatrick level as an extension. Statements are queued with each response and
            retried until your LRS accepts them.
          </p>
          <Form method="post" noValidate key={lrs ? String(lrs.updatedAt) : "none"}>
            <TextField
              label="Endpoint"
              name="endpoint"
              type="url"
              required
              placeholder="https://lrs.example.com/xapi/"
              defaultValue={lrsValues?.endpoint ?? lrs?.endpoint ?? ""}
              hint="The LRS base URL; statements are posted to <endpoint>/statements."
              error={lrsErrors.endpoint}
            />
            <TextField label="Key (username)" name="username" autoComplete="off" defaultValue={lrsValues?.username ?? lrs?.username ?? ""} error={lrsErrors.username} />
            <TextField
              label="Secret (password)"
              name="password"
              type="password"
              autoComplete="new-password"
              hint={lrs?.hasPassword ? "A secret is stored. Leave empty to keep it." : undefined}
              error={lrsErrors.password}
            />
            <p className="settings-checkbox">
              <input type="checkbox" id="lrs-enabled" name="enabled" value="on" defaultChecked={lrsValues ? lrsValues.enabled === "on" : (lrs?.enabled ?? true)} />
              <label htmlFor="lrs-enabled">Send statements</label>
            </p>
            <div className="form-actions">
              <SubmitButton intent="lrs" pendingText="Saving…">
                {lrs ? "Save connection" : "Connect LRS"}
              </SubmitButton>
            </div>
          </Form>
          {lrs ? (
            <>
              <h3>Sending</h3>
              <dl className="facts" aria-label="Statement sending status">
                <div>
                  <dt>Sent</dt>
                  <dd data-testid="lrs-sent">{lrsStatus?.sent ?? 0}</dd>
                </div>
                <div>
                  <dt>Waiting</dt>
                  <dd data-testid="lrs-pending">{lrsStatus?.pending ?? 0}</dd>
                </div>
                <div>
                  <dt>Last sent</dt>
                  <dd>{lrsStatus?.lastSentAt ? <DateTime date={lrsStatus.lastSentAt} /> : "Nothing yet"}</dd>
                </div>
                {lrsStatus?.retrying ? (
                  <div>
                    <dt>Retrying</dt>
                    <dd>
                      {lrsStatus.retrying} statement{lrsStatus.retrying === 1 ? "" : "s"}
                      {lrsStatus.nextAttemptAt ? (
                        <>
                          , next attempt <DateTime date={lrsStatus.nextAttemptAt} />
                        </>
                      ) : null}
                    </dd>
                  </div>
                ) : null}
              </dl>
              {lrsStatus?.lastError ? <p role="alert" className="form-error">Last problem: {lrsStatus.lastError}</p> : null}
              <Form method="post">
                <SubmitButton intent="lrs-remove" pendingText="Disconnecting…" className="button button-secondary">
                  Disconnect
                </SubmitButton>
              </Form>
            </>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
