import { isServiceError } from "~/lib/actions.server";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { CopyLink } from "~/components/CopyLink";
import { DateTime } from "~/components/DateTime";
import { Badge, FormError, Notice, PageHeader, RelativeTime, SelectField, SubmitButton } from "~/components/ui";
import { parseForm, readForm } from "~/lib/forms";
import { forbidden, requireMember } from "~/lib/guards.server";
import { INVITE_DEFAULT_DAYS, INVITE_MAX_DAYS } from "~/lib/limits";
import { can, ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES, type Action, type Role } from "~/lib/policy";
import { inviteSchema, roleSchema } from "~/lib/schemas";

export const meta: MetaFunction = () => [{ title: "Members · Pilotlab" }];

/** Lifetimes offered for an invite link, in days. */
const INVITE_DAY_CHOICES = [1, 3, 7, 14, 30].filter((d) => d <= INVITE_MAX_DAYS);
const DEFAULT_INVITE_ROLE: Role = "editor";

/** Each intent of this page and the permission it needs. */
const INTENTS = {
  createInvite: "members.invite",
  revoke: "members.invite",
  changeRole: "members.changeRole",
  remove: "members.remove",
} as const satisfies Record<string, Action>;
type Intent = keyof typeof INTENTS;

function isIntent(value: unknown): value is Intent {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(INTENTS, value);
}

/** Fixed success messages after a redirect; the URL carries only the key, never text. */
const NOTICES: Record<string, string> = {
  role: "Role changed.",
  removed: "Member removed. They no longer have access to this workspace.",
  revoked: "Invite link revoked. It no longer works.",
};

const memberId = z.string({ message: "Choose a member." }).uuid("Choose a member.");
const changeRoleSchema = z.object({ userId: memberId, role: roleSchema });
const removeSchema = z.object({ userId: memberId });
const revokeSchema = z.object({ inviteId: z.string({ message: "Choose an invite." }).uuid("Choose an invite.") });

interface ActionResult {
  intent: Intent | null;
  /** A message for the whole form (or the row named by userId / inviteId). */
  formError?: string;
  fieldErrors?: Record<string, string>;
  values?: Record<string, string>;
  /** The member row a message belongs to. */
  userId?: string;
  /** The invite row a message belongs to. */
  inviteId?: string;
  /** A freshly created invite: the only time its token is ever shown. */
  invite?: { link: string; role: Role; expiresAt: string };
}

function reply(result: ActionResult, status = 200) {
  return data(result, { status });
}

