import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { Brand } from "~/components/Brand";
import { FormError, SubmitButton, TextField } from "~/components/ui";
import { parseForm, readForm } from "~/lib/forms";
import { safeRedirect } from "~/lib/guards.server";
import { loginSchema } from "~/lib/schemas";

export const meta: MetaFunction = () => [{ title: "Log in · Pilotlab" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  if (context.user) throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo"), "/"));
  return null;
}

/** Wrong password and unknown email answer with the same words, status and cost. */
const INVALID = "Email or password is incorrect.";

export async function action({ request, context }: ActionFunctionArgs) {
  const form = parseForm(await readForm(request), loginSchema);
  if (!form.ok) return data({ fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
  const { email, password, redirectTo } = form.data;
  const result = await context.services.accounts.logIn({ email, password, ip: context.ip });
  if (!result.ok) {
    const formError =
      result.reason === "throttled"
        ? `Too many login attempts. Try again in ${Math.max(1, Math.ceil(result.retryAfterMs / 60_000))} minute${result.retryAfterMs > 60_000 ? "s" : ""}.`
        : INVALID;
    context.logger.info({ reason: result.reason }, "login refused");
    return data({ fieldErrors: {}, formError, values: { email } }, { status: result.reason === "throttled" ? 429 : 400 });
  }
  if (context.session) await context.services.sessions.invalidate(context.session.id);
  throw redirect(safeRedirect(redirectTo, "/"), { headers: { "Set-Cookie": result.cookie } });
}

export default function Login() {
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
        <h1>Log in</h1>
        <p className="lead">Welcome back. Pick up your pilots where you left them.</p>
        <FormError message={actionData?.formError} />
        <Form method="post" noValidate>
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <TextField label="Email" name="email" type="email" autoComplete="email" required defaultValue={actionData?.values?.email} error={errors.email} autoFocus />
          <TextField label="Password" name="password" type="password" autoComplete="current-password" required error={errors.password} />
          <SubmitButton pendingText="Logging in…">Log in</SubmitButton>
        </Form>
        <p className="muted small" style={{ marginTop: "1rem" }}>
          New to Pilotlab? <Link to={`/signup${redirectTo ? `?redirectTo=${encodeURIComponent(redirectTo)}` : ""}`}>Create an account</Link>
        </p>
      </div>
    </main>
  );
}
