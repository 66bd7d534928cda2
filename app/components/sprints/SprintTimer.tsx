import { useEffect, useRef, useState } from "react";
import { formatRemaining, isRunning, remaining, type TimerState } from "~/lib/sprints/timer";

/** How often the clock face refreshes. */
const TICK_MS = 250;

/**
 * The timer as this browser sees it now, on the server's clock: `now` is null until the first
 * effect (server render, hydration), when the clock reads the server's "now". `done`: it has run out.
 */
export function useSharedTimer(timer: TimerState, serverNow: number): { now: number | null; left: number; done: boolean } {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const offset = serverNow - Date.now();
    const tick = () => setNow(Date.now() + offset);
    tick();
    const id = setInterval(tick, TICK_MS);
    return () => clearInterval(id);
  }, [serverNow]);
  const left = remaining(timer, now ?? serverNow);
  return { now, left, done: left === 0 && timer.durationMs > 0 };
}

/**
 * The shared timer. The server sends its state with the database clock's "now"; this browser keeps
 * the offset between that clock and its own, so every screen shows the same remaining time, also
 * after a reload, a reconnect or a late join. At zero: a calm visual signal and one announcement.
 */
export function SprintTimer({ timer, serverNow, label }: { timer: TimerState; serverNow: number; label: string }) {
  const { now, left, done } = useSharedTimer(timer, serverNow);
  const running = isRunning(timer);

  // Announce the end once, when this page sees the clock reach zero (not on loading a finished timer).
  const [announcement, setAnnouncement] = useState("");
  const previous = useRef<number | null>(null);
  useEffect(() => {
    if (now === null) return;
    if (previous.current !== null && previous.current > 0 && left === 0) setAnnouncement(`Time's up for ${label}.`);
    else if (left > 0 && announcement) setAnnouncement("");
    previous.current = left;
  }, [left, now, label, announcement]);

  return (
    <div className={`sprint-timer${done ? " sprint-timer-done" : ""}${running ? " sprint-timer-running" : ""}`} data-remaining-ms={left} data-running={running}>
      <span className="sprint-timer-label">{label}</span>
      <span role="timer" aria-label={`Time left: ${formatRemaining(left)}`} className="sprint-timer-clock">
        {formatRemaining(left)}
      </span>
      <span className="sprint-timer-state">{done ? "Time's up" : running ? "Running" : "Paused"}</span>
      <p className="visually-hidden" aria-live="assertive">
        {announcement}
      </p>
    </div>
  );
}
