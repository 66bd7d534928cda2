import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSubmit } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { ExperimentStatusBadge } from "~/components/ExperimentStatusBadge";
import { ListEmptyState, goalOptions } from "~/components/records";
import { Badge, PageHeader, SelectField } from "~/components/ui";
import { experimentAnchor } from "~/lib/experiments/anchor";
import { CARD_STATUSES, DECISION_LABELS, STATUS_LABELS, isCardStatus, isVerdict, type CardStatus } from "~/lib/experiments/cards";
import { requireMember } from "~/lib/guards.server";

export const meta: MetaFunction = () => [{ title: "Experiments · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const search = new URL(request.url).searchParams;
  const [members, activeGoals, archivedGoals] = await Promise.all([
    context.services.workspaces.members(workspace.id),
    context.services.goals.list({ workspaceId: workspace.id }),
    context.services.goals.list({ workspaceId: workspace.id, archived: true }),
  ]);
  const goals = [...activeGoals, ...archivedGoals].map((g) => ({ id: g.id, title: g.title, archivedAt: g.archivedAt }));
  // Filters come from the URL: anything that isn't a status, a member or one of this workspace's goals is ignored.
  const statusParam = search.get("status");
  const status = isCardStatus(statusParam) ? statusParam : null;
  const ownerId = members.find((m) => m.userId === search.get("owner"))?.userId ?? null;
  const goalId = goals.find((g) => g.id === search.get("goal"))?.id ?? null;
  const overdue = search.get("overdue") === "1";

  // One query without the status filter: its rows give the per-status counts (under the other
  // filters), and the status filter is then a plain selection of them.
  const rows = await context.services.experiments.list({ workspaceId: workspace.id, filters: { ownerId, goalId, overdue } });
  const counts = Object.fromEntries(CARD_STATUSES.map((s) => [s, 0])) as Record<CardStatus, number>;
  for (const row of rows) counts[row.status]++;
  const overdueCount = rows.filter((r) => r.overdue).length;
  const experiments = (status ? rows.filter((r) => r.status === status) : rows).map((r) => ({
    prototypeId: r.prototypeId,
    prototypeTitle: r.prototypeTitle,
    goalId: r.goalId,
    goalTitle: r.goalTitle,
    cardId: r.cardId,
    name: r.name,
    status: r.status,
    ownerName: r.ownerName,
    deadline: r.deadline,
    overdue: r.overdue,
    decision: isVerdict(r.status) ? r.decision : null,
    learned: isVerdict(r.status) ? r.learned : "",
  }));
  return {
    workspace,
    filters: { status, ownerId, goalId, overdue },
    counts,
    total: rows.length,
    overdueCount,
    members: members.map((m) => ({ userId: m.userId, name: m.name })),
    goals,
    experiments,
  };
}

interface Filters {
  status: CardStatus | null;
  ownerId: string | null;
  goalId: string | null;
  overdue: boolean;
}

/** A list URL with the given filters; empty ones are left out. */
function listHref(base: string, filters: Partial<Filters>) {
  const search = new URLSearchParams();
  if (filters.status) search.set("status", filters.status);
  if (filters.ownerId) search.set("owner", filters.ownerId);
  if (filters.goalId) search.set("goal", filters.goalId);
  if (filters.overdue) search.set("overdue", "1");
  const query = search.toString();
  return query ? `${base}?${query}` : base;
}

/** "Mar 4, 2026" for a YYYY-MM-DD date, the same on server and client (no time zone shift). */
function formatDay(day: string) {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString("en", { dateStyle: "medium", timeZone: "UTC" });
}

export default function Experiments() {
  const { workspace, filters, counts, total, overdueCount, members, goals, experiments } = useLoaderData<typeof loader>();
  const base = `/w/${workspace.id}`;
  const listBase = `${base}/experiments`;
  const filtered = Boolean(filters.status || filters.ownerId || filters.goalId || filters.overdue);
  const owner = members.find((m) => m.userId === filters.ownerId);
  const goal = goals.find((g) => g.id === filters.goalId);
  const count = experiments.length;

  return (
    <>
      <PageHeader title="Experiments" subtitle="Every experiment card across this workspace's prototypes: what is being tested, and what was learned." />

      <nav className="experiment-counts" aria-label="Experiments by status">
        <ul>
          <li>
            <Link to={listHref(listBase, { ...filters, status: null })} aria-current={filters.status ? undefined : "page"} preventScrollReset>
              <span className="experiment-count">{total}</span> All
            </Link>
          </li>
          {CARD_STATUSES.map((s) => (
            <li key={s} className={`experiment-count-${s}`}>
              <Link to={listHref(listBase, { ...filters, status: s })} aria-current={filters.status === s ? "page" : undefined} preventScrollReset>
                <span className="experiment-count">{counts[s]}</span> {STATUS_LABELS[s]}
              </Link>
            </li>
          ))}
        </ul>
        {overdueCount > 0 && !filters.overdue ? (
          <p className="experiment-overdue-note">
            <Link to={listHref(listBase, { ...filters, overdue: true })} preventScrollReset>
              {overdueCount} overdue
            </Link>
          </p>
        ) : null}
      </nav>

      <div className="list-toolbar">
        <FilterForm filters={filters} members={members} goals={goals} />
      </div>

      <section aria-labelledby="experiment-list-heading">
        <h2 id="experiment-list-heading" className="visually-hidden">
          Experiment cards
        </h2>
        <p className="muted small" role="status">
          {[
            `${count} experiment${count === 1 ? "" : "s"}`,
            filters.status ? ` ${STATUS_LABELS[filters.status].toLowerCase()}` : "",
            owner ? ` owned by ${owner.name}` : "",
            goal ? ` for “${goal.title}”` : "",
            filters.overdue ? ", overdue" : "",
          ].join("")}
        </p>
        {count === 0 ? (
          filtered ? (
            <ListEmptyState
              title="No experiments match these filters"
              action={
                <Link to={listBase} className="button button-secondary">
                  Clear filters
                </Link>
              }
            >
              Try another status, owner or goal.
            </ListEmptyState>
          ) : (
            <ListEmptyState
              title="No experiments yet"
              action={
                <Link to={`${base}/prototypes`} className="button button-secondary">
                  Go to prototypes
                </Link>
              }
            >
              Turn a prototype&apos;s risky assumptions into experiment cards on its Experiments board; they all show up here.
            </ListEmptyState>
          )
        ) : (
          <ul className="item-list experiment-list">
            {experiments.map((e) => {
              const protoHref = `${base}/prototypes/${e.prototypeId}`;
              return (
                <li key={`${e.prototypeId}:${e.cardId}`} className={`item experiment-row experiment-row-${e.status}`}>
                  <div className="item-body">
                    <div className="experiment-row-head">
                      <ExperimentStatusBadge status={e.status} />
                      <h3>
                        <Link to={`${protoHref}#${experimentAnchor(e.cardId)}`}>{e.name || "Untitled experiment"}</Link>
                      </h3>
                    </div>
                    <div className="item-meta">
                      <span>
                        Prototype: <Link to={protoHref}>{e.prototypeTitle}</Link>
                      </span>
                      <span>Goal: {e.goalId ? <Link to={`${base}/goals/${e.goalId}`}>{e.goalTitle}</Link> : "No goal"}</span>
                      <span>Owner: {e.ownerName ?? "No owner"}</span>
                      <span className={e.overdue ? "experiment-deadline is-overdue" : "experiment-deadline"}>
                        Deadline: {e.deadline ? <time dateTime={e.deadline}>{formatDay(e.deadline)}</time> : "None"}
                        {e.overdue ? <Badge tone="overdue">Overdue</Badge> : null}
                      </span>
                    </div>
                    {e.decision || e.learned ? (
                      <dl className="experiment-learning">
                        {e.decision ? (
                          <div>
                            <dt>Decision</dt>
                            <dd>{DECISION_LABELS[e.decision]}</dd>
                          </div>
                        ) : null}
                        {e.learned ? (
                          <div>
                            <dt>We learned that</dt>
                            <dd>{e.learned}</dd>
                          </div>
                        ) : null}
                      </dl>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </>
  );
}

function FilterForm({
  filters,
  members,
  goals,
}: {
  filters: Filters;
  members: { userId: string; name: string }[];
  goals: { id: string; title: string; archivedAt: Date | string | null }[];
}) {
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
  // Only the filters in use go into the URL ("?status=running", not "?status=running&owner=&goal=").
  const apply = (element: HTMLFormElement) => {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(element)) if (typeof value === "string" && value) params.set(key, value);
    submit(params, { method: "get", replace: true, preventScrollReset: true });
  };
  // The controls are uncontrolled (they work without JS); keep them in step when the URL changes by a link.
  useEffect(() => {
    const elements = form.current?.elements;
    if (!elements) return;
    const set = (name: string, value: string) => {
      const el = elements.namedItem(name) as HTMLSelectElement | null;
      if (el) el.value = value;
    };
    set("status", filters.status ?? "");
    set("owner", filters.ownerId ?? "");
    set("goal", filters.goalId ?? "");
    const overdue = elements.namedItem("overdue") as HTMLInputElement | null;
    if (overdue) overdue.checked = filters.overdue;
  }, [filters.status, filters.ownerId, filters.goalId, filters.overdue]);

  return (
    <Form
      ref={form}
      method="get"
      className="filters"
      aria-label="Filter experiments"
      onChange={(event) => {
        // Each control applies at once; "Apply" is there for when scripts are off.
        const target = event.target as HTMLElement;
        if (target.tagName === "SELECT" || (target as HTMLInputElement).type === "checkbox") apply(event.currentTarget);
      }}
      onSubmit={(event) => {
        event.preventDefault();
        apply(event.currentTarget);
      }}
    >
      <SelectField
        label="Status"
        name="status"
        defaultValue={filters.status ?? ""}
        options={[{ value: "", label: "All statuses" }, ...CARD_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))]}
      />
      <SelectField
        label="Owner"
        name="owner"
        defaultValue={filters.ownerId ?? ""}
        options={[{ value: "", label: "Anyone" }, ...members.map((m) => ({ value: m.userId, label: m.name }))]}
      />
      <SelectField label="Goal" name="goal" defaultValue={filters.goalId ?? ""} options={goalOptions(goals, "All goals")} />
      <div className="field field-checkbox">
        <label>
          <input type="checkbox" name="overdue" value="1" defaultChecked={filters.overdue} /> Overdue only
        </label>
      </div>
      <button type="submit" className="button button-secondary">
        Apply
      </button>
    </Form>
  );
}
