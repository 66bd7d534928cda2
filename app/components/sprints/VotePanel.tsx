/**
 * The sprint room's dot-voting panel: it loads the viewer's view of the sprint's votes from
 * `/w/:workspaceId/sprints/:sprintId/polls` with a fetcher, so the room's live revalidation (the
 * server announces every vote action to the room) refreshes it. Facilitators open, close and
 * reveal; participants place and take back their own dots; the decider casts the supervote. Until
 * the reveal the panel only knows the viewer's own dots (the server never sends more).
 */
import { useFetcher } from "@remix-run/react";
import { useCallback, useEffect, useId, useRef, useState, type ButtonHTMLAttributes } from "react";
import { Badge, SelectField, TextField } from "~/components/ui";
import { BUDGET_MAX, BUDGET_MIN, POLL_TITLE_MAX, dotRefusal, dotsLeftLabel, type PollStatus, type PollView, type VotesView } from "~/lib/sprints/votes";
import voteStyles from "~/styles/sprint-votes.css";
import { PollRanking } from "./PollRanking";

export interface VotePanelProps {
  workspaceId: string;
  sprintId: string;
}

/** The panel's stylesheet, for the `links` of a route that renders it. */
export const votePanelLinks = () => [{ rel: "stylesheet", href: voteStyles }];

/** What the polls resource route answers to an action. */
interface PollActionResult {
  ok: boolean;
  intent: string | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
}

const STATUS_LABELS: Record<PollStatus, string> = { open: "Voting open", closed: "Voting closed", revealed: "Results revealed" };
const STATUS_TONES: Record<PollStatus, string> = { open: "prototyping", closed: "idea", revealed: "piloting" };
const SUBJECT_LABELS = { ideas: "ideas", prototypes: "prototypes" } as const;

const pollsUrl = (workspaceId: string, sprintId: string) => `/w/${workspaceId}/sprints/${sprintId}/polls`;

