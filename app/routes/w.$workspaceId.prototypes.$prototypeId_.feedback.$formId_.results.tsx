import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { SerializeFrom } from "@remix-run/node";
import { BarChart, FormStatusBadge, percent } from "~/components/feedback";
import { PageHeader, RelativeTime } from "~/components/ui";
import { isServiceError } from "~/lib/actions.server";
import { LEVEL_LABELS, QUESTION_KIND_LABELS } from "~/lib/feedback/questions";
import { MIN_SAMPLE } from "~/lib/feedback/stats";
import { notFound, requireId, requireMember } from "~/lib/guards.server";
import feedbackStyles from "~/styles/feedback.css";
import { useLiveEvents, type LiveState } from "~/components/useLiveEvents";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: feedbackStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Results · ${data.form.title} · Pilotlab` : "Results · Pilotlab" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { workspace } = await requireMember(context, request, params.workspaceId);
  const prototypeId = requireId(params.prototypeId);
  const formId = requireId(params.formId);
  const rethrow = (error: unknown) => {
    throw isServiceError(error) ? notFound(error.message) : error;
  };
  const { form } = await context.services.feedback.get({ workspaceId: workspace.id, formId }).catch(rethrow);
  if (form.prototypeId !== prototypeId) throw notFound("This form doesn't exist.");
  const results = await context.services.feedback.results({ workspaceId: workspace.id, formId }).catch(rethrow);
  const view = readAnswersView(new URL(request.url).searchParams);
  return {
    workspace,
    form: { id: form.id, title: form.title, status: form.status, prototypeId: form.prototypeId, prototypeTitle: form.prototypeTitle, lastResponseAt: form.lastResponseAt },
    results: {
      ...results,
      // Only the answers on show travel to the page: a theme's, or the newest, a page at a time.
      questions: results.questions.map(({ texts, themes, ...rest }) => {
        const active = view.theme?.questionId === rest.question.id ? (themes.find((t) => t.key === view.theme?.key) ?? null) : null;
        const matching = active ? active.answers.map((i) => texts[i]) : texts;
        return {
          ...rest,
          texts: matching.slice(0, view.limit),
          textsTotal: texts.length,
          textsMatching: matching.length,
          themes: themes.map((t) => ({ key: t.key, label: t.label, count: t.count })),
          activeTheme: active ? active.key : null,
        };
      }),
    },
    view: { theme: view.theme ? `${view.theme.questionId}:${view.theme.key}` : null, limit: view.limit },
  };
}

/** Open-text answers shown at a time; "show more" adds as many again. */
const ANSWERS_PAGE = 50;
const ANSWERS_MAX = 2000;

/** `?theme=<questionId>:<key>` filters a question's answers to a theme; `?answers=N` shows more. */
function readAnswersView(params: URLSearchParams): { theme: { questionId: string; key: string } | null; limit: number } {
  const raw = params.get("theme") ?? "";
  const colon = raw.indexOf(":");
  const theme = colon > 0 ? { questionId: raw.slice(0, colon), key: raw.slice(colon + 1) } : null;
  const asked = Number(params.get("answers"));
  const limit = Number.isInteger(asked) && asked > ANSWERS_PAGE ? Math.min(asked, ANSWERS_MAX) : ANSWERS_PAGE;
  return { theme, limit };
}

/** The results URL's search part for a view (theme filter and how many answers), keeping it short. */
function viewSearch({ theme, limit }: { theme: string | null; limit: number }): string {
  const params = new URLSearchParams();
  if (theme) params.set("theme", theme);
  if (limit > ANSWERS_PAGE) params.set("answers", String(limit));
  const search = params.toString();
  return search ? `?${search}` : "?";
}

type Results = SerializeFrom<typeof loader>["results"];
type QuestionResult = Results["questions"][number];
type View = SerializeFrom<typeof loader>["view"];

const one = (n: number) => n.toLocaleString("en", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const two = (n: number) => n.toLocaleString("en", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The results reload when the server announces a new response. */
const RESULT_EVENT_KINDS = ["response"] as const;
const useLiveResults = (url: string) => useLiveEvents(url, RESULT_EVENT_KINDS);

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: "Connecting for live updates…",
  live: "Live: new responses appear here as they arrive.",
  offline: "Live updates are off; reload the page to see new responses.",
};

export default function FeedbackResults() {
  const { workspace, form, results, view } = useLoaderData<typeof loader>();
  const base = `/w/${workspace.id}/prototypes/${form.prototypeId}/feedback`;
  const live = useLiveResults(`${base}/${form.id}/events`);
  return (
    <>
      <p className="back-link">
        <Link to={`${base}/${form.id}`}>← {form.title}</Link>
      </p>
      <PageHeader
        title={`Results: ${form.title}`}
        subtitle={
          <span className="header-meta">
            <FormStatusBadge status={form.status} />
            <span>{form.prototypeTitle}</span>
            <span>{form.lastResponseAt ? <>Last response <RelativeTime date={form.lastResponseAt} /></> : "No responses yet"}</span>
          </span>
        }
        actions={
          <nav aria-label="Export responses" className="export-links">
            <a className="button button-secondary button-small" href={`${base}/${form.id}/responses.csv`} download>
              Download CSV
            </a>
            <a className="button button-secondary button-small" href={`${base}/${form.id}/xapi.json`} download>
              xAPI statements (JSON)
            </a>
          </nav>
        }
      />
      <section className="card" aria-labelledby="responses-heading">
        <h2 id="responses-heading">Responses</h2>
        <p className="stat" data-testid="response-count">
          {results.responses}
        </p>
        <p className="muted">{results.responses === 1 ? "response so far" : "responses so far"}</p>
        <p className="small muted live-status" data-state={live}>
          {LIVE_TEXT[live]}
        </p>
        {/* Announces new responses to screen readers without moving focus. */}
        <p className="visually-hidden" aria-live="polite">
          {plural(results.responses, "response")}
        </p>
        {results.perDay.length ? (
          <BarChart caption="Responses per day" valueHeader="Day" countHeader="Responses" bars={results.perDay.map((d) => ({ label: d.day, count: d.count }))} />
        ) : null}
      </section>
      {results.questions.map((r, i) => (
        <QuestionResults key={r.question.id} r={r} index={i} view={view} />
      ))}
    </>
  );
}

function NotEnough({ n }: { n: number }) {
  return (
    <p className="not-enough">
      Not enough data yet: {plural(n, "answer")}, at least {MIN_SAMPLE} are needed for a meaningful figure.
    </p>
  );
}

function QuestionResults({ r, index, view }: { r: QuestionResult; index: number; view: View }) {
  const q = r.question;
  const headingId = `result-${q.id}`;
  const enough = r.answered >= MIN_SAMPLE;
  const texts = r.texts;
  const active = r.activeTheme ? (r.themes.find((t) => t.key === r.activeTheme) ?? null) : null;
  return (
    <section className="card result-card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <span className="muted">{index + 1}.</span> {q.prompt}
      </h2>
      <div className="item-meta">
        <span>{QUESTION_KIND_LABELS[q.kind]}</span>
        <span>{LEVEL_LABELS[q.level]}</span>
        <span>{plural(r.answered, "answer")}</span>
      </div>
      {r.numeric ? (
        <>
          {!enough ? <NotEnough n={r.numeric.n} /> : null}
          {r.numeric.n > 0 && enough ? (
            <dl className="result-figures">
              {r.nps ? (
                <div>
                  <dt>NPS</dt>
                  <dd className="stat">{Math.round(r.nps.score ?? 0)}</dd>
                </div>
              ) : null}
              <div>
                <dt>Mean</dt>
                <dd className="stat">{one(r.numeric.mean ?? 0)}</dd>
              </div>
              {r.numeric.ci ? (
                <div>
                  <dt>95% confidence interval</dt>
                  <dd>
                    {two(r.numeric.ci[0])} to {two(r.numeric.ci[1])}
                  </dd>
                </div>
              ) : null}
            </dl>
          ) : null}
          {r.nps && r.nps.n > 0 ? (
            <ul className="nps-groups">
              <li>
                <strong>Promoters (9–10):</strong> {`${r.nps.promoters} (${percent(r.nps.promoters / r.nps.n)})`}
              </li>
              <li>
                <strong>Passives (7–8):</strong> {`${r.nps.passives} (${percent(r.nps.passives / r.nps.n)})`}
              </li>
              <li>
                <strong>Detractors (0–6):</strong> {`${r.nps.detractors} (${percent(r.nps.detractors / r.nps.n)})`}
              </li>
            </ul>
          ) : null}
          {r.numeric.n > 0 ? (
            <BarChart
              caption={`Distribution of scores: ${q.prompt}`}
              valueHeader="Score"
              bars={r.distribution.map((d, i) => ({
                label: i === 0 && q.lowLabel ? `${d.value} (${q.lowLabel})` : i === r.distribution.length - 1 && q.highLabel ? `${d.value} (${q.highLabel})` : String(d.value),
                count: d.count,
              }))}
            />
          ) : null}
        </>
      ) : null}
      {r.choices.length ? (
        <>
          {!enough ? <NotEnough n={r.answered} /> : null}
          {r.answered > 0 ? (
            <BarChart
              caption={`Answers to: ${q.prompt}`}
              valueHeader="Option"
              bars={r.choices.map((c) => ({ label: c.label, count: c.count, note: percent(c.share) }))}
            />
          ) : null}
          {q.kind === "multiple" && r.answered > 0 ? <p className="small muted">People could choose several options, so shares add up to more than 100%.</p> : null}
        </>
      ) : null}
      {r.textsTotal ? (
        <>
          <h3>{q.kind === "text" ? "Answers" : "Why?"}</h3>
          <Themes r={r} view={view} />
          <p className="small muted" aria-live="polite" data-testid={`answers-shown-${q.id}`}>
            {active
              ? `${plural(r.textsMatching, "answer")} mention “${active.label}”${texts.length < r.textsMatching ? `; showing ${texts.length}` : ""}.`
              : texts.length < r.textsTotal
                ? `Showing the newest ${texts.length} of ${r.textsTotal} answers.`
                : `${plural(r.textsTotal, "answer")}.`}
          </p>
          <ul className="text-answers" data-testid={`answers-${q.id}`}>
            {texts.map((t, i) => (
              <li key={i}>
                <p className="prose">{t.text}</p>
                <p className="small muted">
                  <RelativeTime date={t.submittedAt} />
                </p>
              </li>
            ))}
          </ul>
          {texts.length < r.textsMatching ? (
            <p>
              <Link
                to={`${viewSearch({ theme: view.theme, limit: view.limit + ANSWERS_PAGE })}#result-${q.id}`}
                preventScrollReset
                className="button button-secondary button-small"
              >
                Show more answers<span className="visually-hidden"> to {q.prompt}</span>
              </Link>
            </p>
          ) : null}
        </>
      ) : q.kind === "text" ? (
        <p className="muted">No answers yet.</p>
      ) : null}
    </section>
  );
}

