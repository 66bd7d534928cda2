import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { PhasesEditor } from "~/components/sprints/PhasesEditor";
import { FormError, PageHeader, SubmitButton, TextArea, TextField } from "~/components/ui";
import { formValues, refusal, type ActionFailure } from "~/lib/actions.server";
import { readForm } from "~/lib/forms";
import { requireMember } from "~/lib/guards.server";
import { can, ROLE_LABELS } from "~/lib/policy";
import { DEFAULT_PHASES, SPRINT_NAME_MAX as NAME_MAX, SPRINT_TEXT_MAX as TEXT_MAX, phaseDraft, validatePhases, type PhaseDraft } from "~/lib/sprints/phases";
import sprintStyles from "~/styles/sprints.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: sprintStyles }];

export const meta: MetaFunction = () => [{ title: "New sprint · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId, "sprint.facilitate");
  const [prototypes, members] = await Promise.all([
    context.services.prototypes.list({ workspaceId: workspace.id }),
    context.services.workspaces.members(workspace.id),
  ]);
  return {
    workspace,
    userId: user.id,
    prototypes: prototypes.map((p) => ({ id: p.id, title: p.title })),
    members: members.map((m) => ({ userId: m.userId, name: m.name, role: m.role, canTakePart: can(m.role, "sprint.participate") })),
  };
}

interface SprintFormFailure extends ActionFailure {
  prototypeIds: string[];
  participantIds: string[];
  phases: PhaseDraft[];
  phaseIndex: number | null;
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId, "sprint.facilitate");
  const formData = await readForm(request);
  const all = (name: string) => formData.getAll(name).map((v) => (typeof v === "string" ? v : ""));
  const names = all("phaseName");
  const kinds = all("phaseKind");
  const minutes = all("phaseMinutes");
  const instructions = all("phaseInstructions");
  const drafts: PhaseDraft[] = names.map((name, i) => ({ name, kind: kinds[i] ?? "", minutes: minutes[i] ?? "", instructions: instructions[i] ?? "" }));
  const prototypeIds = all("prototypeId");
  const participantIds = all("participantId");
  const fail = (failure: Pick<ActionFailure, "fieldErrors" | "formError">, phaseIndex: number | null = null) =>
    data<SprintFormFailure>({ intent: null, ...failure, values: formValues(formData), prototypeIds, participantIds, phases: drafts, phaseIndex }, { status: 400 });

  const text = (key: string) => String(formData.get(key) ?? "");
  const fieldErrors: Record<string, string> = {};
  const name = text("name").trim();
  if (!name) fieldErrors.name = "Name is required.";
  else if (name.length > NAME_MAX) fieldErrors.name = `Name must be at most ${NAME_MAX} characters.`;
  for (const [key, label] of [["challenge", "Challenge"], ["goal", "Goal"]] as const) {
    if (text(key).trim().length > TEXT_MAX) fieldErrors[key] = `${label} must be at most ${TEXT_MAX} characters.`;
  }
  const phases = validatePhases(drafts);
  if (!phases.ok) fieldErrors.phases = phases.message;
  if (Object.keys(fieldErrors).length || !phases.ok) return fail({ fieldErrors, formError: null }, phases.ok ? null : phases.index);

  let sprint: { id: string };
  try {
    sprint = await context.services.sprints.create({
      workspaceId: workspace.id,
      userId: user.id,
      input: { name, challenge: text("challenge"), goal: text("goal"), prototypeIds, participantIds, phases: phases.phases },
    });
  } catch (error) {
    return fail(refusal(error));
  }
  throw redirect(`/w/${workspace.id}/sprints/${sprint.id}`);
}

export default function NewSprint() {
  const { workspace, userId, prototypes, members } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const errors = failure?.fieldErrors ?? {};
  const values = failure?.values;
  const base = `/w/${workspace.id}/sprints`;
  const chosenPrototypes = new Set(failure?.prototypeIds ?? []);
  const chosenPeople = new Set(failure?.participantIds ?? members.filter((m) => m.canTakePart && m.userId !== userId).map((m) => m.userId));
  return (
    <>
      <p className="back-link">
        <Link to={base}>← All sprints</Link>
      </p>
      <PageHeader title="New sprint" subtitle="Set the challenge, who takes part and the phases. You'll run it live from the sprint room." />
      <section className="card form-card" aria-label="New sprint">
        <FormError message={failure?.formError} />
        {/* The phases editor keys its rows by the failure, so a refused form shows what was sent. */}
        <Form method="post" noValidate key={failure ? JSON.stringify(failure.phases) : "new"}>
          <TextField label="Name" name="name" required maxLength={NAME_MAX} defaultValue={values?.name} error={errors.name} placeholder="e.g. Onboarding sprint, week 12" autoFocus />
          <TextArea
            label="Challenge"
            name="challenge"
            rows={2}
            maxLength={TEXT_MAX}
            defaultValue={values?.challenge}
            error={errors.challenge}
            hint="The question the sprint answers, e.g. “How might we get new managers giving feedback in their first month?”"
          />
          <TextArea label="Goal" name="goal" rows={2} maxLength={TEXT_MAX} defaultValue={values?.goal} error={errors.goal} hint="What the team should leave with." />

          <fieldset className={`checkbox-group${errors.prototypeIds ? " field-invalid" : ""}`} aria-describedby={errors.prototypeIds ? "prototypes-error" : undefined}>
            <legend>Prototypes in scope</legend>
            {prototypes.length === 0 ? <p className="field-hint">This workspace has no active prototypes yet; ideas from the sprint can become prototypes.</p> : null}
            {prototypes.map((p) => (
              <label key={p.id} className="checkbox">
                <input type="checkbox" name="prototypeId" value={p.id} defaultChecked={chosenPrototypes.has(p.id)} /> {p.title}
              </label>
            ))}
            {errors.prototypeIds ? (
              <p className="field-error" id="prototypes-error" role="alert">
                {errors.prototypeIds}
              </p>
            ) : null}
          </fieldset>

          <fieldset className={`checkbox-group${errors.participantIds ? " field-invalid" : ""}`} aria-describedby={errors.participantIds ? "participants-error" : undefined}>
            <legend>Participants</legend>
            <p className="field-hint">Facilitators and owners can always take part. Viewers can watch but not add ideas or vote.</p>
            {members.map((m) => (
              <label key={m.userId} className="checkbox">
                <input type="checkbox" name="participantId" value={m.userId} defaultChecked={chosenPeople.has(m.userId)} /> {m.name}{" "}
                <span className="muted small">({ROLE_LABELS[m.role]})</span>
              </label>
            ))}
            {errors.participantIds ? (
              <p className="field-error" id="participants-error" role="alert">
                {errors.participantIds}
              </p>
            ) : null}
          </fieldset>

          <PhasesEditor initial={failure?.phases ?? DEFAULT_PHASES.map(phaseDraft)} error={errors.phases} errorIndex={failure?.phaseIndex} />

          <div className="form-actions">
            <SubmitButton pendingText="Creating…">Create sprint</SubmitButton>
            <Link to={base} className="button button-secondary">
              Cancel
            </Link>
          </div>
        </Form>
      </section>
    </>
  );
}
