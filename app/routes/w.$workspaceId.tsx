import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData, useRouteLoaderData, useSubmit } from "@remix-run/react";
import { Brand } from "~/components/Brand";
import { requireMember } from "~/lib/guards.server";
import { can, ROLE_LABELS } from "~/lib/policy";
import { useLiveEvents } from "~/components/useLiveEvents";

/** The shell reloads (its unread count) when the person's inbox changes. */
const INBOX_EVENT_KINDS = ["inbox"] as const;

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.workspace.name} · Pilotlab` : "Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const [workspaces, unread] = await Promise.all([context.services.workspaces.listForUser(user.id), context.services.comments.unreadCount(user.id)]);
  return { user: { id: user.id, name: user.name, email: user.email }, workspace, workspaces, unread };
}

/** The workspace layout's data, for child routes (role-aware buttons). */
export function useWorkspace() {
  const data = useRouteLoaderData<typeof loader>("routes/w.$workspaceId");
  if (!data) throw new Error("useWorkspace must be used inside a workspace route");
  return data;
}

export default function WorkspaceShell() {
  const { user, workspace, workspaces, unread } = useLoaderData<typeof loader>();
  useLiveEvents("/inbox/events", INBOX_EVENT_KINDS);
  const submit = useSubmit();
  const base = `/w/${workspace.id}`;
  const nav = [
    { to: base, label: "Overview", end: true },
    { to: `${base}/prototypes`, label: "Prototypes" },
    { to: `${base}/experiments`, label: "Experiments" },
    { to: `${base}/goals`, label: "Goals" },
    { to: `${base}/sprints`, label: "Sprints" },
    { to: `${base}/members`, label: "Members" },
    ...(can(workspace.role, "workspace.rename") ? [{ to: `${base}/settings`, label: "Settings" }] : []),
  ];
  return (
    <div className="shell">
      <aside className="sidebar">
        <Brand to="/" />
        <Form method="get" action="/w" className="switcher" onChange={(e) => submit(e.currentTarget)}>
          <label htmlFor="workspace-switcher">Workspace</label>
          <select id="workspace-switcher" name="workspace" defaultValue={workspace.id} key={workspace.id}>
            {workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
            <option value="new">+ New workspace…</option>
          </select>
          <noscript>
            <button type="submit" className="button button-small">
              Switch
            </button>
          </noscript>
          <span className="role">Your role: {ROLE_LABELS[workspace.role]}</span>
        </Form>
        <nav aria-label="Workspace">
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>
                  {item.label}
                </NavLink>
              </li>
            ))}
            <li>
              {/* Mentions and replies from every workspace: the inbox lives outside the workspace. */}
              <NavLink to="/inbox">
                Inbox
                {unread > 0 ? (
                  <>
                    {" "}
                    <span className="nav-count">{unread}</span>
                    <span className="visually-hidden"> unread</span>
                  </>
                ) : null}
              </NavLink>
            </li>
          </ul>
        </nav>
        <div className="sidebar-footer">
          <span>
            Signed in as <strong>{user.name}</strong>
          </span>
          <a href="/account">Account</a>
          <Form method="post" action="/logout">
            <button type="submit" className="link-button">
              Log out
            </button>
          </Form>
        </div>
      </aside>
      <main id="main" className="content">
        <Outlet />
      </main>
    </div>
  );
}
