import { describe, expect, it } from "vitest";
import { PALETTE, colorFor } from "../../app/lib/colors.js";

/** WCAG 2 relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrastWithWhite = (hex: string) => 1.05 / (luminance(hex) + 0.05);

describe("user colours", () => {
  it("each has at least 4.5:1 contrast with white (white initials on an avatar, a caret on the page)", () => {
    for (const colour of PALETTE) expect(contrastWithWhite(colour), colour).toBeGreaterThanOrEqual(4.5);
  });

  it("a user always gets the same colour, and users are spread over the palette", () => {
    expect(colorFor("user-a")).toBe(colorFor("user-a"));
    const used = new Set(Array.from({ length: 200 }, (_, i) => colorFor(`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)));
    expect(used.size).toBeGreaterThanOrEqual(PALETTE.length - 1);
  });
});
