import { describe, expect, it } from "vitest";
import { csvCell, csvLine } from "../../server/feedback/csv.js";
import { parseCsv } from "../helpers/csv.js";

describe("CSV cells", () => {
  it("neutralises anything a spreadsheet would run as a formula", () => {
    for (const dangerous of ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]) {
      const [[cell]] = parseCsv(csvLine([dangerous]));
      expect(cell.startsWith("'"), JSON.stringify(dangerous)).toBe(true);
      expect(cell.slice(1)).toBe(dangerous);
    }
    // Numbers are numbers, not text to neutralise.
    expect(csvCell(-1)).toBe('"-1"');
    expect(csvCell("a=b")).toBe('"a=b"');
  });

  it("round-trips quotes, commas, newlines and non-ASCII text", () => {
    const cells = ['She said "it works", then left', "line 1\nline 2\r\nline 3", "Ünïcödé — 日本語 — 🚀", "", null];
    const rows = parseCsv(csvLine(cells as string[]) + csvLine(["second", "row"]));
    expect(rows).toEqual([['She said "it works", then left', "line 1\nline 2\r\nline 3", "Ünïcödé — 日本語 — 🚀", "", ""], ["second", "row"]]);
  });
});
