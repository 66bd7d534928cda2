/** Dot-voting arithmetic (ranking with ties, budget, supervote apart) and the summary's Markdown. */
import { describe, expect, it } from "vitest";
import { ballotLabel, dotRefusal, dotsLeftLabel, pollResults, rankItems, POLL_LABEL_MAX } from "../../app/lib/sprints/votes.js";
import { escapeMarkdown, summaryMarkdown, type SprintSummary } from "../../app/lib/sprints/summary.js";

const items = [
  { id: "a", label: "Alpha" },
  { id: "b", label: "Beta" },
  { id: "c", label: "Gamma" },
  { id: "d", label: "Delta" },
];

describe("rankItems", () => {
  it("ranks by dots, most first, with competition ranks for ties in ballot order", () => {
    const ranked = rankItems(items, { a: 1, b: 3, c: 3, d: 0 });
    expect(ranked.map((r) => [r.id, r.dots, r.rank, r.tied])).toEqual([
      ["b", 3, 1, true],
      ["c", 3, 1, true],
      ["a", 1, 3, false],
      ["d", 0, 4, false],
    ]);
  });

  it("marks items without dots tied with each other and keeps ballot order", () => {
    expect(rankItems(items, {}).map((r) => [r.id, r.rank, r.tied])).toEqual([
      ["a", 1, true],
      ["b", 1, true],
      ["c", 1, true],
      ["d", 1, true],
    ]);
  });
});

describe("pollResults", () => {
  it("names the winners (several on a tie, none without dots) and keeps the supervote apart", () => {
    const tie = pollResults(items, { a: 2, c: 2, d: 1 }, "d", 2);
    expect(tie.winners.map((w) => w.id)).toEqual(["a", "c"]);
    expect(tie.supervote).toEqual({ id: "d", label: "Delta" });
    // The supervote doesn't add a dot.
    expect(tie.ranking.find((r) => r.id === "d")?.dots).toBe(1);
    expect(tie.dotsCast).toBe(5);
    expect(tie.voters).toBe(2);
    expect(pollResults(items, {}, null, 0).winners).toEqual([]);
    expect(pollResults(items, { a: 1 }, "zzz", 1).supervote).toBeNull();
  });
});

describe("budget", () => {
  const poll = { budget: 3, onePerItem: false };
  it("counts dots left and refuses over budget with the budget in the message", () => {
    expect(dotsLeftLabel(3, 1)).toBe("2 of 3 dots left");
    expect(dotsLeftLabel(1, 0)).toBe("1 of 1 dot left");
    expect(dotsLeftLabel(3, 5)).toBe("0 of 3 dots left");
    expect(dotRefusal(poll, { a: 2 }, items[0])).toBeNull();
    expect(dotRefusal(poll, { a: 2, b: 1 }, items[2])).toBe("You have used all 3 of your dots.");
    expect(dotRefusal({ budget: 1, onePerItem: false }, { a: 1 }, items[1])).toBe("You have used your only dot.");
  });

  it("refuses a second dot on an item only in one-per-item polls", () => {
    expect(dotRefusal(poll, { a: 1 }, items[0])).toBeNull();
    expect(dotRefusal({ budget: 3, onePerItem: true }, { a: 1 }, items[0])).toBe("You already put a dot on “Alpha”; this vote allows one dot per item.");
    expect(dotRefusal({ budget: 3, onePerItem: true }, { a: 1 }, items[1])).toBeNull();
  });

  it("flattens and cuts long idea texts into ballot labels", () => {
    expect(ballotLabel("  two\n lines ")).toBe("two lines");
    const long = ballotLabel("x".repeat(POLL_LABEL_MAX + 10));
    expect(long).toHaveLength(POLL_LABEL_MAX);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("summary Markdown", () => {
  it("escapes user text so it can't add headings, links, HTML, table cells or new lines", () => {
    expect(escapeMarkdown("# Title\n- [x](javascript:alert(1)) <b>|</b> *a* `c`")).toBe(
      "\\# Title \\- \\[x\\]\\(javascript:alert\\(1\\)\\) \\<b\\>\\|\\</b\\> \\*a\\* \\`c\\`"
    );
  });

  it("renders the ranking as a table with ties, the supervote and decisions", () => {
    const summary: SprintSummary = {
      sprint: {
        id: "s",
        name: "Onboarding | sprint",
        challenge: "Faster\nramp-up",
        goal: "",
        createdAt: "2026-01-05T09:00:00.000Z",
        endedAt: null,
        deciderName: "Dee",
      },
      phases: [{ position: 0, name: "Map", kind: "understand", durationSeconds: 1800 }],
      polls: [
        {
          id: "p",
          title: "Top ideas",
          subject: "ideas",
          budget: 3,
          revealedAt: "2026-01-05T11:00:00.000Z",
          results: pollResults(items, { a: 2, b: 2, c: 1 }, "c", 2),
        },
      ],
      decisions: [
        {
          id: "d",
          prototypeId: "x",
          prototypeTitle: "Buddy | program",
          kind: "approve_pilot",
          note: "Go",
          decidedByName: "Lee",
          decidedAt: "2026-01-05T12:00:00.000Z",
        },
      ],
      outputs: [],
    };
    const md = summaryMarkdown(summary);
    expect(md).toContain("# Sprint summary: Onboarding \\| sprint");
    expect(md).toContain("Faster ramp\\-up");
    expect(md).toContain("| 1 (tie) | Alpha | 2 |");
    expect(md).toContain("| 1 (tie) | Beta | 2 |");
    expect(md).toContain("| 3 | Gamma | 1 |");
    expect(md).toContain("Supervote: Gamma");
    expect(md).toContain("- Vote “Top ideas”: most dots: Alpha; Beta (tie) · supervote: Gamma");
    expect(md).toContain("Approve for pilot on Buddy \\| program");
    // Every table row has exactly three cells.
    for (const row of md.split("\n").filter((l) => l.startsWith("| "))) expect(row.split(/(?<!\\)\|/).length).toBe(5);
  });
});
