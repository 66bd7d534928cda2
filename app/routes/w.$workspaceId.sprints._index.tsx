import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ListEmptyState } from "~/components/records";
import { Badge, PageHeader, RelativeTime } from "~/components/ui";
import { requireMember } from "~/lib/guards.server";
import { can } from "~/lib/policy";
import sprintStyles from "~/styles/sprints.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: sprintStyles }];

export const meta: MetaFunction = () => [{ title: "Sprints · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const sprints = await context.services.sprints.list({ workspaceId: workspace.id });
  return { workspace, canCreate: can(workspace.role, "sprint.facilitate"), sprints };
}

export default function Sprints() {
  const { workspace, canCreate, sprints } = useLoaderData<typeof loader>();
  const base = `/w/${workspace.id}/sprints`;
  const newButton = canCreate ? (
    <Link to={`${base}/new`} className="button">
      New sprint
    </Link>
  ) : null;
  return (
    <>
      <PageHeader title="Sprints" subtitle="Facilitated innovation sprints: phases, a shared timer, ideas and dot voting." actions={newButton} />
      <section aria-labelledby="sprint-list-heading">
        <h2 id="sprint-list-heading" className="visually-hidden">
          All sprints
        </h2>
        {sprints.length === 0 ? (
          <ListEmptyState title="No sprints yet" action={newButton}>
            {canCreate
              ? "Run a sprint to generate, choose and test learning-initiative ideas with your team."
              : "Facilitators run sprints here; you'll see the ones you can join."}
          </ListEmptyState>
        ) : (
          <ul className="item-list">
            {sprints.map((s) => (
              <li key={s.id} className="item">
                <div className="item-body">
                  <h3>
                    <Link to={`${base}/${s.id}`}>{s.name}</Link>
                  </h3>
                  {s.challenge ? <p className="excerpt">{s.challenge}</p> : null}
                  <div className="item-meta">
                    {s.endedAt ? (
                      <Badge tone="retired">Ended</Badge>
                    ) : (
                      <Badge tone="piloting">
                        Phase {s.currentPhase + 1} of {s.phaseCount}
                        {s.phaseName ? `: ${s.phaseName}` : ""}
                      </Badge>
                    )}
                    <span>
                      {s.participantCount} participant{s.participantCount === 1 ? "" : "s"}
                    </span>
                    <span>
                      Created <RelativeTime date={s.createdAt} />
                    </span>
                  </div>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
