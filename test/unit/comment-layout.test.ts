import { describe, expect, it } from "vitest";
import { stackCards, type StackItem } from "../../app/lib/comments/layout.js";

const GAP = 8;

/** Fails when two consecutive cards overlap (gap included) or order is lost. */
function expectStacked(items: StackItem[], tops: number[], gap = GAP) {
  for (let i = 1; i < items.length; i++) expect(tops[i]).toBeGreaterThanOrEqual(tops[i - 1] + items[i - 1].height + gap);
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("comment card stacking", () => {
  it("keeps every card at its preferred top when they don't collide", () => {
    const items = [
      { id: "a", top: 10, height: 50 },
      { id: "b", top: 100, height: 80 },
      { id: "c", top: 900, height: 40 },
    ];
    const { tops, height } = stackCards(items, { gap: GAP });
    expect(tops).toEqual([10, 100, 900]);
    // The big gap between b and c stays a gap; the list is tall enough for the last card.
    expect(height).toBe(940);
  });

  it("pushes colliding cards down below each other, in order", () => {
    const items = [
      { id: "a", top: 0, height: 100 },
      { id: "b", top: 20, height: 60 },
      { id: "c", top: 40, height: 30 },
      { id: "d", top: 600, height: 30 },
    ];
    const { tops, height } = stackCards(items, { gap: GAP });
    expect(tops).toEqual([0, 108, 176, 600]);
    expectStacked(items, tops);
    expect(height).toBe(630);
  });

  it("two cards on the same line don't overlap", () => {
    const items = [
      { id: "a", top: 200, height: 120 },
      { id: "b", top: 200, height: 90 },
    ];
    const { tops } = stackCards(items);
    expect(tops[0]).toBe(200);
    expect(tops[1]).toBe(328);
  });

  it("puts the active card at its preferred top and pushes the cards before it up and after it down", () => {
    const items = [
      { id: "a", top: 100, height: 50 },
      { id: "b", top: 120, height: 50 },
      { id: "c", top: 140, height: 50 },
      { id: "d", top: 150, height: 50 },
      { id: "e", top: 800, height: 50 },
    ];
    const { tops } = stackCards(items, { activeId: "c", gap: GAP });
    expect(tops[2]).toBe(140);
    expect(tops[1]).toBe(140 - GAP - 50);
    expect(tops[0]).toBe(140 - 2 * (GAP + 50));
    expect(tops[3]).toBe(140 + 50 + GAP);
    // Far below: untouched.
    expect(tops[4]).toBe(800);
    expectStacked(items, tops);
    // Without the active card, the first one wins its place and the others go down.
    expect(stackCards(items, { gap: GAP }).tops.slice(0, 3)).toEqual([100, 158, 216]);
  });

  it("keeps cards before the active one at their own tops when there is room", () => {
    const items = [
      { id: "a", top: 0, height: 40 },
      { id: "b", top: 300, height: 200 },
      { id: "c", top: 350, height: 40 },
    ];
    const { tops } = stackCards(items, { activeId: "c", gap: GAP });
    expect(tops).toEqual([0, 350 - GAP - 200, 350]);
  });

  it("never lets a card leave the top of the list: the active card gives way only then", () => {
    const items = [
      { id: "a", top: 0, height: 100 },
      { id: "b", top: 10, height: 100 },
    ];
    const { tops } = stackCards(items, { activeId: "b", gap: GAP, minTop: 0 });
    expect(tops).toEqual([0, 108]);
    expect(stackCards([{ id: "a", top: -50, height: 10 }], { minTop: 0 }).tops).toEqual([0]);
  });

  it("an unknown active id or an empty list are fine; a card without a place goes after the one before it", () => {
    expect(stackCards([], { activeId: "x" })).toEqual({ tops: [], height: 0 });
    const items = [
      { id: "a", top: 50, height: 20 },
      { id: "b", top: Number.NaN, height: 20 },
    ];
    expect(stackCards(items, { activeId: "missing", gap: GAP }).tops).toEqual([50, 78]);
  });

  it("random layouts: no overlaps, order kept, the active card at its preferred top when it fits (500 seeds)", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const rnd = random(seed);
      const n = 1 + Math.floor(rnd() * 12);
      let y = 0;
      const items: StackItem[] = Array.from({ length: n }, (_, i) => {
        y += Math.floor(rnd() * 150);
        return { id: `t${i}`, top: y, height: 30 + Math.floor(rnd() * 150) };
      });
      const pick = Math.floor(rnd() * (n + 1));
      const activeId = pick < n ? items[pick].id : null;
      const { tops, height } = stackCards(items, { activeId, gap: GAP });
      expectStacked(items, tops);
      expect(tops[0]).toBeGreaterThanOrEqual(0);
      items.forEach((item, i) => expect(height).toBeGreaterThanOrEqual(tops[i] + item.height));
      if (activeId) {
        const above = items.slice(0, pick).reduce((sum, item) => sum + item.height + GAP, 0);
        // Room above for every card before it: the active card is exactly where its text is.
        if (items[pick].top >= above) expect(tops[pick]).toBe(items[pick].top);
      } else {
        // Nothing active: a card is never above its text, and the first is exactly there.
        items.forEach((item, i) => expect(tops[i]).toBeGreaterThanOrEqual(item.top));
        expect(tops[0]).toBe(items[0].top);
      }
    }
  });
});
