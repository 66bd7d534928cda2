import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DateTime } from "~/components/DateTime";
import { StageBadge } from "~/components/records";
import { Notice, PageHeader } from "~/components/ui";
import { VersionView } from "~/components/decisions/VersionView";
import { DECISION_LABELS } from "~/lib/decisions";
import { notFound, requireId, requireMember } from "~/lib/guards.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${DECISION_LABELS[data.decision.kind]} · ${data.prototype.title} · Pilotlab` : "Decision · Pilotlab" },
];

/** One decision and the read-only document version it was made on. Members only, like the prototype. */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const decisionId = requireId(params.decisionId);
  const [prototype, found] = await Promise.all([
    context.services.prototypes.get({ workspaceId: workspace.id, prototypeId }),
    context.services.decisions.get({ workspaceId: workspace.id, prototypeId, decisionId }),
  ]);
  if (!prototype || !found) throw notFound("This decision doesn't exist on this prototype.");
  const { docState, text, ...decision } = found;
  return {
    workspace,
    prototype: { id: prototype.id, title: prototype.title },
    decision,
    text,
    state: Buffer.from(docState).toString("base64"),
  };
}

export default function DecisionVersion() {
  const { workspace, prototype, decision, text, state } = useLoaderData<typeof loader>();
  const back = `/w/${workspace.id}/prototypes/${prototype.id}`;
  return (
    <>
      <p className="back-link">
        <Link to={back}>← {prototype.title}</Link>
      </p>
      <PageHeader
        title={`${DECISION_LABELS[decision.kind]}: the version it was made on`}
        subtitle={
          <span className="header-meta">
            <span>
              By {decision.decidedByName ?? "a former member"}, <DateTime date={decision.decidedAt} />
            </span>
            {decision.stageFrom && decision.stageTo ? (
              <span>
                Moved <StageBadge stage={decision.stageFrom} /> → <StageBadge stage={decision.stageTo} />
              </span>
            ) : null}
          </span>
        }
      />
      <Notice message="A read-only copy of the document as it was when this decision was made. Later edits are not shown." />
      {decision.note ? (
        <section className="card" aria-labelledby="note-heading">
          <h2 id="note-heading">Note</h2>
          <p className="decision-note">{decision.note}</p>
        </section>
      ) : null}
      <section className="card document-card" aria-labelledby="version-heading">
        <h2 id="version-heading">
          Document as of <DateTime date={decision.decidedAt} />
        </h2>
        <VersionView state={state} text={text} />
      </section>
    </>
  );
}
