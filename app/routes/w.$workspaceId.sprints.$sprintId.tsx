import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useFetcher, useLoaderData, useParams } from "@remix-run/react";
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { ConnectionIndicator } from "~/components/editor/PrototypeEditor";
import { Presence } from "~/components/editor/Presence";
import { useCollabDocument, useConnectionState, type CollabDocument } from "~/components/editor/useCollabDocument";
import { IdeasBoard } from "~/components/sprints/IdeasBoard";
import { SprintTimer, useSharedTimer } from "~/components/sprints/SprintTimer";
import { VotePanel } from "~/components/sprints/VotePanel";
import { StageBadge } from "~/components/records";
import { Badge, PageHeader } from "~/components/ui";
import { useLiveEvents } from "~/components/useLiveEvents";
import { loadRoom, type RoomActionData } from "~/lib/sprints/room.server";
import { PHASE_KIND_LABELS, type PhaseKind } from "~/lib/sprints/phases";
import sprintStyles from "~/styles/sprints.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: sprintStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.room.name} · Sprint · Pilotlab` : "Sprint · Pilotlab" }];

/** Every change of the room reloads it (and the vote panel's fetcher). */
const SPRINT_EVENT_KINDS = ["sprint", "phase", "timer", "gather", "poll", "vote", "output"] as const;

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  return loadRoom(context, request, params);
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Room = LoaderData["room"];

type Tab = "overview" | "ideas" | "votes" | "prototypes";
const TABS: { id: Tab; label: string }[] = [
  { id: "overview", label: "Challenge" },
  { id: "ideas", label: "Ideas" },
  { id: "votes", label: "Votes" },
  { id: "prototypes", label: "Prototypes" },
];
/** The view each kind of phase opens. */
const TAB_OF_KIND: Record<PhaseKind, Tab> = { understand: "overview", diverge: "ideas", decide: "votes", prototype: "prototypes", test: "prototypes" };

function readOnlyReason(room: Room): string | null {
  if (room.access.canWriteIdeas) return room.ideasLocked ? "Ideas are locked for participants; as a facilitator you can still edit them." : null;
  if (room.endedAt) return "This sprint has ended: its ideas are kept read-only.";
  if (!room.access.canTakePart) return "You're watching this sprint: only its participants add and edit ideas.";
  if (room.ideasLocked) return "The facilitator has locked the ideas: you can read them, but not change them for now.";
  return "Ideas are read-only.";
}

