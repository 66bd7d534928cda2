/**
 * A sprint's dot votes, as a resource route: GET is the viewer's view (their own dots only until
 * the reveal), POST opens, votes, takes a dot back, supervotes, closes or reveals. The voter is
 * always the session's user (a userId in the body is never read); who may do what is decided by
 * the service from sprintAccess. Answers are JSON with the status the client sees.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { isServiceError } from "~/lib/actions.server";
import { readForm, parseForm } from "~/lib/forms";
import { notFound, requireId, requireMember } from "~/lib/guards.server";
import { BUDGET_MAX, BUDGET_MIN } from "~/lib/sprints/votes";

const INTENTS = ["open", "vote", "unvote", "supervote", "close", "reveal"] as const;
type Intent = (typeof INTENTS)[number];

const pollId = z.string({ message: "Missing vote." }).uuid("Unknown vote.");
const itemId = z.string({ message: "Choose an item." }).min(1, "Choose an item.").max(64, "Unknown item.");
const dot = z.object({ pollId, itemId });
const SCHEMAS = {
  open: z.object({
    subject: z.enum(["ideas", "prototypes"], { message: "Choose ideas or prototypes to vote on." }),
    title: z.string({ message: "Give the vote a title." }),
    budget: z.coerce
      .number({ message: `Give each person between ${BUDGET_MIN} and ${BUDGET_MAX} dots.` })
      .int(`Give each person a whole number of dots.`)
      .min(BUDGET_MIN, `Give each person between ${BUDGET_MIN} and ${BUDGET_MAX} dots.`)
      .max(BUDGET_MAX, `Give each person between ${BUDGET_MIN} and ${BUDGET_MAX} dots.`),
    onePerItem: z
      .string()
      .optional()
      .transform((v) => v === "on" || v === "true"),
  }),
  vote: dot,
  unvote: dot,
  supervote: dot,
  close: z.object({ pollId }),
  reveal: z.object({ pollId }),
} satisfies Record<Intent, z.ZodType>;

export interface PollActionResult {
  ok: boolean;
  intent: Intent | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
  pollId?: string;
}

const reply = (result: PollActionResult, status = 200) => Response.json(result, { status });

const STATUS: Record<string, number> = { forbidden: 403, not_found: 404, conflict: 409 };

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const sprintId = requireId(params.sprintId);
  const view = await context.services.sprintVotes.view({ workspaceId: workspace.id, sprintId, userId: user.id });
  if (!view) throw notFound("This sprint doesn't exist in this workspace.");
  return Response.json(view, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const sprintId = requireId(params.sprintId);
  const formData = await readForm(request);
  const raw = formData.get("intent");
  const intent = INTENTS.find((i) => i === raw) ?? null;
  if (!intent) return reply({ ok: false, intent: null, fieldErrors: {}, formError: "That action isn't available here." }, 400);
  const parsed = parseForm(formData, SCHEMAS[intent]);
  if (!parsed.ok) return reply({ ok: false, intent, fieldErrors: parsed.fieldErrors, formError: null }, 400);

  const votes = context.services.sprintVotes;
  // The session's user, never a field of the form.
  const actor = { workspaceId: workspace.id, sprintId, userId: user.id };
  try {
    switch (intent) {
      case "open": {
        const f = parsed.data as z.output<(typeof SCHEMAS)["open"]>;
        const { pollId: opened } = await votes.open({ ...actor, subject: f.subject, title: f.title, budget: f.budget, onePerItem: f.onePerItem });
        return reply({ ok: true, intent, fieldErrors: {}, formError: null, pollId: opened });
      }
      case "vote":
      case "unvote":
      case "supervote": {
        const f = parsed.data as z.output<typeof dot>;
        await votes[intent]({ ...actor, pollId: f.pollId, itemId: f.itemId });
        return reply({ ok: true, intent, fieldErrors: {}, formError: null, pollId: f.pollId });
      }
      case "close":
      case "reveal": {
        const f = parsed.data as { pollId: string };
        await votes[intent]({ ...actor, pollId: f.pollId });
        return reply({ ok: true, intent, fieldErrors: {}, formError: null, pollId: f.pollId });
      }
    }
  } catch (error) {
    if (!isServiceError(error)) throw error;
    // Dot refusals are about the whole ballot, not an input: shown as the form's error.
    const fieldErrors = error.field && intent === "open" ? { [error.field]: error.message } : {};
    return reply({ ok: false, intent, fieldErrors, formError: intent === "open" && error.field ? null : error.message }, STATUS[error.code] ?? 400);
  }
}