/** Expected refusals from a service, duck-typed across the bundle boundary. */
function asServiceError(error: unknown): { code: string; message: string; field?: string } | null {
  return isServiceError(error) ? error : null;
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId, "members.view");
  const permissions = {
    invite: can(workspace.role, "members.invite"),
    changeRole: can(workspace.role, "members.changeRole"),
    remove: can(workspace.role, "members.remove"),
  };
  const [members, invites] = await Promise.all([
    context.services.workspaces.members(workspace.id),
    permissions.invite ? context.services.invites.list(workspace.id) : Promise.resolve([]),
  ]);
  const noticeKey = new URL(request.url).searchParams.get("notice");
  return {
    me: user.id,
    workspace,
    permissions,
    members,
    invites,
    notice: noticeKey && Object.prototype.hasOwnProperty.call(NOTICES, noticeKey) ? NOTICES[noticeKey] : null,
  };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId, "members.view");
  const formData = await readForm(request);
  const intent = formData.get("intent");
  if (!isIntent(intent)) {
    // Someone who may change nothing here is refused before learning which intents exist.
    if (!Object.values(INTENTS).some((a) => can(workspace.role, a))) throw forbidden();
    return reply({ intent: null, formError: "That action isn't available on this page." }, 400);
  }
  if (!can(workspace.role, INTENTS[intent])) throw forbidden();

  const base = `/w/${workspace.id}/members`;
  const { services } = context;

  switch (intent) {
    case "createInvite": {
      const form = parseForm(formData, inviteSchema);
      if (!form.ok) return reply({ intent, fieldErrors: form.fieldErrors, values: form.values }, 400);
      const created = await services.invites.create({ workspaceId: workspace.id, role: form.data.role, expiresInDays: form.data.expiresInDays, createdBy: user.id });
      const origin = new URL(request.url).origin;
      context.logger.info({ workspaceId: workspace.id, inviteId: created.id, role: form.data.role }, "invite created");
      // The token exists only here: it goes back in the response body, never into a URL or a log.
      return reply({
        intent,
        values: { role: form.data.role, expiresInDays: String(form.data.expiresInDays) },
        invite: { link: `${origin}/invites/${created.token}`, role: form.data.role, expiresAt: new Date(created.expiresAt).toISOString() },
      });
    }

    case "revoke": {
      const form = parseForm(formData, revokeSchema);
      if (!form.ok) return reply({ intent, formError: Object.values(form.fieldErrors)[0] }, 400);
      try {
        await services.invites.revoke({ workspaceId: workspace.id, inviteId: form.data.inviteId });
      } catch (error) {
        const refusal = asServiceError(error);
        if (!refusal) throw error;
        return reply({ intent, inviteId: form.data.inviteId, formError: refusal.message }, refusal.code === "not_found" ? 404 : 400);
      }
      throw redirect(`${base}?notice=revoked`);
    }

    case "changeRole": {
      const form = parseForm(formData, changeRoleSchema);
      if (!form.ok) {
        const userId = typeof form.values.userId === "string" ? form.values.userId : undefined;
        return reply({ intent, userId, formError: Object.values(form.fieldErrors)[0] }, 400);
      }
      try {
        await services.workspaces.changeRole({ workspaceId: workspace.id, userId: form.data.userId, role: form.data.role });
      } catch (error) {
        const refusal = asServiceError(error);
        if (!refusal) throw error;
        return reply({ intent, userId: form.data.userId, formError: refusal.message }, refusal.code === "not_found" ? 404 : 400);
      }
      throw redirect(`${base}?notice=role`);
    }

    case "remove": {
      const form = parseForm(formData, removeSchema);
      if (!form.ok) {
        const userId = typeof form.values.userId === "string" ? form.values.userId : undefined;
        return reply({ intent, userId, formError: Object.values(form.fieldErrors)[0] }, 400);
      }
      try {
        await services.workspaces.removeMember({ workspaceId: workspace.id, userId: form.data.userId });
      } catch (error) {
        const refusal = asServiceError(error);
        if (!refusal) throw error;
        return reply({ intent, userId: form.data.userId, formError: refusal.message }, refusal.code === "not_found" ? 404 : 400);
      }
      // Someone who removed themselves can no longer see this page.
      throw redirect(form.data.userId === user.id ? "/" : `${base}?notice=removed`);
    }
  }
}

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));
const STATUS_LABELS = { pending: "Pending", accepted: "Accepted", revoked: "Revoked", expired: "Expired" } as const;

