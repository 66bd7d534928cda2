/**
 * Binds (or unbinds) an experiment card's success criterion to a feedback question. A resource
 * route: the card dialog posts here with a fetcher and stays open; the prototype page's loader
 * then reloads the binding and its evaluation.
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { isServiceError, readIntent, refusal } from "~/lib/actions.server";
import { RULES } from "~/lib/feedback/criteria";
import { readForm, parseForm } from "~/lib/forms";
import { notFound, requireId, requireMember } from "~/lib/guards.server";
import type { Action } from "~/lib/policy";

/** Card ids are minted by clients (UUIDs today); the service accepts this shape. */
const CARD_ID = /^[0-9A-Za-z-]{8,64}$/;

const INTENTS = { bind: "prototype.write", unbind: "prototype.write" } satisfies Record<string, Action>;

const bindingSchema = z.object({
  questionId: z.string({ message: "Choose a question." }).uuid("Choose a question from the list."),
  rule: z.enum(RULES, { message: "Choose a rule." }),
  threshold: z.coerce.number({ message: "Enter the threshold as a number." }).finite("Enter the threshold as a number."),
  choiceId: z
    .string()
    .optional()
    .transform((v) => (v ? v : null)),
  minResponses: z.coerce
    .number({ message: "Enter the minimum number of responses." })
    .int("The minimum number of responses must be a whole number.")
    .min(1, "At least 1 response is needed.")
    .max(100000, "At most 100000 responses."),
});

export interface BindingActionResult {
  ok: boolean;
  intent: "bind" | "unbind" | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
}

/** A resource route answers with a real Response: its status is what the client (and a fetcher) sees. */
const reply = (body: BindingActionResult, status = 200) => Response.json(body, { status });
const fail = (intent: BindingActionResult["intent"], errors: Pick<BindingActionResult, "fieldErrors" | "formError">, status = 400) =>
  reply({ ok: false, intent, ...errors }, status);

export async function action({ context, request, params }: ActionFunctionArgs) {
  // Both intents need prototype.write; checked before anything is read or written.
  const { user, workspace } = await requireMember(context, request, params.workspaceId, "prototype.write");
  const prototypeId = requireId(params.prototypeId);
  const cardId = params.cardId ?? "";
  if (!CARD_ID.test(cardId)) throw notFound("This card doesn't exist.");
  const formData = await readForm(request);
  const intent = readIntent(formData, INTENTS);
  if (!intent) return fail(null, { fieldErrors: {}, formError: "That action isn't available here." });

  const prototype = await context.services.prototypes.get({ workspaceId: workspace.id, prototypeId });
  if (!prototype) throw notFound("This prototype doesn't exist in this workspace.");
  if (prototype.archivedAt) return fail(intent, { fieldErrors: {}, formError: "This prototype is archived: restore it to change its experiments." }, 409);

  try {
    if (intent === "unbind") {
      await context.services.feedback.unbind({ workspaceId: workspace.id, prototypeId, cardId });
    } else {
      const form = parseForm(formData, bindingSchema);
      if (!form.ok) return fail(intent, { fieldErrors: form.fieldErrors, formError: null });
      await context.services.feedback.bind({ workspaceId: workspace.id, prototypeId, cardId, userId: user.id, input: form.data });
    }
  } catch (error) {
    // A started card's criterion is locked: a conflict with the card's state, not a bad form.
    const status = isServiceError(error) && error.code === "conflict" ? 409 : 400;
    return fail(intent, refusal(error), status);
  }
  return reply({ ok: true, intent, fieldErrors: {}, formError: null });
}