export default function SprintRoom() {
  const { workspace, user, room, docName, canMakePrototype, version } = useLoaderData<typeof loader>();
  // The stream starts with the room's version (again after a reconnect): what changed since this
  // page's load, or while the stream was down, is read then, and only then.
  const live = useLiveEvents(`/w/${workspace.id}/sprints/${room.id}/events`, SPRINT_EVENT_KINDS, { version });
  const collab = useCollabDocument(docName);
  const phase = room.phases[room.currentPhase] ?? room.phases[0];
  const phaseTab = TAB_OF_KIND[phase.kind];
  const [tab, setTab] = useState<Tab>(phaseTab);
  const phaseHeading = useRef<HTMLHeadingElement>(null);
  const [phaseAnnouncement, setPhaseAnnouncement] = useState("");

  // A new phase, or "bring everyone here": switch to the phase's view and show it.
  const seen = useRef({ phase: room.currentPhase, gather: room.gatherSeq });
  useEffect(() => {
    const moved = seen.current.phase !== room.currentPhase;
    const gathered = seen.current.gather !== room.gatherSeq;
    seen.current = { phase: room.currentPhase, gather: room.gatherSeq };
    if (!moved && !gathered) return;
    setTab(phaseTab);
    setPhaseAnnouncement(`${gathered ? "The facilitator brought everyone to" : "Now in"} phase ${room.currentPhase + 1}: ${phase.name}.`);
    phaseHeading.current?.scrollIntoView({ block: "start", behavior: "smooth" });
    // Only "bring everyone here" moves the focus (a facilitator stepping through phases keeps theirs).
    if (gathered) phaseHeading.current?.focus({ preventScroll: true });
  }, [room.currentPhase, room.gatherSeq, phaseTab, phase.name]);

  const base = `/w/${workspace.id}`;
  return (
    <div className="sprint-room" data-phase={room.currentPhase} data-gather={room.gatherSeq} data-live={live}>
      <p className="back-link">
        <Link to={`${base}/sprints`}>← All sprints</Link>
      </p>
      <PageHeader
        title={room.name}
        subtitle={room.endedAt ? "This sprint has ended." : room.challenge || "A facilitated innovation sprint."}
        actions={
          <Link to={`${base}/sprints/${room.id}/summary`} className="button button-secondary">
            Summary
          </Link>
        }
      />
      <p className="visually-hidden" aria-live="polite">
        {phaseAnnouncement}
      </p>

      <section className="card sprint-now" aria-labelledby="sprint-phase-heading">
        <PhaseStepper room={room} />
        <div className="sprint-now-body">
          <div>
            <h2 id="sprint-phase-heading" ref={phaseHeading} tabIndex={-1}>
              {`Phase ${room.currentPhase + 1} of ${room.phases.length}: ${phase.name}`} <Badge>{PHASE_KIND_LABELS[phase.kind]}</Badge>
              {room.ideasLocked ? <Badge tone="piloting">Ideas locked</Badge> : null}
              {room.endedAt ? <Badge tone="retired">Ended</Badge> : null}
            </h2>
            {phase.instructions ? <p className="phase-instructions">{phase.instructions}</p> : null}
            <div className="sprint-people">
              <span className="muted small">Here now:</span>
              {collab ? <Presence provider={collab.provider} selfId={user.id} /> : <span className="muted small">connecting…</span>}
            </div>
          </div>
          <SprintTimer timer={room.timer} serverNow={room.serverNow} label={phase.name} />
        </div>
        {room.access.canFacilitate && !room.endedAt ? <ControlBar room={room} /> : null}
      </section>

      <Tabs tab={tab} onTab={setTab} phaseTab={phaseTab}>
        <TabPanel id="overview" tab={tab}>
          <Overview room={room} />
        </TabPanel>
        <TabPanel id="ideas" tab={tab}>
          {collab ? (
            <LiveIdeas collab={collab} user={user} room={room} canMakePrototype={canMakePrototype && !room.endedAt} workspaceId={workspace.id} />
          ) : (
            <p className="muted" aria-live="polite">
              Loading the ideas…
            </p>
          )}
        </TabPanel>
        <TabPanel id="votes" tab={tab}>
          <VotePanel workspaceId={workspace.id} sprintId={room.id} />
        </TabPanel>
        <TabPanel id="prototypes" tab={tab}>
          <PrototypesInScope room={room} base={base} />
        </TabPanel>
      </Tabs>
    </div>
  );
}

function LiveIdeas({ collab, user, room, canMakePrototype, workspaceId }: { collab: CollabDocument; user: LoaderData["user"]; room: Room; canMakePrototype: boolean; workspaceId: string }) {
  const { state, unsynced, synced } = useConnectionState(collab);
  const actionUrl = useStateUrl();
  // Presence: who has the room open (the avatars read the `user` awareness field).
  useEffect(() => {
    collab.provider.awareness.setLocalStateField("user", { id: user.id, name: user.name, color: user.color });
  }, [collab, user.id, user.name, user.color]);
  return (
    <div data-synced={synced}>
      <ConnectionIndicator state={state} unsynced={unsynced} />
      <IdeasBoard
        collab={collab}
        self={{ id: user.id, name: user.name }}
        canWrite={room.access.canWriteIdeas}
        readOnlyReason={readOnlyReason(room)}
        canFacilitate={room.access.canFacilitate}
        canMakePrototype={canMakePrototype}
        outputs={room.outputs}
        workspaceId={workspaceId}
        actionUrl={actionUrl}
      />
    </div>
  );
}

