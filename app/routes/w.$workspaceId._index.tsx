import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Badge, EmptyState, PageHeader, RelativeTime } from "~/components/ui";
import { STAGES, STAGE_LABELS } from "~/lib/domain";
import { requireMember } from "~/lib/guards.server";
import { can } from "~/lib/policy";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const [prototypes, goals] = await Promise.all([
    context.services.prototypes.list({ workspaceId: workspace.id }),
    context.services.goals.list({ workspaceId: workspace.id }),
  ]);
  const byStage = Object.fromEntries(STAGES.map((s) => [s, prototypes.filter((p) => p.stage === s).length]));
  return { workspace, recent: prototypes.slice(0, 5), byStage, goals: goals.slice(0, 5), total: prototypes.length };
}

export default function Overview() {
  const { workspace, recent, byStage, goals, total } = useLoaderData<typeof loader>();
  const base = `/w/${workspace.id}`;
  return (
    <>
      <PageHeader
        title={workspace.name}
        subtitle="Your learning pilots at a glance."
        actions={
          can(workspace.role, "prototype.create") ? (
            <Link to={`${base}/prototypes/new`} className="button">
              New prototype
            </Link>
          ) : null
        }
      />
      <section className="card" aria-labelledby="pipeline-heading">
        <h2 id="pipeline-heading">Pipeline</h2>
        <div className="landing-grid" style={{ marginTop: 0 }}>
          {STAGES.map((stage) => (
            <Link key={stage} to={`${base}/prototypes?stage=${stage}`} className="card" style={{ textDecoration: "none", color: "inherit", marginBottom: 0 }}>
              <span className="stat">{byStage[stage]}</span>
              <br />
              <Badge tone={stage}>{STAGE_LABELS[stage]}</Badge>
            </Link>
          ))}
        </div>
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="recent-heading">
          <h2 id="recent-heading">Recently updated prototypes</h2>
          {total === 0 ? (
            <p className="muted">No prototypes yet.</p>
          ) : (
            <ul className="item-list">
              {recent.map((p) => (
                <li key={p.id}>
                  <Link to={`${base}/prototypes/${p.id}`}>{p.title}</Link>{" "}
                  <Badge tone={p.stage}>{STAGE_LABELS[p.stage]}</Badge>{" "}
                  <span className="muted small">
                    updated <RelativeTime date={p.updatedAt} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="goals-heading">
          <h2 id="goals-heading">Business goals</h2>
          {goals.length === 0 ? (
            <EmptyState title="No goals yet">Goals tie each pilot to what leaders care about.</EmptyState>
          ) : (
            <ul className="item-list">
              {goals.map((g) => (
                <li key={g.id}>
                  <Link to={`${base}/goals/${g.id}`}>{g.title}</Link>{" "}
                  <span className="muted small">
                    {g.prototypeCount} prototype{g.prototypeCount === 1 ? "" : "s"}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
