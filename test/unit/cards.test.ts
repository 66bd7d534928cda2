import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  CARD_NAME_MAX,
  CARD_STATUSES,
  CARD_TEXT_MAX,
  canMove,
  cardsMap,
  cardText,
  column,
  createCard,
  isRank,
  moveCard,
  rankAt,
  rankBetween,
  readCard,
  readCards,
  type Card,
} from "../../app/lib/experiments/cards.js";

const ids = ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002", "aaaaaaaa-0000-4000-8000-000000000003"];

/** Two replicas that exchange everything they have (both directions). */
function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

function order(doc: Y.Doc, status: Card["status"] = "planned") {
  return column(readCards(doc), status).map((c) => c.id);
}

describe("ranks", () => {
  it("always finds a rank strictly between two ranks, without a trailing zero", () => {
    expect(rankBetween(null, null)).toBe("V");
    const cases: [string | null, string | null][] = [
      [null, "1"],
      ["1", "2"],
      ["1", "11"],
      ["Az", "B"],
      ["z", null],
      ["zz", null],
      ["A", "B5"],
      ["V", "VV"],
    ];
    for (const [lo, hi] of cases) {
      const r = rankBetween(lo, hi);
      expect(isRank(r), `${lo}..${hi} -> ${r}`).toBe(true);
      if (lo !== null) expect(r > lo, `${r} > ${lo}`).toBe(true);
      if (hi !== null) expect(r < hi, `${r} < ${hi}`).toBe(true);
    }
  });

  it("keeps a list ordered through many insertions at random places", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ranks: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const at = Math.floor(random() * (ranks.length + 1));
      const r = rankBetween(at > 0 ? ranks[at - 1] : null, at < ranks.length ? ranks[at] : null);
      ranks.splice(at, 0, r);
    }
    const sorted = [...ranks].sort();
    expect(ranks).toEqual(sorted);
    expect(new Set(ranks).size).toBe(ranks.length);
    // Repeated insertion at the top or after the same card grows ranks slowly.
    expect(Math.max(...ranks.map((r) => r.length))).toBeLessThan(40);
  });

  it("refuses bounds in the wrong order", () => {
    expect(() => rankBetween("B", "A")).toThrow();
    expect(() => rankBetween("A", "A")).toThrow();
  });

  it("rankAt steps over neighbours with equal ranks", () => {
    const card = (id: string, rank: string) => ({ id, rank, status: "planned" }) as Card;
    const others = [card("a", "V"), card("b", "V"), card("c", "k")];
    // Between the tied pair there is no room; the new rank lands after both, before "k".
    const r = rankAt(others, 1);
    expect(r > "V" && r < "k").toBe(true);
    expect(rankAt(others, 0) < "V").toBe(true);
    expect(rankAt(others, 3) > "k").toBe(true);
  });
});

describe("reading cards", () => {
  it("reads whatever a client wrote as a valid card", () => {
    const doc = new Y.Doc();
    const map = new Y.Map<unknown>();
    cardsMap(doc).set(ids[0], map);
    map.set("status", "finished");
    map.set("rank", "not a rank!");
    map.set("critical", 7);
    map.set("cost", 2);
    map.set("deadline", "tomorrow");
    map.set("decision", "shrug");
    map.set("name", "x".repeat(CARD_NAME_MAX + 50)); // a plain string instead of Y.Text
    map.set("hypothesis", new Y.Text("h".repeat(CARD_TEXT_MAX + 1)));
    map.set("owner", { not: "a string" });
    const card = readCard(ids[0], map);
    expect(card).toMatchObject({ status: "planned", rank: "", deadline: null, decision: null, owner: null });
    expect(card.ratings).toEqual({ critical: 0, cost: 2, reliability: 0, time: 0 });
    expect(card.name).toHaveLength(CARD_NAME_MAX);
    expect(card.hypothesis).toHaveLength(CARD_TEXT_MAX);
    expect(card.metric).toBe("");
  });

  it("skips entries that are not cards", () => {
    const doc = new Y.Doc();
    createCard(doc, { id: ids[0], name: "Real", createdBy: "u1" });
    cardsMap(doc).set("bad id!", new Y.Map());
    (cardsMap(doc) as Y.Map<unknown>).set(ids[1], "a string, not a map");
    expect(readCards(doc).map((c) => c.id)).toEqual([ids[0]]);
  });
});

