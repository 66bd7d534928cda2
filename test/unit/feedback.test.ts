import { describe, expect, it } from "vitest";
import { answerField, validateAnswers, whyField, type Question } from "../../app/lib/feedback/questions.js";
import { nps, summarize, t95 } from "../../app/lib/feedback/stats.js";

const q = (id: string, kind: Question["kind"], extra: Partial<Question> = {}): Question => ({
  id,
  kind,
  prompt: `Question ${id}`,
  help: "",
  required: false,
  level: 1,
  choices: kind === "single" || kind === "multiple" ? [{ id: "a", label: "A" }, { id: "b", label: "B" }, { id: "c", label: "C" }] : [],
  lowLabel: "",
  highLabel: "",
  ...extra,
});

const values = (entries: [string, string | string[]][]) => new Map(entries.map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));

describe("answer validation", () => {
  const questions = [q("r", "rating", { required: true }), q("n", "nps"), q("s", "single"), q("m", "multiple"), q("t", "text", { required: true })];

  it("accepts a complete, valid set of answers", () => {
    const result = validateAnswers(
      questions,
      values([
        [answerField("r"), "4"],
        [answerField("n"), "9"],
        [whyField("n"), "  Practical  "],
        [answerField("s"), "b"],
        [answerField("m"), ["a", "c", "a"]],
        [answerField("t"), "It helped me plan my week"],
        ["submissionId", "ignored: not a question field"],
      ]),
    );
    expect(result).toEqual({
      ok: true,
      answers: [
        { questionId: "r", number: 4, choices: null, text: null },
        { questionId: "n", number: 9, choices: null, text: "Practical" },
        { questionId: "s", number: null, choices: ["b"], text: null },
        { questionId: "m", number: null, choices: ["a", "c"], text: null },
        { questionId: "t", number: null, choices: null, text: "It helped me plan my week" },
      ],
    });
  });

  it("names every problem: missing required, out of range, wrong types, unknown options, too long", () => {
    const result = validateAnswers(
      questions,
      values([
        [answerField("n"), "11"],
        [answerField("s"), ["a", "b"]],
        [answerField("m"), ["a", "zzz"]],
        [answerField("t"), "x".repeat(5001)],
      ]),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({
      [answerField("r")]: "Please choose a score.",
      [answerField("n")]: "Choose a score from 0 to 10.",
      [answerField("s")]: "Choose one option.",
      [answerField("m")]: "That option is not part of this question.",
      [answerField("t")]: "Keep this to 5000 characters or fewer.",
    });
  });

  it("refuses non-integer and padded scores", () => {
    for (const bad of ["4.5", "abc", "-1", "0", "6", "1e0", "004"]) {
      const result = validateAnswers([q("r", "rating")], values([[answerField("r"), bad]]));
      expect(result.ok, bad).toBe(false);
    }
  });

  it("refuses answers to questions that are not on the form", () => {
    const result = validateAnswers(questions, values([[answerField("r"), "3"], [answerField("t"), "ok"], [answerField("ghost"), "1"]]));
    expect(result).toMatchObject({ ok: false, formError: expect.stringMatching(/changed since the page was loaded/) });
  });

  it("skips optional questions left blank", () => {
    const result = validateAnswers([q("n", "nps"), q("s", "single")], values([[answerField("n"), " "]]));
    expect(result).toEqual({ ok: true, answers: [] });
  });
});

describe("statistics", () => {
  it("mean, sample sd and 95% interval match a hand computation", () => {
    // 2, 4, 4, 4, 5, 5, 7, 9 → mean 5, sum of squares 32, sd = sqrt(32/7) = 2.138
    const s = summarize(new Map([[2, 1], [4, 3], [5, 2], [7, 1], [9, 1]]));
    expect(s.n).toBe(8);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(2.13809, 4);
    // half width = 2.365 * 2.13809 / sqrt(8) = 1.78777
    expect(s.ci![0]).toBeCloseTo(3.21223, 4);
    expect(s.ci![1]).toBeCloseTo(6.78777, 4);
  });

  it("has no interval below two answers and nothing at all for none", () => {
    expect(summarize(new Map([[4, 1]]))).toEqual({ n: 1, mean: 4, sd: null, ci: null });
    expect(summarize(new Map())).toEqual({ n: 0, mean: null, sd: null, ci: null });
  });

  it("t critical values approach 1.96", () => {
    expect(t95(1)).toBe(12.706);
    expect(t95(30)).toBe(2.042);
    expect(t95(40)).toBeCloseTo(2.021, 3);
    expect(t95(1000)).toBe(1.96);
  });

  it("NPS counts 9-10 as promoters, 7-8 passive, 0-6 detractors", () => {
    // 10 answers: promoters 9,10,10,9 (4); passives 7,8 (2); detractors 0,6,3,6 (4) → 0
    const dist = new Map<number, number>([[0, 1], [3, 1], [6, 2], [7, 1], [8, 1], [9, 2], [10, 2]]);
    expect(nps(dist)).toEqual({ n: 10, promoters: 4, passives: 2, detractors: 4, score: 0 });
    expect(nps(new Map([[9, 3], [5, 1]])).score).toBe(50);
    expect(nps(new Map()).score).toBeNull();
  });
});
