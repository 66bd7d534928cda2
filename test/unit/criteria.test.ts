import { describe, expect, it } from "vitest";
import { describeRule, evaluate, rulesFor, thresholdRange } from "../../app/lib/feedback/criteria.js";

const dist = (entries: [number, number][]) => new Map(entries);
const none = { answered: 0, chosen: 0 };

describe("criterion rules at their boundaries", () => {
  it("mean ≥ threshold: exactly equal is met; just below is not; too few is not enough data", () => {
    const rule = { rule: "mean_gte" as const, threshold: 4, minResponses: 4 };
    expect(evaluate(rule, { distribution: dist([[4, 2], [3, 1], [5, 1]]), ...none })).toEqual({ value: 4, n: 4, met: true, verdict: "validated" });
    expect(evaluate(rule, { distribution: dist([[4, 2], [3, 2]]), ...none })).toMatchObject({ value: 3.5, met: false, verdict: "invalidated" });
    expect(evaluate(rule, { distribution: dist([[5, 3]]), ...none })).toEqual({ value: 5, n: 3, met: null, verdict: null });
    expect(evaluate(rule, { distribution: dist([]), ...none })).toEqual({ value: null, n: 0, met: null, verdict: null });
    // 4.1 over ten answers that average exactly 4.1 (floating point would say 4.1000000000000005 or 4.09…)
    const tenth = { rule: "mean_gte" as const, threshold: 4.1, minResponses: 1 };
    expect(evaluate(tenth, { distribution: dist([[4, 9], [5, 1]]), ...none }).met).toBe(true);
  });

  it("NPS ≥ threshold counts 9-10 minus 0-6", () => {
    const rule = { rule: "nps_gte" as const, threshold: 30, minResponses: 10 };
    // 5 promoters, 3 passives, 2 detractors of 10 → 30
    expect(evaluate(rule, { distribution: dist([[10, 3], [9, 2], [8, 2], [7, 1], [6, 1], [0, 1]]), ...none })).toMatchObject({ value: 30, n: 10, verdict: "validated" });
    // one promoter fewer, one passive more → 20
    expect(evaluate(rule, { distribution: dist([[10, 3], [9, 1], [8, 3], [7, 1], [6, 1], [0, 1]]), ...none })).toMatchObject({ value: 20, verdict: "invalidated" });
    expect(evaluate({ ...rule, threshold: -100 }, { distribution: dist([[0, 10]]), ...none }).verdict).toBe("validated");
  });

  it("share ≥ threshold: 3 of 5 is exactly 60%", () => {
    const rule = { rule: "share_gte" as const, threshold: 60, minResponses: 5 };
    expect(evaluate(rule, { distribution: dist([]), answered: 5, chosen: 3 })).toEqual({ value: 60, n: 5, met: true, verdict: "validated" });
    expect(evaluate(rule, { distribution: dist([]), answered: 5, chosen: 2 })).toMatchObject({ met: false, verdict: "invalidated" });
    expect(evaluate(rule, { distribution: dist([]), answered: 4, chosen: 4 })).toMatchObject({ met: null, verdict: null });
  });

  it("rules fit question kinds and read as a sentence", () => {
    expect(rulesFor("rating")).toEqual(["mean_gte"]);
    expect(rulesFor("nps")).toEqual(["nps_gte", "mean_gte"]);
    expect(rulesFor("multiple")).toEqual(["share_gte"]);
    expect(rulesFor("text")).toEqual([]);
    expect(thresholdRange("mean_gte", "rating")).toMatchObject({ min: 1, max: 5 });
    expect(describeRule({ rule: "mean_gte", threshold: 4, minResponses: 20 })).toBe("Average score ≥ 4, with at least 20 responses");
    expect(describeRule({ rule: "share_gte", threshold: 60, minResponses: 1, choiceLabel: "Yes" })).toBe("≥ 60% choose “Yes”, with at least 1 response");
  });
});