describe("status rules", () => {
  it("only allows forward moves, verdict changes and reopening", () => {
    const allowed = CARD_STATUSES.flatMap((from) => CARD_STATUSES.filter((to) => from !== to && canMove(from, to)).map((to) => `${from}>${to}`));
    expect(allowed.sort()).toEqual(
      [
        "planned>running",
        "running>validated",
        "running>invalidated",
        "running>inconclusive",
        "validated>invalidated",
        "validated>inconclusive",
        "validated>running",
        "invalidated>validated",
        "invalidated>inconclusive",
        "invalidated>running",
        "inconclusive>validated",
        "inconclusive>invalidated",
        "inconclusive>running",
      ].sort(),
    );
  });

  it("moveCard refuses a move that skips the test, and prefills the learning card on conclusion", () => {
    const doc = new Y.Doc();
    createCard(doc, { id: ids[0], name: "Managers coach weekly", createdBy: "u1" });
    cardText(doc, ids[0], "hypothesis")!.insert(0, "Managers will coach weekly");
    expect(moveCard(doc, ids[0], "validated", 0)).toBe(false);
    expect(moveCard(doc, ids[0], "running", 0)).toBe(true);
    expect(moveCard(doc, ids[0], "planned", 0)).toBe(false);
    expect(moveCard(doc, ids[0], "invalidated", 0)).toBe(true);
    const card = readCards(doc)[0];
    expect(card.status).toBe("invalidated");
    expect(card.believed).toBe("Managers will coach weekly");
  });
});

describe("ordering under concurrent changes", () => {
  it("new cards go to the bottom of planned; moves reorder one card only", () => {
    const doc = new Y.Doc();
    for (const [i, id] of ids.entries()) createCard(doc, { id, name: `Card ${i}`, createdBy: "u1" });
    expect(order(doc)).toEqual(ids);
    moveCard(doc, ids[2], "planned", 0);
    expect(order(doc)).toEqual([ids[2], ids[0], ids[1]]);
  });

  it("concurrent moves of the same card converge to one order on every replica", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    for (const [i, id] of ids.entries()) createCard(a, { id, name: `Card ${i}`, createdBy: "u1" });
    sync(a, b);
    moveCard(a, ids[0], "planned", 3); // to the bottom
    moveCard(b, ids[0], "planned", 2); // between the other two
    sync(a, b);
    expect(order(a)).toEqual(order(b));
    expect(order(a)).toHaveLength(3);
  });

  it("concurrent moves of different cards to one spot converge, ties broken the same way everywhere", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    for (const [i, id] of ids.entries()) createCard(a, { id, name: `Card ${i}`, createdBy: "u1" });
    sync(a, b);
    moveCard(a, ids[1], "planned", 0);
    moveCard(b, ids[2], "planned", 0);
    sync(a, b);
    expect(order(a)).toEqual(order(b));
    expect(order(a).slice(0, 2).sort()).toEqual([ids[1], ids[2]]);
    // A later insertion between the tied cards still produces a valid, shared order.
    moveCard(a, ids[0], "planned", 1);
    sync(a, b);
    expect(order(a)).toEqual(order(b));
    expect(new Set(order(a)).size).toBe(3);
  });

  it("concurrent edits of different fields of one card merge", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    createCard(a, { id: ids[0], name: "Card", createdBy: "u1" });
    sync(a, b);
    cardText(a, ids[0], "hypothesis")!.insert(0, "from a");
    cardText(b, ids[0], "metric")!.insert(0, "from b");
    cardText(b, ids[0], "hypothesis")!.insert(0, "b says: ");
    sync(a, b);
    const card = readCards(a)[0];
    expect(card.metric).toBe("from b");
    expect(card.hypothesis).toMatch(/from a/);
    expect(card.hypothesis).toMatch(/b says: /);
    expect(readCards(b)[0]).toEqual(card);
  });
});
