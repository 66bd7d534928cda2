import { describe, expect, it } from "vitest";
import { extractThemes, stem } from "../../app/lib/feedback/themes.js";

const answers = [
  "The coaching sessions helped me plan my week",
  "Weekly coaching sessions were great, more role play please",
  "Role play was awkward but useful",
  "I now plan my week with my team",
  "More role play and less slides",
  "Slides were too long",
  "Coaching made me confident",
  "Too many slides; coaching was the best part",
];

describe("themes in open text", () => {
  it("finds the words and phrases several answers share, with the answers that use them", () => {
    const themes = extractThemes(answers);
    expect(themes.slice(0, 3)).toEqual([
      { key: "coach", label: "coaching", count: 4, answers: [0, 1, 6, 7] },
      { key: "role play", label: "role play", count: 3, answers: [1, 2, 4] },
      { key: "slide", label: "slides", count: 3, answers: [4, 5, 7] },
    ]);
    // "role" and "play" alone are not repeated next to "role play".
    expect(themes.map((t) => t.key)).not.toContain("role");
    expect(themes.map((t) => t.key)).not.toContain("play");
    // Stop words never become themes.
    expect(themes.map((t) => t.key)).not.toContain("more");
  });

  it("is deterministic and ignores case, punctuation and inflection", () => {
    const a = extractThemes(["Feedback LOOPS!", "feedback loop.", "a loop of feedback"]);
    expect(a.map((t) => [t.key, t.count])).toEqual([
      ["feedback", 3],
      ["loop", 3],
      ["feedback loop", 2],
    ]);
    expect(extractThemes(["Feedback LOOPS!", "feedback loop.", "a loop of feedback"])).toEqual(a);
    expect(["coaching", "coaches", "coach"].map(stem)).toEqual(["coach", "coach", "coach"]);
    expect(["planning", "planned", "plans"].map(stem)).toEqual(["plan", "plan", "plan"]);
  });

  it("needs at least two answers (or 3% of many) and handles empty input and other scripts", () => {
    expect(extractThemes([])).toEqual([]);
    expect(extractThemes(["only one answer mentions mentoring"])).toEqual([]);
    const many = Array.from({ length: 100 }, (_, i) => (i < 2 ? "mentoring" : `answer number ${i} about nothing`));
    expect(extractThemes(many).map((t) => t.key)).not.toContain("mentor");
    expect(extractThemes(["très utile pour l'équipe", "équipe motivée"])[0]).toMatchObject({ label: "équipe", count: 2 });
  });
});
