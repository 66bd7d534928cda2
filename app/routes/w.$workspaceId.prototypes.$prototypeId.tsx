import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ArchiveForm, Facts, SavedStatus, StageBadge, goalOptions, ownerOptions, stageOptions } from "~/components/records";
import { Badge, FormError, Notice, PageHeader, RelativeTime, SelectField, SubmitButton, TextField } from "~/components/ui";
import { formValues, readIntent, refusal, type ActionFailure } from "~/lib/actions.server";
import { parseForm, readForm } from "~/lib/forms";
import { forbidden, notFound, requireId, requireMember } from "~/lib/guards.server";
import { TITLE_MAX } from "~/lib/limits";
import { can, ROLE_LABELS, type Action } from "~/lib/policy";
import { colorFor } from "~/lib/colors";
import { prototypeDocName } from "~/lib/editor/docName";
import { PrototypeEditor } from "~/components/editor/PrototypeEditor";
import { MemberNamesProvider } from "~/components/editor/ExperimentCardView";
import { useCollabDocument } from "~/components/editor/useCollabDocument";
import { ExperimentsBoard } from "~/components/experiments/Board";
import type { CardEvidence } from "~/components/experiments/evidence";
import { loadCardEvidence } from "~/lib/feedback/cardEvidence.server";
import { prototypeSchema } from "~/lib/schemas";
import { DecisionLane } from "~/components/decisions/DecisionLane";
import { useLiveEvents, type LiveState } from "~/components/useLiveEvents";
import { CommentsPanel } from "~/components/comments/CommentsPanel";
import { useState } from "react";
import type { Editor } from "@tiptap/react";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.prototype.title} · Pilotlab` : "Prototype · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const prototype = await context.services.prototypes.get({ workspaceId: workspace.id, prototypeId });
  if (!prototype) throw notFound("This prototype doesn't exist in this workspace.");
  const canEdit = can(workspace.role, "prototype.edit");
  // Members for every role: the experiment cards show their owners' names to readers too.
  const [goals, members, evidence, decisions, approveMovesStage, threads] = await Promise.all([
    canEdit ? context.services.goals.list({ workspaceId: workspace.id }) : Promise.resolve([]),
    context.services.workspaces.members(workspace.id),
    // Experiment criteria bound to feedback questions, with what the answers say now.
    loadCardEvidence(context, { workspaceId: workspace.id, prototypeId }),
    context.services.decisions.list({ workspaceId: workspace.id, prototypeId }),
    context.services.decisions.approveMovesStage(workspace.id),
    context.services.comments.threads({ workspaceId: workspace.id, prototypeId }),
  ]);
  const goalChoices = goals.map((g) => ({ id: g.id, title: g.title, archivedAt: g.archivedAt }));
  // An archived goal can't be chosen anew, but the one already linked stays selectable so saving keeps it.
  if (canEdit && prototype.goalId && !goalChoices.some((g) => g.id === prototype.goalId)) {
    goalChoices.push({ id: prototype.goalId, title: prototype.goalTitle ?? "Archived goal", archivedAt: new Date() });
  }
  return {
    workspace,
    userId: user.id,
    prototype,
    goals: goalChoices,
    members: members.map((m) => ({ userId: m.userId, name: m.name })),
    canEdit,
    canArchive: can(workspace.role, "prototype.archive"),
    // An archived prototype's document is frozen (the server refuses writes too) until restored.
    canWrite: can(workspace.role, "prototype.write") && !prototype.archivedAt,
    docName: prototypeDocName(prototype.id),
    editorUser: { id: user.id, name: user.name, color: colorFor(user.id) },
    evidence,
    decisions,
    approveMovesStage,
    canDecide: can(workspace.role, "prototype.decide") && !prototype.archivedAt,
    threads,
    // An archived prototype is frozen for comments too (its threads stay readable).
    canComment: can(workspace.role, "prototype.comment") && !prototype.archivedAt,
    canResolveAny: can(workspace.role, "prototype.write"),
    canModerate: can(workspace.role, "comment.moderate"),
  };
}

/** Each form on this page names its intent; the policy action it needs. */
const INTENTS = { save: "prototype.edit", archive: "prototype.archive", restore: "prototype.archive", decide: "prototype.decide" } satisfies Record<string, Action>;

export async function action({ context, request, params }: ActionFunctionArgs) {
  const { user, workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const formData = await readForm(request);
  const intent = readIntent(formData, INTENTS);
  if (!intent) return data<ActionFailure>({ intent: null, fieldErrors: {}, formError: "That action isn't available on this page.", values: {} }, { status: 400 });
  if (!can(workspace.role, INTENTS[intent])) throw forbidden();

  try {
    if (intent === "save") {
      const form = parseForm(formData, prototypeSchema);
      if (!form.ok) return data<ActionFailure>({ intent, fieldErrors: form.fieldErrors, formError: null, values: form.values }, { status: 400 });
      await context.services.prototypes.update({ workspaceId: workspace.id, prototypeId, input: form.data });
    } else if (intent === "decide") {
      // The decider is the session's user; kind and note are checked by the service.
      const field = (name: string) => (typeof formData.get(name) === "string" ? (formData.get(name) as string) : "");
      await context.services.decisions.record({ workspaceId: workspace.id, prototypeId, userId: user.id, kind: field("kind"), note: field("note") });
    } else {
      await context.services.prototypes.setArchived({ workspaceId: workspace.id, prototypeId, archived: intent === "archive" });
    }
  } catch (error) {
    return data<ActionFailure>({ intent, ...refusal(error), values: formValues(formData) }, { status: 400 });
  }
  throw redirect(`/w/${workspace.id}/prototypes/${prototypeId}`);
}

/** Kinds of live event this page reloads on. */
const PROTOTYPE_EVENT_KINDS = ["decision", "comment"] as const;

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: "Connecting for live updates…",
  live: "Live: new decisions appear here as they are made.",
  offline: "Live updates are off; reload the page to see new decisions.",
};

export default function PrototypePage() {
  const { workspace, userId, prototype, goals, members, canEdit, canArchive, canWrite, docName, editorUser, evidence, decisions, approveMovesStage, canDecide, threads, canComment, canResolveAny, canModerate } =
    useLoaderData<typeof loader>();
  // The comments panel anchors and highlights threads in this editor.
  const [editor, setEditor] = useState<Editor | null>(null);
  const actionData = useActionData<typeof action>();
  // One connection for the page: the document and the experiment cards share its Y.Doc.
  const collab = useCollabDocument(docName);
  const base = `/w/${workspace.id}`;
  // Decisions (and later comments) made by others reload this page's data as they are stored.
  const live = useLiveEvents(`${base}/prototypes/${prototype.id}/events`, PROTOTYPE_EVENT_KINDS);
  const cardEvidence: CardEvidence = {
    ...evidence,
    bindingUrl: (cardId) => `${base}/prototypes/${prototype.id}/experiments/${encodeURIComponent(cardId)}/binding`,
    feedbackUrl: `${base}/prototypes/${prototype.id}/feedback`,
  };
  const archived = Boolean(prototype.archivedAt);
  const saveErrors = actionData?.intent === "save" ? actionData : null;
  const errors = saveErrors?.fieldErrors ?? {};
  const values = saveErrors?.values;
  const goalLink = prototype.goalId ? <Link to={`${base}/goals/${prototype.goalId}`}>{prototype.goalTitle}</Link> : "No goal";
  return (
    <>
      <p className="back-link">
        <Link to={`${base}/prototypes`}>← All prototypes</Link>
      </p>
      <PageHeader
        title={prototype.title}
        subtitle={
          <span className="header-meta">
            {archived ? <Badge>Archived</Badge> : null}
            <StageBadge stage={prototype.stage} />
            <span>Goal: {goalLink}</span>
            <span>Owner: {prototype.ownerName ?? "No owner"}</span>
            <Link to={`${base}/prototypes/${prototype.id}/feedback`}>Feedback</Link>
          </span>
        }
        actions={
          canArchive ? (
            <ArchiveForm archived={archived} description={archived ? "Make this prototype active again" : "Move this prototype to the archive; it can be restored"} />
          ) : null
        }
      />
      {actionData && actionData.intent !== "save" && actionData.intent !== "decide" ? <FormError message={actionData.formError} /> : null}
      {archived ? <Notice message={`This prototype is archived.${canArchive ? " Restore it to bring it back to the active list." : ""}`} /> : null}
      <div className="records-layout">
        <section className="card document-card" aria-labelledby="document-heading">
          <h2 id="document-heading">Design document</h2>
          {/* Embedded experiment cards show their owners' names. */}
          <MemberNamesProvider members={members}>
            <PrototypeEditor
              collab={collab}
              user={editorUser}
              canWrite={canWrite}
              onEditor={setEditor}
              readOnlyNote={
                archived
                  ? "Read-only while archived: restore the prototype to edit its document."
                  : `Read-only: as ${ROLE_LABELS[workspace.role]} you can follow this document live but not change it.`
              }
            />
          </MemberNamesProvider>
        </section>
        <div>
          <CommentsPanel
            editor={editor}
            threads={threads}
            members={members}
            userId={userId}
            canComment={canComment}
            canResolveAny={canResolveAny}
            canModerate={canModerate}
            actionUrl={`${base}/prototypes/${prototype.id}/comments`}
          />
          {canEdit ? (
            <section className="card form-card" aria-labelledby="settings-heading">
              <h2 id="settings-heading">Settings</h2>
              <FormError message={saveErrors?.formError} />
              <Form method="post" noValidate>
                {/* Keyed on the last update so the fields show what was saved, including others' changes. */}
                <div key={String(prototype.updatedAt)}>
                  <TextField label="Title" name="title" required maxLength={TITLE_MAX} defaultValue={values?.title ?? prototype.title} error={errors.title} />
                  <SelectField label="Stage" name="stage" options={stageOptions} defaultValue={values?.stage ?? prototype.stage} error={errors.stage} />
                  <SelectField
                    label="Owner"
                    name="ownerId"
                    options={ownerOptions(members, userId)}
                    defaultValue={values ? values.ownerId : (prototype.ownerId ?? "")}
                    error={errors.ownerId}
                  />
                  <SelectField
                    label="Goal"
                    name="goalId"
                    options={goalOptions(goals, "No goal")}
                    defaultValue={values ? values.goalId : (prototype.goalId ?? "")}
                    error={errors.goalId}
                  />
                </div>
                <div className="form-actions">
                  <SubmitButton intent="save" pendingText="Saving…">
                    Save changes
                  </SubmitButton>
                  <SavedStatus intent="save">Changes saved.</SavedStatus>
                </div>
              </Form>
            </section>
          ) : null}
          <section className="card" aria-labelledby="details-heading">
            <h2 id="details-heading">Details</h2>
            <Facts
              items={[
                { term: "Stage", value: <StageBadge stage={prototype.stage} /> },
                { term: "Goal", value: goalLink },
                { term: "Owner", value: prototype.ownerName ?? "No owner" },
                { term: "Created", value: <RelativeTime date={prototype.createdAt} /> },
                { term: "Updated", value: <RelativeTime date={prototype.updatedAt} /> },
              ]}
            />
          </section>
          <DecisionLane
            decisions={decisions}
            canDecide={canDecide}
            approveMovesStage={approveMovesStage}
            versionUrl={(decisionId) => `${base}/prototypes/${prototype.id}/decisions/${decisionId}`}
            failure={actionData?.intent === "decide" ? actionData : null}
            live={LIVE_TEXT[live]}
          />
        </div>
      </div>
      <section className="card experiments-card" aria-labelledby="experiments-heading">
        <h2 id="experiments-heading">Experiments</h2>
        {collab ? (
          <ExperimentsBoard collab={collab} userId={userId} canWrite={canWrite} members={members} evidence={cardEvidence} />
        ) : (
          <p className="editor-loading" aria-live="polite">
            Loading experiments…
          </p>
        )}
      </section>
    </>
  );
}
