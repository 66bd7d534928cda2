import { describe, expect, it } from "vitest";
import { clipExcerpt } from "./prototypes.js";

describe("clipExcerpt", () => {
  it("keeps a text that fits (240 characters) as it is", () => {
    expect(clipExcerpt("The problem · Short.")).toBe("The problem · Short.");
    const exact = "a".repeat(240);
    expect(clipExcerpt(exact)).toBe(exact);
  });

  it("cuts a longer text after its last whole word and adds an ellipsis", () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    const clipped = clipExcerpt(words.slice(0, 241));
    expect(clipped.endsWith("…")).toBe(true);
    expect(clipped.length).toBeLessThanOrEqual(241);
    const body = clipped.slice(0, -1);
    expect(words.startsWith(body)).toBe(true);
    expect(words[body.length]).toBe(" "); // the cut falls between words
  });

  it("drops a trailing section separator or punctuation before the ellipsis", () => {
    const text = `${"x ".repeat(115)}end. · Audience Somethinglong`;
    const clipped = clipExcerpt(text.slice(0, 241));
    expect(clipped).toMatch(/end…$/);
  });

  it("cuts one very long word (a pasted link) where it is rather than showing nothing", () => {
    const url = `https://example.com/${"p".repeat(400)}`;
    const clipped = clipExcerpt(url.slice(0, 241));
    expect(clipped).toBe(`${url.slice(0, 240)}…`);
  });
});