/** A question's recurring themes as links; the chosen one filters the answers below. */
function Themes({ r, view }: { r: QuestionResult; view: View }) {
  if (!r.themes.length) return null;
  const q = r.question;
  return (
    <nav className="themes" aria-label={`Themes in answers to: ${q.prompt}`}>
      <p className="small muted themes-intro">Recurring themes — choose one to see the answers that mention it:</p>
      <ul className="theme-list">
        {r.themes.map((t) => {
          const current = r.activeTheme === t.key;
          return (
            <li key={t.key}>
              <Link
                to={`${viewSearch({ theme: `${q.id}:${t.key}`, limit: ANSWERS_PAGE })}#result-${q.id}`}
                preventScrollReset
                className={`theme${current ? " is-current" : ""}`}
                aria-current={current ? "true" : undefined}
                data-theme={t.key}
              >
                {t.label} <span className="theme-count">{t.count}<span className="visually-hidden"> answers</span></span>
              </Link>
            </li>
          );
        })}
      </ul>
      {r.activeTheme ? (
        <p className="small">
          <Link to={`${viewSearch({ theme: null, limit: ANSWERS_PAGE })}#result-${q.id}`} preventScrollReset>
            Show all answers<span className="visually-hidden"> to {q.prompt}</span>
          </Link>
        </p>
      ) : null}
    </nav>
  );
}