export default function Members() {
  const { me, workspace, permissions, members, invites, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const pageError = actionData && actionData.intent === null ? actionData.formError : null;

  return (
    <>
      <PageHeader
        title="Members"
        subtitle={
          <>
            {members.length} {members.length === 1 ? "person" : "people"} in {workspace.name}.
            {permissions.invite ? null : " Ask a workspace owner to invite someone new."}
          </>
        }
      />
      <Notice message={notice} />
      <FormError message={pageError} />

      <section aria-labelledby="people-heading" className="members-section">
        <h2 id="people-heading">People</h2>
        <div className="table-wrap">
          <table className="table members-table">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                {permissions.remove ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <MemberRow
                  key={m.userId}
                  member={m}
                  isMe={m.userId === me}
                  workspaceName={workspace.name}
                  permissions={permissions}
                  result={actionData && actionData.userId === m.userId ? actionData : null}
                />
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {permissions.invite ? (
        <>
          <InviteCard result={actionData?.intent === "createInvite" ? actionData : null} />
          <section aria-labelledby="invites-heading" className="members-section">
            <h2 id="invites-heading">Invite history</h2>
            {invites.length === 0 ? (
              <p className="muted">No invite links yet. Links you create appear here so you can see who joined and revoke unused ones.</p>
            ) : (
              <div className="table-wrap">
                <table className="table invites-table">
                  <thead>
                    <tr>
                      <th scope="col">Role</th>
                      <th scope="col">Status</th>
                      <th scope="col">Created by</th>
                      <th scope="col">Expires / accepted by</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {invites.map((invite) => {
                      const error = actionData?.intent === "revoke" && actionData.inviteId === invite.id ? actionData.formError : null;
                      return (
                        <tr key={invite.id}>
                          <td>
                            <Badge tone={invite.role}>{ROLE_LABELS[invite.role]}</Badge>
                          </td>
                          <td>
                            <Badge tone={`invite-${invite.status}`}>{STATUS_LABELS[invite.status]}</Badge>
                          </td>
                          <td>
                            {invite.createdByName ?? <span className="muted">A former member</span>}
                            <br />
                            <span className="muted small">
                              <RelativeTime date={invite.createdAt} />
                            </span>
                          </td>
                          <td>
                            {invite.status === "pending" ? (
                              <>
                                Expires <RelativeTime date={invite.expiresAt} />
                              </>
                            ) : invite.status === "accepted" ? (
                              <>Accepted by {invite.acceptedByName ?? "a former member"}</>
                            ) : invite.status === "expired" ? (
                              <>
                                Expired <RelativeTime date={invite.expiresAt} />
                              </>
                            ) : (
                              <span className="muted">Revoked</span>
                            )}
                          </td>
                          <td className="cell-actions">
                            {invite.status === "pending" ? (
                              <Form method="post" className="inline-form">
                                <input type="hidden" name="inviteId" value={invite.id} />
                                <button type="submit" name="intent" value="revoke" className="button button-small button-danger">
                                  Revoke
                                </button>
                              </Form>
                            ) : null}
                            {error ? (
                              <p className="field-error" role="alert">
                                {error}
                              </p>
                            ) : null}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}

type MemberData = ReturnType<typeof useLoaderData<typeof loader>>["members"][number];
type ResultData = NonNullable<ReturnType<typeof useActionData<typeof action>>>;

function MemberRow({
  member,
  isMe,
  workspaceName,
  permissions,
  result,
}: {
  member: MemberData;
  isMe: boolean;
  workspaceName: string;
  permissions: { changeRole: boolean; remove: boolean };
  result: ResultData | null;
}) {
  const navigation = useNavigation();
  const location = useLocation();
  // Without JS, "Remove" is a GET to ?remove=<id> (changes nothing) that renders this confirmation.
  const [searchParams] = useSearchParams();
  const [confirming, setConfirming] = useState(searchParams.get("remove") === member.userId && result?.intent !== "remove");
  const removeButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  // The select shows the member's real role again after any reload or refusal, never a stale choice.
  const [role, setRole] = useState<Role>(member.role);
  useEffect(() => setRole(member.role), [member, result]);

  // A refused removal closes the confirmation so its message stands alone.
  useEffect(() => {
    if (result?.intent === "remove") setConfirming(false);
  }, [result]);

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
    else if (returnFocus.current) removeButton.current?.focus();
    returnFocus.current = false;
  }, [confirming]);

  const busy = (intent: Intent) => navigation.state === "submitting" && navigation.formData?.get("intent") === intent && navigation.formData?.get("userId") === member.userId;
  const error = result?.formError ?? null;
  const errorId = `member-error-${member.userId}`;
  const who = isMe ? "yourself" : member.name;

  return (
    <tr>
      <th scope="row" className="member-cell">
        <span className="member-name">
          {member.name}
          {isMe ? <span className="muted small"> (you)</span> : null}
        </span>
        <span className="member-email">{member.email}</span>
      </th>
      <td className="role-cell">
        {permissions.changeRole ? (
          <Form method="post" className="inline-form">
            <input type="hidden" name="userId" value={member.userId} />
            <select
              name="role"
              aria-label={`Role for ${member.name}`}
              value={role}
              onChange={(e) => setRole(e.currentTarget.value as Role)}
              aria-invalid={error && result?.intent === "changeRole" ? true : undefined}
              aria-describedby={error ? errorId : undefined}
            >
              {ROLE_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            <button type="submit" name="intent" value="changeRole" className="button button-small button-secondary" aria-disabled={busy("changeRole") || undefined}>
              {busy("changeRole") ? "Changing…" : "Change role"}
            </button>
          </Form>
        ) : (
          <Badge tone={member.role}>{ROLE_LABELS[member.role]}</Badge>
        )}
        {error ? (
          <p className="field-error member-error" id={errorId} role="alert">
            {error}
          </p>
        ) : null}
      </td>
      <td className="small nowrap">
        <RelativeTime date={member.joinedAt} />
      </td>
      {permissions.remove ? (
        <td className="cell-actions">
          {confirming ? (
            <Form method="post" className="confirm-remove">
              <input type="hidden" name="userId" value={member.userId} />
              <p className="small">
                Remove {who} from {workspaceName}? {isMe ? "You" : "They"} lose access right away.
              </p>
              <div className="form-actions">
                <button ref={confirmButton} type="submit" name="intent" value="remove" className="button button-small button-danger-solid" aria-disabled={busy("remove") || undefined}>
                  {busy("remove") ? "Removing…" : "Yes, remove"}
                </button>
                <Link
                  to={location.pathname}
                  className="button button-small button-secondary"
                  onClick={(e) => {
                    e.preventDefault();
                    returnFocus.current = true;
                    setConfirming(false);
                  }}
                >
                  Cancel
                </Link>
              </div>
            </Form>
          ) : (
            <Form method="get" className="inline-form">
              <input type="hidden" name="remove" value={member.userId} />
              <button
                ref={removeButton}
                type="submit"
                className="button button-small button-danger"
                onClick={(e) => {
                  // With JS the confirmation opens in place; without JS this GET renders it.
                  e.preventDefault();
                  setConfirming(true);
                }}
              >
                Remove
              </button>
            </Form>
          )}
        </td>
      ) : null}
    </tr>
  );
}

function InviteCard({ result }: { result: ResultData | null }) {
  const errors: Record<string, string> = result?.fieldErrors ?? {};
  const initialRole = result?.values?.role && (ROLES as readonly string[]).includes(result.values.role) ? (result.values.role as Role) : DEFAULT_INVITE_ROLE;
  const [role, setRole] = useState<Role>(initialRole);
  const invite = result?.invite ?? null;

  return (
    <section className="card invite-card" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite people</h2>
      <p className="muted">Create a link and share it with one person. Each link can be used once, and only until it expires.</p>
      <FormError message={result?.formError} />
      <Form method="post" noValidate>
        <div className="form-row">
          <SelectField
            label="Role"
            name="role"
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as Role)}
            options={ROLE_OPTIONS}
            hint={ROLE_DESCRIPTIONS[role]}
            error={errors.role}
          />
          <SelectField
            label="Link works for"
            name="expiresInDays"
            defaultValue={result?.values?.expiresInDays ?? String(INVITE_DEFAULT_DAYS)}
            options={INVITE_DAY_CHOICES.map((d) => ({ value: String(d), label: d === 1 ? "1 day" : `${d} days` }))}
            error={errors.expiresInDays}
          />
        </div>
        <SubmitButton intent="createInvite" pendingText="Creating link…">
          Create invite link
        </SubmitButton>
      </Form>
      {invite ? (
        <div className="invite-result">
          <CopyLink
            key={invite.link}
            label="Invite link"
            value={invite.link}
            autoFocus
            hint={
              <>
                Anyone with this link can join once as <strong>{ROLE_LABELS[invite.role]}</strong> until <DateTime date={invite.expiresAt} />. Copy it now: it is
                shown only this once.
              </>
            }
          />
        </div>
      ) : null}
    </section>
  );
}
