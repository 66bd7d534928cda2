import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Brand } from "~/components/Brand";
import { Badge, FormError, PageHeader, SubmitButton } from "~/components/ui";
import { parseForm, readForm } from "~/lib/forms";
import { requireUser } from "~/lib/guards.server";
import { ROLE_LABELS } from "~/lib/policy";

export const meta: MetaFunction = () => [{ title: "Your account · Pilotlab" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request);
  const [sessions, workspaces] = await Promise.all([
    context.services.accounts.sessionCount(user.id),
    context.services.workspaces.listForUser(user.id),
  ]);
  return { user: { name: user.name, email: user.email }, sessions, workspaces };
}

const accountSchema = z.object({ intent: z.literal("signOutEverywhere", { message: "That action isn't available on this page." }) });

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request);
  const form = parseForm(await readForm(request), accountSchema);
  if (!form.ok) return data({ formError: form.fieldErrors.intent ?? "That action isn't available on this page." }, { status: 400 });
  await context.services.sessions.invalidateAll(user.id);
  context.logger.info({ userId: user.id }, "signed out everywhere");
  throw redirect("/login", { headers: { "Set-Cookie": context.services.sessions.blankCookie() } });
}

export default function Account() {
  const { user, sessions, workspaces } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <main id="main" className="account-page">
      <p>
        <Brand />
      </p>
      <PageHeader
        title="Your account"
        actions={
          <Link to="/" className="button button-secondary">
            Back to your workspaces
          </Link>
        }
      />
      <FormError message={actionData?.formError} />
      <section className="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl className="account-facts">
          <div>
            <dt>Name</dt>
            <dd>{user.name}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{user.email}</dd>
          </div>
        </dl>
      </section>
      <section className="card" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Sessions</h2>
        <p>
          You are signed in on <strong>{sessions === 1 ? "1 active session" : `${sessions} active sessions`}</strong>
          {sessions === 1 ? " (this browser)." : ", including this browser."}
        </p>
        <p className="muted small">If you left Pilotlab open on a shared or lost device, sign out everywhere. You'll need to log in again on every device, including this one.</p>
        <Form method="post">
          <SubmitButton intent="signOutEverywhere" className="button button-danger" pendingText="Signing out…">
            Sign out everywhere
          </SubmitButton>
        </Form>
      </section>
      <section className="card" aria-labelledby="workspaces-heading">
        <h2 id="workspaces-heading">Your workspaces</h2>
        {workspaces.length === 0 ? (
          <p className="muted">
            You're not in a workspace yet. <Link to="/workspaces/new">Create one</Link> or open an invite link someone sent you.
          </p>
        ) : (
          <ul className="item-list">
            {workspaces.map((w) => (
              <li key={w.id}>
                <Link to={`/w/${w.id}`}>{w.name}</Link> <Badge tone={w.role}>{ROLE_LABELS[w.role]}</Badge>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
