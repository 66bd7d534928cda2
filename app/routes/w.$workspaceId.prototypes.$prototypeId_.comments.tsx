/**
 * Comment threads of a prototype, as a resource route: GET lists them (any member), POST opens a
 * thread, replies, edits, deletes, resolves or reopens. The author is always the session's user.
 * Answers are JSON with the status the client sees (a fetcher keeps the page as it is).
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { isServiceError, readIntent, refusal } from "~/lib/actions.server";
import { readForm, parseForm } from "~/lib/forms";
import { forbidden, notFound, requireId, requireMember } from "~/lib/guards.server";
import { can, type Action } from "~/lib/policy";

const INTENTS = {
  thread: "prototype.comment",
  reply: "prototype.comment",
  edit: "prototype.comment",
  delete: "workspace.view", // one's own (any role that wrote it) or any, for owners: the service decides
  resolve: "prototype.comment",
  reopen: "prototype.comment",
} satisfies Record<string, Action>;

const body = z.string({ message: "Write a comment before sending it." });
const id = (what: string) => z.string({ message: `Missing ${what}.` }).uuid(`Unknown ${what}.`);
const SCHEMAS = {
  thread: z.object({ body, anchorStart: z.string().max(2000), anchorEnd: z.string().max(2000), quote: z.string().max(5000) }),
  reply: z.object({ threadId: id("thread"), body }),
  edit: z.object({ commentId: id("comment"), body }),
  delete: z.object({ commentId: id("comment") }),
  resolve: z.object({ threadId: id("thread") }),
  reopen: z.object({ threadId: id("thread") }),
};

export interface CommentActionResult {
  ok: boolean;
  intent: keyof typeof INTENTS | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
  threadId?: string;
  commentId?: string;
}

const reply = (result: CommentActionResult, status = 200) => Response.json(result, { status });

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const prototype = await context.services.prototypes.get({ workspaceId: workspace.id, prototypeId });
  if (!prototype) throw notFound("This prototype doesn't exist in this workspace.");
  return Response.json({ threads: await context.services.comments.threads({ workspaceId: workspace.id, prototypeId }) });
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const formData = await readForm(request);
  const intent = readIntent(formData, INTENTS);
  if (!intent) return reply({ ok: false, intent: null, fieldErrors: {}, formError: "That action isn't available here." }, 400);
  if (!can(workspace.role, INTENTS[intent])) throw forbidden();
  const prototype = await context.services.prototypes.get({ workspaceId: workspace.id, prototypeId });
  if (!prototype) throw notFound("This prototype doesn't exist in this workspace.");

  const parsed = parseForm(formData, SCHEMAS[intent] as z.ZodType<Record<string, string>>);
  if (!parsed.ok) return reply({ ok: false, intent, fieldErrors: parsed.fieldErrors, formError: null }, 400);
  const f = parsed.data;
  const actor = { userId: user.id, role: workspace.role };
  const comments = context.services.comments;
  const base = { workspaceId: workspace.id, actor };
  try {
    let result: Partial<CommentActionResult> = {};
    switch (intent) {
      case "thread": {
        const created = await comments.createThread({ ...base, prototypeId, anchor: { start: f.anchorStart, end: f.anchorEnd, quote: f.quote }, body: f.body });
        result = created;
        break;
      }
      case "reply":
        result = { threadId: f.threadId, ...(await comments.reply({ ...base, threadId: f.threadId, body: f.body })) };
        break;
      case "edit":
        await comments.edit({ ...base, commentId: f.commentId, body: f.body });
        result = { commentId: f.commentId };
        break;
      case "delete":
        await comments.remove({ ...base, commentId: f.commentId });
        result = { commentId: f.commentId };
        break;
      case "resolve":
      case "reopen":
        await comments.setResolved({ ...base, threadId: f.threadId, resolved: intent === "resolve" });
        result = { threadId: f.threadId };
        break;
    }
    // Everyone with the prototype open reloads its threads (the event carries only an id).
    context.services.prototypeEvents.publish({ prototypeId, kind: "comment", id: result.commentId ?? result.threadId ?? prototypeId });
    return reply({ ok: true, intent, fieldErrors: {}, formError: null, threadId: result.threadId, commentId: result.commentId });
  } catch (error) {
    // Someone else's comment or thread: a refusal of this person, not a bad form.
    if (isServiceError(error) && error.code === "conflict") return reply({ ok: false, intent, fieldErrors: {}, formError: error.message }, 403);
    return reply({ ok: false, intent, ...refusal(error) }, 400);
  }
}