function PhaseStepper({ room }: { room: Room }) {
  return (
    <ol className="phase-stepper" aria-label="Phases">
      {room.phases.map((p) => {
        const state = p.position < room.currentPhase ? "done" : p.position === room.currentPhase ? "current" : "next";
        return (
          <li key={p.position} className={`phase-step phase-step-${state}`} aria-current={state === "current" ? "step" : undefined}>
            <span className="phase-step-number" aria-hidden="true">
              {p.position + 1}
            </span>
            <span className="phase-step-name">{p.name}</span>
            <span className="visually-hidden">{state === "done" ? " (done)" : state === "current" ? " (current)" : ""}</span>
            <span className="phase-step-minutes muted small">{Math.round(p.durationSeconds / 60)} min</span>
          </li>
        );
      })}
    </ol>
  );
}

/** Where the room's forms post (a resource route answering JSON): the controls and "make a prototype". */
function useStateUrl() {
  const { workspaceId, sprintId } = useParams();
  return `/w/${workspaceId}/sprints/${sprintId}/state`;
}

/** A small form of the control bar, submitted without leaving the room. */
function Control({ intent, fields = {}, children, className = "button button-small button-secondary", label }: { intent: string; fields?: Record<string, string>; children: ReactNode; className?: string; label?: string }) {
  const fetcher = useFetcher<RoomActionData>();
  const action = useStateUrl();
  const busy = fetcher.state !== "idle";
  const error = fetcher.data && !fetcher.data.ok ? fetcher.data.formError : null;
  return (
    <fetcher.Form method="post" action={action} className="control">
      <input type="hidden" name="intent" value={intent} />
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" className={className} aria-disabled={busy || undefined} aria-label={label}>
        {children}
      </button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </fetcher.Form>
  );
}

function ControlBar({ room }: { room: Room }) {
  const running = room.timer.runningSince !== null;
  // A run-out timer (running or paused) offers a restart from the phase's full time instead.
  const { done: runOut } = useSharedTimer(room.timer, room.serverNow);
  const last = room.phases.length - 1;
  const decider = useFetcher<RoomActionData>();
  const action = useStateUrl();
  const deciderError = decider.data && !decider.data.ok ? decider.data.formError : null;
  return (
    <div className="control-bar" role="group" aria-label="Facilitator controls">
      <div className="control-group" role="group" aria-label="Phase">
        {room.currentPhase > 0 ? (
          <Control intent="phase" fields={{ position: String(room.currentPhase - 1) }} label={`Back to phase ${room.currentPhase}: ${room.phases[room.currentPhase - 1].name}`}>
            ← Back
          </Control>
        ) : null}
        {room.currentPhase < last ? (
          <Control intent="phase" fields={{ position: String(room.currentPhase + 1) }} className="button button-small" label={`Next phase: ${room.phases[room.currentPhase + 1].name}`}>
            Next phase →
          </Control>
        ) : null}
        <Control intent="gather">Bring everyone here</Control>
      </div>
      <div className="control-group" role="group" aria-label="Timer">
        {runOut ? (
          <Control intent="timer" fields={{ op: "start" }} className="button button-small" label="Restart timer from the phase's full time">
            Restart
          </Control>
        ) : running ? (
          <Control intent="timer" fields={{ op: "pause" }} className="button button-small" label="Pause timer">
            Pause
          </Control>
        ) : (
          <Control intent="timer" fields={{ op: "start" }} className="button button-small" label="Start timer">
            Start
          </Control>
        )}
        <Control intent="timer" fields={{ op: "extend", minutes: "1" }} label="+1 min: add one minute">
          +1 min
        </Control>
        <Control intent="timer" fields={{ op: "extend", minutes: "5" }} label="+5 min: add five minutes">
          +5 min
        </Control>
        <Control intent="timer" fields={{ op: "reset" }} label="Reset timer">
          Reset
        </Control>
      </div>
      <div className="control-group" role="group" aria-label="Ideas and decider">
        {room.ideasLocked ? <Control intent="unlock">Unlock ideas</Control> : <Control intent="lock">Lock ideas</Control>}
        <decider.Form method="post" action={action} className="control decider-form" key={room.deciderId ?? "none"}>
          <input type="hidden" name="intent" value="decider" />
          <label htmlFor="sprint-decider">Decider</label>
          <select id="sprint-decider" name="deciderId" defaultValue={room.deciderId ?? ""}>
            <option value="">Nobody yet</option>
            {room.participants.map((p) => (
              <option key={p.userId} value={p.userId}>
                {p.name}
              </option>
            ))}
          </select>
          <button type="submit" className="button button-small button-secondary">
            Set decider
          </button>
          {deciderError ? (
            <span className="field-error" role="alert">
              {deciderError}
            </span>
          ) : null}
        </decider.Form>
      </div>
      <details className="control-group end-sprint">
        <summary>End sprint…</summary>
        <p className="small">Ending stops the timer and freezes the ideas for everyone. It can't be undone.</p>
        <Control intent="end" className="button button-small button-danger-solid">
          End the sprint now
        </Control>
      </details>
    </div>
  );
}

