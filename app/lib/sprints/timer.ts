/**
 * The sprint's shared timer as plain arithmetic over one state, so the server (authoritative, with
 * Postgres's clock) and every browser (with its offset to that clock) compute the same remaining
 * time. Times are epoch milliseconds; nothing here reads a clock.
 */

/** Longest a timer may run (the column's check): one day. */
export const TIMER_MAX_MS = 24 * 60 * 60 * 1000;
/** Largest single extension the facilitator may give. */
export const TIMER_EXTEND_MAX_MS = 60 * 60 * 1000;

export interface TimerState {
  /** The time on the clock when it was (re)set, plus extensions. */
  durationMs: number;
  /** Time already run before the current run. */
  usedMs: number;
  /** When the current run started (server clock); null while paused. */
  runningSince: number | null;
}

/** Time run so far, never more than the duration. */
function elapsed(state: TimerState, now: number): number {
  const running = state.runningSince === null ? 0 : Math.max(0, now - state.runningSince);
  return Math.min(state.durationMs, state.usedMs + running);
}

/** Milliseconds left at `now`; never negative. */
export function remaining(state: TimerState, now: number): number {
  return Math.max(0, state.durationMs - elapsed(state, now));
}

export function isRunning(state: TimerState): boolean {
  return state.runningSince !== null;
}

/** Starts (or resumes) the clock; a running or finished timer stays as it is. */
export function start(state: TimerState, now: number): TimerState {
  if (state.runningSince !== null || remaining(state, now) === 0) return state;
  return { ...state, runningSince: now };
}

/** Stops the clock, keeping the time run so far. */
export function pause(state: TimerState, now: number): TimerState {
  if (state.runningSince === null) return state;
  return { durationMs: state.durationMs, usedMs: elapsed(state, now), runningSince: null };
}

/**
 * Adds time. A timer that already ran out gets exactly `ms` more (time past the end is not owed);
 * a running timer keeps running. Refuses (RangeError) anything outside 1 ms..TIMER_EXTEND_MAX_MS or
 * past TIMER_MAX_MS in total.
 */
export function extend(state: TimerState, ms: number, now: number): TimerState {
  if (!Number.isFinite(ms) || ms < 1 || ms > TIMER_EXTEND_MAX_MS) throw new RangeError(`Extend by 1 ms to ${TIMER_EXTEND_MAX_MS} ms.`);
  const running = state.runningSince !== null;
  const used = elapsed(state, now);
  const durationMs = state.durationMs + ms;
  if (durationMs > TIMER_MAX_MS) throw new RangeError("A timer can't run longer than a day.");
  return { durationMs, usedMs: used, runningSince: running ? now : null };
}

/** A fresh, paused timer of `durationMs`. */
export function reset(durationMs: number): TimerState {
  if (!Number.isFinite(durationMs) || durationMs < 0 || durationMs > TIMER_MAX_MS) throw new RangeError("A timer runs between 0 ms and a day.");
  return { durationMs: Math.round(durationMs), usedMs: 0, runningSince: null };
}

/** "mm:ss" (or "h:mm:ss" past an hour), rounding up so "00:00" shows only at the very end. */
export function formatRemaining(ms: number): string {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}
