import { isServiceError } from "~/lib/actions.server";
import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useParams } from "@remix-run/react";
import { z } from "zod";
import { Brand } from "~/components/Brand";
import { DateTime } from "~/components/DateTime";
import { FormError, SubmitButton } from "~/components/ui";
import { parseForm, readForm } from "~/lib/forms";
import { requireUser } from "~/lib/guards.server";
import { ROLE_DESCRIPTIONS, ROLE_LABELS, type Role } from "~/lib/policy";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && data.state !== "invalid" ? `Join ${data.workspaceName} · Pilotlab` : "Invite link · Pilotlab" },
];

/** The token in the URL is a credential: keep the page out of caches (entry.server already limits Referer to same-origin). */
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store" });

const GONE_REASONS = {
  accepted: "This invite has already been used.",
  revoked: "This invite was revoked.",
  expired: "This invite has expired.",
} as const;

type InviteState =
  | { state: "invalid" }
  | { state: "gone"; reason: keyof typeof GONE_REASONS; workspaceName: string; invitedBy: string | null }
  | {
      state: "open";
      workspaceName: string;
      invitedBy: string | null;
      role: Role;
      expiresAt: string;
      user: { name: string; email: string } | null;
      /** Only for a signed-in member, so they can go straight there. */
      memberOf: string | null;
    };

function page(state: InviteState, status = 200) {
  return data(state, { status });
}

/** Looks the link up; a GET never changes anything, not even for a signed-in user. */
export async function loader({ context, params }: LoaderFunctionArgs) {
  const token = params.token ?? "";
  const invite = await context.services.invites.lookup(token);
  if (!invite) return page({ state: "invalid" }, 404);
  if (invite.status !== "pending") {
    return page({ state: "gone", reason: invite.status, workspaceName: invite.workspaceName, invitedBy: invite.invitedBy }, 410);
  }
  const user = context.user;
  const isMember = user ? await context.services.workspaces.isMember({ workspaceId: invite.workspaceId, userId: user.id }) : false;
  return page({
    state: "open",
    workspaceName: invite.workspaceName,
    invitedBy: invite.invitedBy,
    role: invite.role,
    expiresAt: new Date(invite.expiresAt).toISOString(),
    user: user ? { name: user.name, email: user.email } : null,
    memberOf: isMember ? invite.workspaceId : null,
  });
}

const acceptSchema = z.object({ intent: z.literal("accept", { message: "That action isn't available on this page." }) });

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request);
  const form = parseForm(await readForm(request), acceptSchema);
  if (!form.ok) return data({ error: form.fieldErrors.intent ?? "That action isn't available on this page.", code: "invalid" }, { status: 400 });
  try {
    const { workspaceId, alreadyMember } = await context.services.invites.accept({ token: params.token ?? "", userId: user.id });
    context.logger.info({ workspaceId, userId: user.id, alreadyMember }, "invite accepted");
    throw redirect(`/w/${workspaceId}`);
  } catch (error) {
    if (error instanceof Response) throw error;
    if (isServiceError(error)) {
      const { code, message } = error;
      return data({ error: message, code }, { status: code === "not_found" ? 404 : code === "gone" ? 410 : 400 });
    }
    throw error;
  }
}

export default function InvitePage() {
  const invite = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <main id="main" className="auth-page">
      <div className="auth-card invite-page">
        <p>
          <Brand />
        </p>
        {invite.state === "invalid" ? (
          <>
            <h1>Invite link not valid</h1>
            <p className="lead">This invite link is not valid.</p>
            <p>Check that you copied the whole link. If it still doesn't work, ask the person who invited you for a new one.</p>
            <HomeLink />
          </>
        ) : invite.state === "gone" ? (
          <>
            <h1>This invite can't be used anymore</h1>
            <p className="lead">{GONE_REASONS[invite.reason]}</p>
            <p>
              Invite links work once and only for a limited time. Ask {invite.invitedBy ?? "an owner"} {invite.invitedBy ? `(or another owner of ${invite.workspaceName})` : `of ${invite.workspaceName}`}{" "}
              for a new link.
            </p>
            <HomeLink />
          </>
        ) : (
          <OpenInvite invite={invite} error={actionData?.error ?? null} />
        )}
      </div>
    </main>
  );
}

function HomeLink() {
  return (
    <p className="small">
      <Link to="/">Go to Pilotlab</Link>
    </p>
  );
}

function OpenInvite({ invite, error }: { invite: Extract<InviteState, { state: "open" }>; error: string | null }) {
  const back = `/invites/${encodeURIComponent(useTokenFromPath())}`;
  const redirectTo = `?redirectTo=${encodeURIComponent(back)}`;
  return (
    <>
      <h1>Join {invite.workspaceName}</h1>
      <p className="lead">
        {invite.invitedBy ? (
          <>
            <strong>{invite.invitedBy}</strong> invited you to join <strong>{invite.workspaceName}</strong> as <strong>{ROLE_LABELS[invite.role]}</strong>.
          </>
        ) : (
          <>
            You're invited to join <strong>{invite.workspaceName}</strong> as <strong>{ROLE_LABELS[invite.role]}</strong>.
          </>
        )}
      </p>
      <dl className="invite-facts">
        <div>
          <dt>What {ROLE_LABELS[invite.role].toLowerCase()}s can do</dt>
          <dd>{ROLE_DESCRIPTIONS[invite.role]}.</dd>
        </div>
        <div>
          <dt>Link works until</dt>
          <dd>
            <DateTime date={invite.expiresAt} />
          </dd>
        </div>
      </dl>
      {error ? (
        <>
          <FormError message={error} />
          <p className="small">Ask the person who invited you for a new link.</p>
          <HomeLink />
        </>
      ) : invite.memberOf ? (
        <>
          <p>You're already a member of {invite.workspaceName}, so there is nothing to accept. The link stays unused for someone else.</p>
          <Link className="button" to={`/w/${invite.memberOf}`}>
            Open {invite.workspaceName}
          </Link>
        </>
      ) : invite.user ? (
        <>
          <Form method="post">
            <SubmitButton intent="accept" pendingText="Joining…">
              Accept invite
            </SubmitButton>
          </Form>
          <div className="invite-signed-in small muted">
            Signed in as {invite.user.name} ({invite.user.email}).{" "}
            <Form method="post" action="/logout" className="inline-form">
              <button type="submit" className="link-button">
                Not you? Log out
              </button>
            </Form>
          </div>
        </>
      ) : (
        <>
          <p>To accept, log in or create a free account. You'll come straight back here.</p>
          <div className="invite-auth-actions">
            <Link className="button" to={`/login${redirectTo}`}>
              Log in to accept
            </Link>
            <Link className="button button-secondary" to={`/signup${redirectTo}`}>
              Create an account
            </Link>
          </div>
        </>
      )}
    </>
  );
}

/** The token as it appears in this page's URL (never sent back in loader data). */
function useTokenFromPath(): string {
  const params = useParams();
  return params.token ?? "";
}
