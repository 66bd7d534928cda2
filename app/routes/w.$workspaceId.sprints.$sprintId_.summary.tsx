/**
 * A sprint's summary for any member: challenge and goal, phases, decisions (revealed votes'
 * winners and supervotes, decision-lane entries on its prototypes), the revealed rankings, and the
 * prototypes made from its ideas with the experiments started on them. Unrevealed votes never
 * appear. The same content downloads as Markdown.
 */
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DateTime } from "~/components/DateTime";
import { PollRanking } from "~/components/sprints/PollRanking";
import { votePanelLinks } from "~/components/sprints/VotePanel";
import { Badge, PageHeader } from "~/components/ui";
import { DECISION_LABELS } from "~/lib/decisions";
import { PHASE_KIND_LABELS } from "~/lib/sprints/phases";
import { loadSprintSummary } from "~/lib/sprints/summary.server";

export const links: LinksFunction = () => votePanelLinks();

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Summary · ${data.summary.sprint.name} · Pilotlab` : "Sprint summary · Pilotlab" },
];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  return loadSprintSummary(context, request, params);
}

export default function SprintSummaryPage() {
  const { workspaceId, summary } = useLoaderData<typeof loader>();
  const { sprint } = summary;
  const base = `/w/${workspaceId}/sprints/${sprint.id}`;
  const decidedPolls = summary.polls.filter((p) => p.results.winners.length || p.results.supervote);
  return (
    <>
      <p className="back-link">
        <Link to={base}>← Sprint room</Link>
      </p>
      <PageHeader
        title={`Summary: ${sprint.name}`}
        subtitle={
          <span className="header-meta">
            <span>
              Started <DateTime date={sprint.createdAt} />
            </span>
            {sprint.endedAt ? (
              <span>
                Ended <DateTime date={sprint.endedAt} />
              </span>
            ) : (
              <Badge tone="prototyping">In progress</Badge>
            )}
            {sprint.deciderName ? <span>Decider: {sprint.deciderName}</span> : null}
          </span>
        }
        actions={
          <a className="button button-secondary button-small" href={`${base}/summary.md`} download>
            Download Markdown
          </a>
        }
      />

      <section className="card summary-section" aria-labelledby="summary-brief">
        <h2 id="summary-brief">Challenge and goal</h2>
        <h3>Challenge</h3>
        <p className="summary-text">{sprint.challenge.trim() || <span className="muted">None given.</span>}</p>
        <h3>Goal</h3>
        <p className="summary-text">{sprint.goal.trim() || <span className="muted">None given.</span>}</p>
        <h3>Phases</h3>
        {summary.phases.length ? (
          <ol className="summary-phases">
            {summary.phases.map((phase) => (
              <li key={phase.position}>
                {phase.name}{" "}
                <span className="muted small">
                  ({PHASE_KIND_LABELS[phase.kind]}, {Math.round(phase.durationSeconds / 60)} min)
                </span>
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">No phases.</p>
        )}
      </section>

      <section className="card summary-section" aria-labelledby="summary-decisions">
        <h2 id="summary-decisions">Decisions</h2>
        {decidedPolls.length === 0 && summary.decisions.length === 0 ? <p className="muted">No decisions yet.</p> : null}
        <ul className="summary-list">
          {decidedPolls.map((poll) => (
            <li key={poll.id}>
              <strong>Vote “{poll.title}”</strong>
              {poll.results.winners.length ? (
                <span>
                  {" "}
                  · most dots: {poll.results.winners.map((w) => w.label).join("; ")}
                  {poll.results.winners.length > 1 ? " (tie)" : ""}
                </span>
              ) : null}
              {poll.results.supervote ? <span> · supervote: {poll.results.supervote.label}</span> : null}
            </li>
          ))}
          {summary.decisions.map((d) => (
            <li key={d.id}>
              <strong>{DECISION_LABELS[d.kind]}</strong> on <Link to={`/w/${workspaceId}/prototypes/${d.prototypeId}`}>{d.prototypeTitle}</Link>{" "}
              <span className="muted small">
                (<DateTime date={d.decidedAt} />
                {d.decidedByName ? `, ${d.decidedByName}` : ""})
              </span>
              {d.note.trim() ? <p className="decision-note">{d.note}</p> : null}
            </li>
          ))}
        </ul>
      </section>

      <section className="card summary-section" aria-labelledby="summary-votes">
        <h2 id="summary-votes">Votes</h2>
        {summary.polls.length === 0 ? <p className="muted">No revealed votes yet. Votes appear here once the facilitator reveals them.</p> : null}
        {summary.polls.map((poll) => (
          <article key={poll.id} aria-label={poll.title}>
            <h3>{poll.title}</h3>
            <p className="small muted">
              Over the {poll.subject} · {poll.budget} {poll.budget === 1 ? "dot" : "dots"} per person · revealed <DateTime date={poll.revealedAt} />
            </p>
            <PollRanking title={poll.title} results={poll.results} />
          </article>
        ))}
      </section>

      <section className="card summary-section" aria-labelledby="summary-outputs">
        <h2 id="summary-outputs">Prototypes created</h2>
        {summary.outputs.length === 0 ? <p className="muted">No prototypes were created from the sprint’s ideas yet.</p> : null}
        <ul className="summary-list">
          {summary.outputs.map((o) => (
            <li key={o.prototypeId}>
              <Link to={`/w/${workspaceId}/prototypes/${o.prototypeId}`}>{o.prototypeTitle}</Link> <Badge tone={o.stage}>{o.stage}</Badge>
              <p className="small muted">From the idea “{o.ideaText || "(removed from the board)"}”</p>
              {o.experiments.length ? (
                <ul>
                  {o.experiments.map((e) => (
                    <li key={e.cardId}>
                      Experiment: {e.name || "Untitled"} <Badge tone={`experiment-${e.status}`}>{e.status}</Badge>
                      {e.startedAt ? (
                        <span className="muted small">
                          {" "}
                          started <DateTime date={e.startedAt} />
                        </span>
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="small muted">No experiments started yet.</p>
              )}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