function Tabs({ tab, onTab, phaseTab, children }: { tab: Tab; onTab: (tab: Tab) => void; phaseTab: Tab; children: ReactNode }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKey = (event: KeyboardEvent, index: number) => {
    const to = event.key === "ArrowRight" ? index + 1 : event.key === "ArrowLeft" ? index - 1 : event.key === "Home" ? 0 : event.key === "End" ? TABS.length - 1 : null;
    if (to === null) return;
    event.preventDefault();
    const next = TABS[(to + TABS.length) % TABS.length];
    onTab(next.id);
    refs.current[next.id]?.focus();
  };
  return (
    <div className="sprint-tabs">
      <div role="tablist" aria-label="Sprint room" className="tabs">
        {TABS.map((t, index) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-controls={`panel-${t.id}`}
            aria-selected={tab === t.id}
            tabIndex={tab === t.id ? 0 : -1}
            className={`tab${tab === t.id ? " tab-active" : ""}`}
            onClick={() => onTab(t.id)}
            onKeyDown={(e) => onKey(e, index)}
          >
            {t.label}
            {t.id === phaseTab ? <span className="tab-now"> · this phase</span> : null}
          </button>
        ))}
      </div>
      {children}
    </div>
  );
}

/** Panels stay mounted (the ideas connection and the vote panel keep running); only one shows. */
function TabPanel({ id, tab, children }: { id: Tab; tab: Tab; children: ReactNode }) {
  return (
    <section role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={tab !== id} className="card tab-panel" tabIndex={0}>
      {children}
    </section>
  );
}

function Overview({ room }: { room: Room }) {
  const decider = room.participants.find((p) => p.userId === room.deciderId);
  return (
    <div className="sprint-overview">
      <h2>Challenge</h2>
      <p>{room.challenge || <span className="muted">No challenge written yet.</span>}</p>
      <h2>Goal</h2>
      <p>{room.goal || <span className="muted">No goal written yet.</span>}</p>
      <h2>Participants</h2>
      {room.participants.length ? (
        <ul className="participant-list">
          {room.participants.map((p) => (
            <li key={p.userId}>
              {p.name}
              {p.userId === room.deciderId ? <Badge tone="facilitator">Decider</Badge> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No participants listed; facilitators take part.</p>
      )}
      <p className="small muted">
        Decider: {decider ? decider.name : "not chosen yet"}. Run by {room.createdByName ?? "a former member"}.
      </p>
    </div>
  );
}

function PrototypesInScope({ room, base }: { room: Room; base: string }) {
  const fromIdeas = new Set(room.outputs.map((o) => o.prototypeId));
  return (
    <div>
      <h2>Prototypes in scope</h2>
      {room.prototypes.length === 0 ? (
        <p className="muted">No prototypes in scope yet. Turn an idea into a prototype from the Ideas board.</p>
      ) : (
        <ul className="item-list">
          {room.prototypes.map((p) => (
            <li key={p.id} className="item">
              <div className="item-body">
                <h3>
                  <Link to={`${base}/prototypes/${p.id}`}>{p.title}</Link>
                </h3>
                <div className="item-meta">
                  <StageBadge stage={p.stage} />
                  {p.archived ? <Badge tone="retired">Archived</Badge> : null}
                  {fromIdeas.has(p.id) ? <span>Made from a sprint idea</span> : null}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
