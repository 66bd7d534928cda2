import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSubmit } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { ArchiveTabs, ListEmptyState, StageBadge, goalOptions, stageOptions } from "~/components/records";
import { PageHeader, RelativeTime, SelectField, TextField } from "~/components/ui";
import { STAGE_LABELS, isStage } from "~/lib/domain";
import { requireMember } from "~/lib/guards.server";
import { can } from "~/lib/policy";

/** Longest search accepted from the URL. */
const SEARCH_MAX = 200;

export const meta: MetaFunction = () => [{ title: "Prototypes · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const search = new URL(request.url).searchParams;
  const archived = search.get("archived") === "1";
  const [activeGoals, archivedGoals] = await Promise.all([
    context.services.goals.list({ workspaceId: workspace.id }),
    context.services.goals.list({ workspaceId: workspace.id, archived: true }),
  ]);
  const goals = [...activeGoals, ...archivedGoals].map((g) => ({ id: g.id, title: g.title, archivedAt: g.archivedAt }));
  // Filters come from the URL: anything that isn't a stage or one of this workspace's goals is ignored.
  const stageParam = search.get("stage");
  const stage = isStage(stageParam) ? stageParam : null;
  const goalParam = search.get("goal");
  const goal = goals.find((g) => g.id === goalParam) ?? null;
  const q = search.get("q")?.trim().slice(0, SEARCH_MAX) || null;
  const prototypes = await context.services.prototypes.list({ workspaceId: workspace.id, stage, goalId: goal?.id ?? null, archived, q });
  return {
    workspace,
    archived,
    filters: { stage, goalId: goal?.id ?? null, q },
    goals,
    canCreate: can(workspace.role, "prototype.create"),
    prototypes: prototypes.map((p) => ({
      id: p.id,
      title: p.title,
      stage: p.stage,
      goalId: p.goalId,
      goalTitle: p.goalTitle,
      ownerName: p.ownerName,
      updatedAt: p.updatedAt,
      excerpt: p.excerpt,
    })),
  };
}

/** A list URL with the given filters; empty ones are left out. */
function listHref(base: string, params: { stage?: string | null; goal?: string | null; archived?: boolean; q?: string | null }) {
  const search = new URLSearchParams();
  if (params.q) search.set("q", params.q);
  if (params.stage) search.set("stage", params.stage);
  if (params.goal) search.set("goal", params.goal);
  if (params.archived) search.set("archived", "1");
  const query = search.toString();
  return query ? `${base}?${query}` : base;
}

export default function Prototypes() {
  const { workspace, archived, filters, goals, canCreate, prototypes } = useLoaderData<typeof loader>();
  const base = `/w/${workspace.id}`;
  const listBase = `${base}/prototypes`;
  const filtered = Boolean(filters.stage || filters.goalId || filters.q);
  const filterGoal = goals.find((g) => g.id === filters.goalId);
  const newHref = filterGoal && !filterGoal.archivedAt ? `${base}/prototypes/new?goal=${filterGoal.id}` : `${base}/prototypes/new`;
  const newButton = canCreate ? (
    <Link to={newHref} className="button">
      New prototype
    </Link>
  ) : null;
  const count = prototypes.length;

  return (
    <>
      <PageHeader title="Prototypes" subtitle="Every learning pilot in this workspace, most recently updated first." actions={newButton} />
      <div className="list-toolbar">
        <FilterForm filters={filters} goals={goals} archived={archived} />
        <ArchiveTabs
          label="Prototype status"
          archived={archived}
          activeHref={listHref(listBase, { stage: filters.stage, goal: filters.goalId, q: filters.q })}
          archivedHref={listHref(listBase, { stage: filters.stage, goal: filters.goalId, q: filters.q, archived: true })}
        />
      </div>
      <section aria-labelledby="prototype-list-heading">
        <h2 id="prototype-list-heading" className="visually-hidden">
          {archived ? "Archived prototypes" : "Active prototypes"}
        </h2>
        <p className="muted small" role="status">
          {count} {archived ? "archived " : ""}prototype{count === 1 ? "" : "s"}
          {filters.stage ? ` in ${STAGE_LABELS[filters.stage]}` : ""}
          {filterGoal ? ` for “${filterGoal.title}”` : ""}
          {filters.q ? ` matching “${filters.q}”` : ""}
        </p>
        {count === 0 ? (
          filtered ? (
            <ListEmptyState
              title={filters.q ? `Nothing matches “${filters.q}”` : "No prototypes match these filters"}
              action={
                <Link to={listHref(listBase, { archived })} className="button button-secondary">
                  Clear filters
                </Link>
              }
            >
              {filters.q ? "Try other words, or fewer filters." : "Try another stage or goal."}
            </ListEmptyState>
          ) : archived ? (
            <ListEmptyState title="No archived prototypes">Prototypes you archive are kept here and can be restored.</ListEmptyState>
          ) : (
            <ListEmptyState title="No prototypes yet" action={newButton}>
              A prototype is the design of a learning pilot: start from an idea and take it to a pilot.
            </ListEmptyState>
          )
        ) : (
          <ul className="item-list">
            {prototypes.map((p) => (
              <li key={p.id} className="item">
                <div className="item-body">
                  <h3>
                    <Link to={`${base}/prototypes/${p.id}`}>{p.title}</Link>
                  </h3>
                  {p.excerpt ? (
                    <p className="excerpt">
                      <Excerpt text={p.excerpt} />
                    </p>
                  ) : null}
                  <div className="item-meta">
                    <StageBadge stage={p.stage} />
                    <span>Goal: {p.goalId ? <Link to={`${base}/goals/${p.goalId}`}>{p.goalTitle}</Link> : "No goal"}</span>
                    <span>Owner: {p.ownerName ?? "No owner"}</span>
                    <span>
                      Updated <RelativeTime date={p.updatedAt} />
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

/** Renders an excerpt, highlighting search matches the server marked. */
function Excerpt({ text }: { text: string }) {
  const parts = text.split(/(\u0002[^\u0003]*\u0003)/);
  return (
    <>
      {parts.map((part, i) => (part.startsWith("\u0002") ? <mark key={i}>{part.slice(1, -1)}</mark> : <span key={i}>{part.replace(/\n/g, " · ")}</span>))}
    </>
  );
}

function FilterForm({
  filters,
  goals,
  archived,
}: {
  filters: { stage: string | null; goalId: string | null; q: string | null };
  goals: { id: string; title: string; archivedAt: Date | string | null }[];
  archived: boolean;
}) {
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
  // The selects are uncontrolled (they work without JS); keep them in step when the URL changes by a link.
  useEffect(() => {
    const elements = form.current?.elements;
    if (!elements) return;
    const stage = elements.namedItem("stage") as HTMLSelectElement | null;
    const goal = elements.namedItem("goal") as HTMLSelectElement | null;
    if (stage) stage.value = filters.stage ?? "";
    if (goal) goal.value = filters.goalId ?? "";
    const q = elements.namedItem("q") as HTMLInputElement | null;
    if (q && document.activeElement !== q) q.value = filters.q ?? "";
  }, [filters.stage, filters.goalId, filters.q]);

  return (
    <Form
      ref={form}
      method="get"
      className="filters"
      aria-label="Filter prototypes"
      onChange={(event) => {
        // Selects apply at once; the search box applies on Enter or "Apply".
        if ((event.target as HTMLElement).tagName === "SELECT") submit(event.currentTarget, { replace: true, preventScrollReset: true });
      }}
    >
      <TextField label="Search" name="q" type="search" defaultValue={filters.q ?? ""} placeholder="Words in the title or document" maxLength={SEARCH_MAX} />
      <SelectField
        label="Stage"
        name="stage"
        defaultValue={filters.stage ?? ""}
        options={[{ value: "", label: "All stages" }, ...stageOptions]}
      />
      <SelectField label="Goal" name="goal" defaultValue={filters.goalId ?? ""} options={goalOptions(goals, "All goals")} />
      {archived ? <input type="hidden" name="archived" value="1" /> : null}
      <button type="submit" className="button button-secondary">
        Apply
      </button>
    </Form>
  );
}
