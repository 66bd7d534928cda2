import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { mapPosition, minimalDiff, type Delta } from "./textDiff";

function apply(before: string, after: string) {
  const { index, remove, insert } = minimalDiff(before, after);
  return before.slice(0, index) + insert + before.slice(index + remove);
}

describe("minimalDiff", () => {
  it("turns one text into another with one splice", () => {
    for (const [a, b] of [["", "abc"], ["abc", ""], ["abc", "abXc"], ["aaa", "aaaa"], ["hello world", "hello brave world"], ["abcdef", "abZZef"], ["xx", "x"]]) {
      expect(apply(a, b)).toBe(b);
    }
  });

  it("keeps the common prefix and suffix", () => {
    expect(minimalDiff("hello world", "hello brave world")).toEqual({ index: 6, remove: 0, insert: "brave " });
    expect(minimalDiff("aaa", "aa")).toEqual({ index: 2, remove: 1, insert: "" });
  });
});

describe("mapPosition", () => {
  const delta = (before: string, edit: (t: Y.Text) => void): Delta => {
    const doc = new Y.Doc();
    const text = doc.getText("t");
    text.insert(0, before);
    let captured: Delta = [];
    text.observe((event) => (captured = event.delta as Delta));
    edit(text);
    return captured;
  };

  it("shifts a caret after a remote insert before it and keeps it before one after it", () => {
    const d = delta("hello world", (t) => t.insert(0, "Oh, "));
    expect(mapPosition(5, d)).toBe(9);
    expect(mapPosition(0, d)).toBe(0);
    expect(mapPosition(3, delta("hello world", (t) => t.insert(8, "!!")))).toBe(3);
  });

  it("pulls a caret back over a remote deletion, and to its start when inside it", () => {
    const d = delta("hello brave world", (t) => t.delete(6, 6));
    expect(mapPosition(17, d)).toBe(11);
    expect(mapPosition(8, d)).toBe(6);
    expect(mapPosition(2, d)).toBe(2);
  });
});
