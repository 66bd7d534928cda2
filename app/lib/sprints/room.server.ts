import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";

type Params = LoaderFunctionArgs["params"];
import { formValues, readIntent, refusal, type ActionFailure } from "~/lib/actions.server";
import { colorFor } from "~/lib/colors";
import { sprintDocName } from "~/lib/editor/docName";
import { readForm } from "~/lib/forms";
import { notFound, requireId, requireMember } from "~/lib/guards.server";
import { can } from "~/lib/policy";

/**
 * The sprint room for the signed-in member: the page's loader and the room's JSON state answer
 * (`…/state`) both read it, so a late joiner, a reload and a reconnect all get the timer with the
 * server's "now", and the room's version its event stream compares against.
 */
export async function loadRoom(context: AppLoadContext, request: Request, params: Params) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const sprintId = requireId(params.sprintId);
  // The version first: a change landing between the two reads makes it older than the room, never newer.
  const version = await context.services.sprints.version(sprintId);
  const room = await context.services.sprints.room({ sprintId, workspaceId: workspace.id, userId: user.id });
  if (!room || version === null) throw notFound("This sprint doesn't exist in this workspace.");
  return {
    workspace,
    version,
    user: { id: user.id, name: user.name, color: colorFor(user.id) },
    room,
    docName: sprintDocName(room.id),
    canMakePrototype: room.access.canTakePart && can(workspace.role, "prototype.create"),
  };
}

/** The room's forms; the service decides who may (facilitators for controls, participants for ideas). */
const INTENTS = {
  phase: "sprint.facilitate",
  timer: "sprint.facilitate",
  lock: "sprint.facilitate",
  unlock: "sprint.facilitate",
  decider: "sprint.facilitate",
  gather: "sprint.facilitate",
  end: "sprint.facilitate",
  makePrototype: "sprint.participate",
} as const;

export type RoomActionData = { ok: true; intent: string; prototypeId?: string; created?: boolean } | (ActionFailure & { ok: false });

/** What the state route answers a POST with. */
export interface RoomAnswer {
  status: number;
  body: RoomActionData;
}

/** A whole number from a form field; anything else is NaN (the service explains the range). */
const wholeNumber = (value: FormDataEntryValue | null) => (typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN);

/**
 * Runs one control of the room (phase, timer, lock, decider, gather, end) or turns an idea into a
 * prototype. Refusals: 403 for who may not, 404 for a sprint they can't see, 400 with one message.
 */
export async function roomAction(context: AppLoadContext, request: Request, params: Params): Promise<RoomAnswer> {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const sprintId = requireId(params.sprintId);
  const formData = await readForm(request);
  const intent = readIntent(formData, INTENTS);
  const actor = { sprintId, workspaceId: workspace.id, userId: user.id };
  const field = (name: string) => String(formData.get(name) ?? "");
  const fail = (formError: string, fieldErrors: Record<string, string> = {}): RoomAnswer => ({
    status: 400,
    body: { ok: false, intent, fieldErrors, formError, values: formValues(formData) },
  });
  const { sprints } = context.services;
  try {
    switch (intent) {
      case "phase":
        await sprints.goToPhase(actor, wholeNumber(formData.get("position")));
        break;
      case "timer": {
        const op = field("op");
        if (op === "start") await sprints.timerStart(actor);
        else if (op === "pause") await sprints.timerPause(actor);
        else if (op === "reset") await sprints.timerReset(actor);
        else if (op === "extend") await sprints.timerExtend(actor, wholeNumber(formData.get("minutes")));
        else return fail("Choose start, pause, extend or reset.");
        break;
      }
      case "lock":
      case "unlock":
        await sprints.setIdeasLocked(actor, intent === "lock");
        break;
      case "decider":
        await sprints.setDecider(actor, field("deciderId") || null);
        break;
      case "gather":
        await sprints.gather(actor);
        break;
      case "end":
        await sprints.end(actor);
        break;
      case "makePrototype":
        return { status: 200, body: { ok: true, intent, ...(await sprints.ideaToPrototype(actor, field("ideaId"))) } };
      default:
        return fail("Unknown action. Reload the page and try again.");
    }
  } catch (error) {
    const { fieldErrors, formError } = refusal(error);
    // The room shows one message per control.
    return fail(formError ?? Object.values(fieldErrors)[0] ?? "That didn't work.", fieldErrors);
  }
  return { status: 200, body: { ok: true, intent } };
}
