import { describe, expect, it } from "vitest";
import { TIMER_MAX_MS, extend, formatRemaining, isRunning, pause, remaining, reset, start, type TimerState } from "../../app/lib/sprints/timer.js";
import { DEFAULT_PHASES, PHASE_KINDS, phaseDraft, validatePhases } from "../../app/lib/sprints/phases.js";

const MIN = 60_000;
const T0 = 1_700_000_000_000;

describe("sprint timer arithmetic", () => {
  it("a fresh timer is paused at its full duration", () => {
    const t = reset(5 * MIN);
    expect(isRunning(t)).toBe(false);
    expect(remaining(t, T0)).toBe(5 * MIN);
    expect(remaining(t, T0 + 10 * MIN)).toBe(5 * MIN);
  });

  it("runs down while running, holds while paused, resumes where it stopped", () => {
    let t = start(reset(5 * MIN), T0);
    expect(remaining(t, T0 + 30_000)).toBe(4.5 * MIN);
    t = pause(t, T0 + MIN);
    expect(t).toEqual({ durationMs: 5 * MIN, usedMs: MIN, runningSince: null });
    expect(remaining(t, T0 + 3 * MIN)).toBe(4 * MIN);
    t = start(t, T0 + 3 * MIN);
    expect(remaining(t, T0 + 4 * MIN)).toBe(3 * MIN);
  });

  it("never goes negative and a finished timer doesn't start again", () => {
    const t = start(reset(MIN), T0);
    expect(remaining(t, T0 + 10 * MIN)).toBe(0);
    const paused = pause(t, T0 + 10 * MIN);
    expect(paused.usedMs).toBe(MIN);
    expect(start(paused, T0 + 11 * MIN)).toBe(paused);
  });

  it("starting twice or pausing a paused timer changes nothing", () => {
    const t = start(reset(MIN), T0);
    expect(start(t, T0 + 1000)).toBe(t);
    const p = reset(MIN);
    expect(pause(p, T0)).toBe(p);
  });

  it("extends a running timer without stopping it, and a finished one by exactly the extension", () => {
    let t = start(reset(5 * MIN), T0);
    t = extend(t, MIN, T0 + 2 * MIN);
    expect(isRunning(t)).toBe(true);
    expect(remaining(t, T0 + 2 * MIN)).toBe(4 * MIN);
    expect(remaining(t, T0 + 3 * MIN)).toBe(3 * MIN);
    // Ran out long ago: +1 minute gives one minute, not what was overdue.
    const over = extend(start(reset(MIN), T0), MIN, T0 + 30 * MIN);
    expect(remaining(over, T0 + 30 * MIN)).toBe(MIN);
  });

  it("refuses extensions out of range or past a day", () => {
    expect(() => extend(reset(MIN), 0, T0)).toThrow(RangeError);
    expect(() => extend(reset(MIN), -MIN, T0)).toThrow(RangeError);
    expect(() => extend(reset(MIN), 61 * MIN, T0)).toThrow(RangeError);
    expect(() => extend(reset(TIMER_MAX_MS - MIN), 2 * MIN, T0)).toThrow(/day/);
    expect(() => reset(-1)).toThrow(RangeError);
  });

  it("two readers with different clocks agree once they correct by the server's time", () => {
    const state: TimerState = start(reset(10 * MIN), T0);
    const serverNow = T0 + 95_000;
    // Each browser's clock is off by a different amount; the offset comes from the loader's serverNow.
    for (const skew of [-40_000, 0, 123_456]) {
      const localNow = serverNow + skew;
      const offset = serverNow - localNow;
      expect(remaining(state, localNow + offset)).toBe(10 * MIN - 95_000);
    }
  });

  it("formats mm:ss, rounding up, with hours past an hour", () => {
    expect(formatRemaining(5 * MIN)).toBe("05:00");
    expect(formatRemaining(59_001)).toBe("01:00");
    expect(formatRemaining(1)).toBe("00:01");
    expect(formatRemaining(0)).toBe("00:00");
    expect(formatRemaining(-5)).toBe("00:00");
    expect(formatRemaining(61 * MIN)).toBe("1:01:00");
  });
});

describe("sprint phases", () => {
  it("defaults follow the design-sprint pattern and pass their own validation", () => {
    expect(DEFAULT_PHASES.map((p) => p.kind)).toEqual([...PHASE_KINDS]);
    const result = validatePhases(DEFAULT_PHASES.map(phaseDraft));
    expect(result).toEqual({ ok: true, phases: DEFAULT_PHASES });
  });

  it("explains the first problem of an edited list", () => {
    const ok = { name: "Map", kind: "understand", instructions: "", minutes: "10" };
    expect(validatePhases([])).toMatchObject({ ok: false, message: "Add at least one phase." });
    expect(validatePhases([ok, { ...ok, name: "  " }])).toEqual({ ok: false, message: "Phase 2 needs a name.", index: 1 });
    expect(validatePhases([{ ...ok, kind: "party" }])).toMatchObject({ ok: false, index: 0 });
    expect(validatePhases([{ ...ok, minutes: "0" }])).toMatchObject({ ok: false, message: "Phase 1 lasts 1 to 480 whole minutes." });
    expect(validatePhases([{ ...ok, minutes: "2.5" }])).toMatchObject({ ok: false });
    expect(validatePhases([{ ...ok, minutes: "481" }])).toMatchObject({ ok: false });
    expect(validatePhases([{ ...ok, name: "x".repeat(81) }])).toMatchObject({ ok: false, message: /at most 80/ });
    expect(validatePhases(Array.from({ length: 21 }, () => ok))).toMatchObject({ ok: false, message: /at most 20/ });
    expect(validatePhases([{ ...ok, name: " Warm-up ", minutes: " 7 " }])).toEqual({
      ok: true,
      phases: [{ name: "Warm-up", kind: "understand", instructions: "", durationSeconds: 420 }],
    });
  });
});