export function VotePanel({ workspaceId, sprintId }: VotePanelProps) {
  const url = pollsUrl(workspaceId, sprintId);
  const view = useFetcher<VotesView>();
  const headingId = useId();
  // Loaded once per sprint; afterwards Remix revalidates it with the room and after every action.
  const loaded = useRef<string | null>(null);
  useEffect(() => {
    if (loaded.current === url) return;
    loaded.current = url;
    view.load(url);
  }, [view, url]);

  const data = view.data;
  const latest = useRef(view);
  latest.current = view;
  // Not over a load in flight: aborting it mid-body makes Remix log an AbortError, and it brings news anyway.
  const reload = useCallback(() => {
    if (latest.current.state === "idle") latest.current.load(url);
  }, [url]);
  // Buttons stay focusable while busy or refused (aria-disabled), so keyboard focus never drops to the page.
  const { busy, failure, send } = usePollActions(url, data, reload);

  const current = data?.polls[0] ?? null;
  const past = data?.polls.slice(1) ?? [];
  const anyOpen = data?.polls.some((p) => p.status === "open") ?? false;

  return (
    <section className="vote-panel" aria-labelledby={headingId} aria-busy={!data || undefined}>
      {/* Its own styles, whichever route renders it (a stylesheet link is allowed in the body). */}
      <link rel="stylesheet" href={voteStyles} />
      <h2 id={headingId}>Dot voting</h2>
      {!data ? (
        <p role="status" className="muted">
          Loading the votes…
        </p>
      ) : (
        <>
          {failure?.formError && failure.intent !== "open" ? (
            <div className="banner banner-error" role="alert">
              {failure.formError}
            </div>
          ) : null}
          {data.canFacilitate && !anyOpen && !data.ended ? (
            <OpenPollForm busy={busy} failure={failure?.intent === "open" ? failure : null} send={send} />
          ) : null}
          {current ? (
            <CurrentPoll poll={current} view={data} busy={busy} send={send} />
          ) : (
            <p className="muted">
              {data.canFacilitate
                ? "No vote yet. Open one when the group is ready to choose."
                : "No vote yet. The facilitator opens one when the group is ready to choose."}
            </p>
          )}
          {past.length ? (
            <div className="past-polls">
              <h3>Earlier votes</h3>
              {past.map((poll) => (
                <details key={poll.id}>
                  <summary>
                    {poll.title} · {STATUS_LABELS[poll.status]}
                  </summary>
                  {poll.results ? (
                    <PollRanking title={poll.title} results={poll.results} />
                  ) : (
                    <p className="muted">The facilitator hasn’t revealed the results of this vote.</p>
                  )}
                  {data.canFacilitate && poll.status === "closed" ? (
                    <ActionButton className="button button-small" blocked={busy} onPress={() => send({ intent: "reveal", pollId: poll.id })}>
                      Reveal results
                    </ActionButton>
                  ) : null}
                </details>
              ))}
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}

type Send = (fields: Record<string, string>) => void;

/** A button that stays focusable while its action is blocked (aria-disabled) and ignores presses then. */
function ActionButton({
  blocked,
  onPress,
  children,
  ...rest
}: { blocked: boolean; onPress: () => void } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, "onClick" | "type">) {
  return (
    <button type="button" {...rest} aria-disabled={blocked || undefined} onClick={() => blocked || onPress()}>
      {children}
    </button>
  );
}

/** How long an action waits for the room's live reload before the panel reloads itself. */
const FALLBACK_RELOAD_MS = 2000;
const SEND_FAILED = "The vote action couldn't be sent. Check your connection and try again.";

/**
 * Sends the panel's actions with fetch rather than a fetcher submission. The server announces every
 * change to the room, whose live reload refreshes this panel once; a fetcher submission would also
 * revalidate at once, and the room's reload a moment later would abort that one mid-flight (which
 * Remix logs as an AbortError). Busy from the click until the panel shows the result, so a
 * second click can't act on stale dots; reloads by itself if the live reload doesn't come.
 */
function usePollActions(url: string, data: VotesView | undefined, reload: () => void) {
  const [posting, setPosting] = useState(false);
  // The data shown when the action succeeded, until newer data arrives (null: not waiting).
  const [waitingOn, setWaitingOn] = useState<{ data: VotesView | undefined } | null>(null);
  const [failure, setFailure] = useState<PollActionResult | null>(null);
  useEffect(() => {
    if (!waitingOn) return;
    if (data !== waitingOn.data) {
      setWaitingOn(null);
      return;
    }
    const timer = setTimeout(reload, FALLBACK_RELOAD_MS);
    return () => clearTimeout(timer);
  }, [data, waitingOn, reload]);

  const send = useCallback(
    async (fields: Record<string, string>) => {
      setPosting(true);
      setFailure(null);
      try {
        const res = await fetch(url, { method: "POST", body: new URLSearchParams(fields), headers: { Accept: "application/json" } });
        const type = res.headers.get("content-type") ?? "";
        const result: PollActionResult = type.includes("json")
          ? await res.json()
          : { ok: false, intent: fields.intent ?? null, fieldErrors: {}, formError: (type.startsWith("text/plain") && (await res.text())) || SEND_FAILED };
        if (result.ok) setWaitingOn({ data });
        else setFailure(result);
      } catch {
        setFailure({ ok: false, intent: fields.intent ?? null, fieldErrors: {}, formError: SEND_FAILED });
      } finally {
        setPosting(false);
      }
    },
    [url, data]
  );
  return { busy: posting || waitingOn !== null, failure, send: send as Send };
}

/** The facilitator's form to open a vote. */
function OpenPollForm({ busy, failure, send }: { busy: boolean; failure: PollActionResult | null; send: Send }) {
  const fieldErrors = failure?.fieldErrors ?? {};
  const formError = failure?.formError ?? null;
  const [subject, setSubject] = useState<"ideas" | "prototypes">("ideas");
  const onePerItemId = useId();
  return (
    <form
      className="open-poll-form"
      aria-label="Open a vote"
      onSubmit={(event) => {
        event.preventDefault();
        if (busy) return;
        const fields: Record<string, string> = {};
        new FormData(event.currentTarget).forEach((value, key) => {
          if (typeof value === "string") fields[key] = value;
        });
        send(fields);
      }}
    >
      <h3>Open a vote</h3>
      {formError ? (
        <div className="banner banner-error" role="alert">
          {formError}
        </div>
      ) : null}
      <input type="hidden" name="intent" value="open" />
      <SelectField
        label="Vote on"
        name="subject"
        value={subject}
        onChange={(e) => setSubject(e.currentTarget.value === "prototypes" ? "prototypes" : "ideas")}
        options={[
          { value: "ideas", label: "The sprint’s ideas" },
          { value: "prototypes", label: "The prototypes in scope" },
        ]}
        error={fieldErrors.subject}
      />
      <TextField
        label="Question"
        name="title"
        required
        maxLength={POLL_TITLE_MAX}
        defaultValue={subject === "ideas" ? "Which ideas should we take forward?" : "Which prototype should we pilot first?"}
        key={subject}
        error={fieldErrors.title}
      />
      <TextField
        label="Dots per person"
        name="budget"
        type="number"
        inputMode="numeric"
        min={BUDGET_MIN}
        max={BUDGET_MAX}
        defaultValue={3}
        required
        hint={`Between ${BUDGET_MIN} and ${BUDGET_MAX}.`}
        error={fieldErrors.budget}
      />
      <div className="settings-checkbox">
        <input type="checkbox" id={onePerItemId} name="onePerItem" />
        <label htmlFor={onePerItemId}>At most one dot per item</label>
      </div>
      <div className="form-actions">
        <button type="submit" className="button" aria-disabled={busy || undefined}>
          {busy ? "Opening…" : "Open the vote"}
        </button>
      </div>
    </form>
  );
}

function CurrentPoll({ poll, view, busy, send }: { poll: PollView; view: VotesView; busy: boolean; send: Send }) {
  const used = Object.values(poll.myDots).reduce((sum, n) => sum + n, 0);
  const voting = poll.status === "open" && view.canVote;
  return (
    <div className="current-poll" data-testid="current-poll">
      <div className="poll-head">
        <h3>{poll.title}</h3>
        <Badge tone={STATUS_TONES[poll.status]}>{STATUS_LABELS[poll.status]}</Badge>
      </div>
      <p className="poll-rules">
        Over the {SUBJECT_LABELS[poll.subject]} · {poll.budget} {poll.budget === 1 ? "dot" : "dots"} per person
        {poll.onePerItem ? " · at most one per item" : ""}
      </p>
      {voting ? (
        <p className="dots-left" aria-live="polite" data-testid="dots-left">
          {dotsLeftLabel(poll.budget, used)}
        </p>
      ) : null}
      {poll.status === "open" && !view.canVote ? <p className="muted small">You’re following this vote; only the sprint’s participants place dots.</p> : null}

      {poll.results ? (
        <PollRanking title={poll.title} results={poll.results} />
      ) : (
        <>
          <ul className="ballot" aria-label={`Ballot: ${poll.title}`}>
            {poll.items.map((item) => {
              const mine = poll.myDots[item.id] ?? 0;
              const refusal = dotRefusal(poll, poll.myDots, item);
              return (
                <li key={item.id} className="ballot-item" data-testid="ballot-item">
                  <span className="ballot-label">{item.label}</span>{" "}
                  <span className="my-dots" data-testid="my-dots">
                    <span aria-hidden="true">{mine ? "●".repeat(mine) : "–"}</span>
                    <span className="visually-hidden">Your dots: {mine}</span>
                  </span>{" "}
                  {voting ? (
                    <span className="dot-buttons">
                      <ActionButton
                        className="button button-small dot-button"
                        aria-label={`Add a dot to ${item.label}`}
                        title={refusal ?? `Add a dot to ${item.label}`}
                        blocked={busy || refusal !== null}
                        onPress={() => send({ intent: "vote", pollId: poll.id, itemId: item.id })}
                      >
                        +
                      </ActionButton>
                      <ActionButton
                        className="button button-small button-secondary dot-button"
                        aria-label={`Remove a dot from ${item.label}`}
                        blocked={busy || mine === 0}
                        onPress={() => send({ intent: "unvote", pollId: poll.id, itemId: item.id })}
                      >
                        −
                      </ActionButton>
                    </span>
                  ) : (
                    <span />
                  )}
                </li>
              );
            })}
          </ul>
          <p className="results-hidden" data-testid="results-hidden">
            Results are hidden until the facilitator reveals them, so nobody is swayed by the others’ dots. {poll.dotsCast}{" "}
            {poll.dotsCast === 1 ? "dot" : "dots"} cast so far.
          </p>
        </>
      )}

      {view.isDecider && poll.status === "open" ? (
        <fieldset className="supervote">
          <legend>Your supervote as the decider</legend>
          <p className="small muted">One extra vote, shown apart from the dots once results are revealed.</p>
          <div className="poll-controls">
            {poll.items.map((item) => (
              <ActionButton
                key={item.id}
                className="button button-small button-secondary supervote-button"
                aria-pressed={poll.mySupervote === item.id}
                aria-label={`Supervote for ${item.label}`}
                blocked={busy}
                onPress={() => send({ intent: "supervote", pollId: poll.id, itemId: item.id })}
              >
                {item.label}
              </ActionButton>
            ))}
          </div>
        </fieldset>
      ) : null}

      {view.canFacilitate && poll.status !== "revealed" ? (
        <div className="poll-controls">
          {poll.status === "open" ? (
            <ActionButton className="button button-secondary" blocked={busy} onPress={() => send({ intent: "close", pollId: poll.id })}>
              Close voting
            </ActionButton>
          ) : null}
          <ActionButton className="button" blocked={busy} onPress={() => send({ intent: "reveal", pollId: poll.id })}>
            {poll.status === "open" ? "Close and reveal results" : "Reveal results"}
          </ActionButton>
        </div>
      ) : null}
    </div>
  );
}
