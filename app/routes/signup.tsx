import { isServiceError } from "~/lib/actions.server";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { Brand } from "~/components/Brand";
import { FormError, SubmitButton, TextField } from "~/components/ui";
import { parseForm, readForm } from "~/lib/forms";
import { safeRedirect } from "~/lib/guards.server";
import { PASSWORD_MIN_LENGTH } from "~/lib/limits";
import { signupSchema } from "~/lib/schemas";

export const meta: MetaFunction = () => [{ title: "Create your account · Pilotlab" }];

export async function loader({ context }: LoaderFunctionArgs) {
  if (context.user) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await readForm(request);
  const form = parseForm(formData, signupSchema);
  if (!form.ok) return data({ fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
  const { services, ip } = context;
  const wait = await services.throttle.signupWait(ip);
  const values = { name: form.data.name, email: form.data.email };
  if (wait > 0) {
    const minutes = Math.max(1, Math.ceil(wait / 60_000));
    return data({ fieldErrors: {}, formError: `Too many sign-ups from your network. Try again in ${minutes} minutes.`, values }, { status: 429 });
  }
  try {
    const user = await services.accounts.signUp(form.data);
    await services.throttle.signupDone(ip);
    const { cookie } = await services.sessions.create(user.id);
    const redirectTo = safeRedirect(formData.get("redirectTo"), "/workspaces/new");
    throw redirect(redirectTo, { headers: { "Set-Cookie": cookie } });
  } catch (error) {
    if (error instanceof Response) throw error;
    if (isServiceError(error)) {
      return data({ fieldErrors: { [error.field ?? "form"]: error.message }, formError: null, values }, { status: 400 });
    }
    throw error;
  }
}

export default function Signup() {
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const errors: Record<string, string> = actionData?.fieldErrors ?? {};
  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p>
          <Brand />
        </p>
        <h1>Create your account</h1>
        <p className="lead">Design learning pilots with your team and prove they work.</p>
        <FormError message={actionData?.formError} />
        <Form method="post" noValidate>
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <TextField label="Your name" name="name" autoComplete="name" required defaultValue={actionData?.values?.name} error={errors.name} autoFocus />
          <TextField label="Email" name="email" type="email" autoComplete="email" required defaultValue={actionData?.values?.email} error={errors.email} />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN_LENGTH}
            hint={`At least ${PASSWORD_MIN_LENGTH} characters. A passphrase works well.`}
            error={errors.password}
          />
          <SubmitButton pendingText="Creating account…">Create account</SubmitButton>
        </Form>
        <p className="muted small" style={{ marginTop: "1rem" }}>
          Already have an account? <Link to={`/login${redirectTo ? `?redirectTo=${encodeURIComponent(redirectTo)}` : ""}`}>Log in</Link>
        </p>
      </div>
    </main>
  );
}
