/**
 * The signed-in person's inbox: mentions of them and replies to their threads, across workspaces,
 * newest first. Opening an item marks it read and goes to its thread.
 */
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { Brand } from "~/components/Brand";
import { CommentBody } from "~/components/comments/CommentBody";
import { EmptyState, FormError, PageHeader, RelativeTime } from "~/components/ui";
import { parseForm, readForm } from "~/lib/forms";
import { requireUser } from "~/lib/guards.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.unread ? `Inbox (${data.unread}) · Pilotlab` : "Inbox · Pilotlab" }];

/** How much of a comment an inbox item shows. */
const EXCERPT_MAX = 200;

const threadUrl = (item: { workspaceId: string; prototypeId: string; threadId: string }) => `/w/${item.workspaceId}/prototypes/${item.prototypeId}#thread-${item.threadId}`;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request);
  const [items, unread] = await Promise.all([context.services.comments.inbox({ userId: user.id }), context.services.comments.unreadCount(user.id)]);
  // Mentions show members' current names; only the workspaces these items come from.
  const workspaceIds = [...new Set(items.map((i) => i.workspaceId))];
  const memberLists = await Promise.all(workspaceIds.map((id) => context.services.workspaces.members(id)));
  const names: [string, string][] = memberLists.flat().map((m) => [m.userId, m.name]);
  return {
    unread,
    names,
    items: items.map((i) => ({
      id: i.id,
      kind: i.kind,
      createdAt: i.createdAt,
      read: i.readAt !== null,
      prototypeTitle: i.prototypeTitle,
      authorName: i.authorName,
      excerpt: i.body === null ? null : i.body.length > EXCERPT_MAX ? `${i.body.slice(0, EXCERPT_MAX)}…` : i.body,
    })),
  };
}

const actionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("open"), itemId: z.string().uuid("Unknown inbox item.") }),
  z.object({ intent: z.literal("readAll") }),
]);

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request);
  const form = parseForm(await readForm(request), actionSchema);
  if (!form.ok) return data({ formError: Object.values(form.fieldErrors)[0] ?? "That action isn't available on this page." }, { status: 400 });
  const comments = context.services.comments;
  if (form.data.intent === "readAll") {
    await comments.markRead({ userId: user.id, ids: "all" });
    return { formError: null };
  }
  // The thread's address comes from the user's own item, never from the form.
  const itemId = form.data.itemId;
  const item = (await comments.inbox({ userId: user.id, limit: 500 })).find((i) => i.id === itemId);
  if (!item) return data({ formError: "This inbox item doesn't exist any more." }, { status: 404 });
  await comments.markRead({ userId: user.id, ids: [item.id] });
  throw redirect(threadUrl(item));
}

export default function Inbox() {
  const { items, unread, names } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const memberNames = new Map(names);
  return (
    <main id="main" className="account-page inbox-page">
      <p>
        <Brand />
      </p>
      <PageHeader
        title="Inbox"
        subtitle={<span className="inbox-count">{unread === 0 ? "Nothing unread" : `${unread} unread`}</span>}
        actions={
          <>
            {unread > 0 ? (
              <Form method="post">
                <button type="submit" name="intent" value="readAll" className="button button-secondary" disabled={navigation.state !== "idle"}>
                  Mark all read
                </button>
              </Form>
            ) : null}
            <Link to="/" className="button button-secondary">
              Back to your workspaces
            </Link>
          </>
        }
      />
      <FormError message={actionData?.formError} />
      {items.length === 0 ? (
        <EmptyState title="Nothing here yet">When someone mentions you in a comment or replies to your thread, it shows up here.</EmptyState>
      ) : (
        <ol className="inbox-list" aria-label="Inbox items">
          {items.map((item) => (
            <li key={item.id} className={item.read ? "inbox-item" : "inbox-item inbox-item-unread"}>
              <Form method="post" className="inbox-open">
                <input type="hidden" name="itemId" value={item.id} />
                <button type="submit" name="intent" value="open" className="inbox-link">
                  {item.read ? null : <span className="visually-hidden">Unread: </span>}
                  <strong>{item.authorName ?? "A former member"}</strong> {item.kind === "mention" ? "mentioned you" : "replied to your thread"} on <strong>{item.prototypeTitle}</strong>
                </button>
              </Form>
              <p className="inbox-excerpt">{item.excerpt === null ? <em>The comment was deleted.</em> : <CommentBody body={item.excerpt} members={memberNames} />}</p>
              <p className="inbox-time">
                <RelativeTime date={item.createdAt} />
              </p>
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
