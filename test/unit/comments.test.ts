import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { anchorRange, decodeAnchor, encodeAnchor, resolveRange } from "../../app/lib/comments/anchors.js";
import { mentionedIds, mentionToken, segments } from "../../app/lib/comments/mentions.js";

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe("comment anchors", () => {
  it("follow the commented text through random concurrent edits around it (200 seeds)", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = random(seed);
      const a = new Y.Doc();
      const b = new Y.Doc();
      const ta = a.getText("t");
      ta.insert(0, "Managers coach their teams every week and report progress.");
      sync(a, b);
      const quote = "coach their teams";
      const from = ta.toString().indexOf(quote);
      const range = anchorRange(ta, from, from + quote.length);
      // Through the wire: encoded, decoded.
      const start = decodeAnchor(encodeAnchor(range.start))!;
      const end = decodeAnchor(encodeAnchor(range.end))!;
      for (let step = 0; step < 20; step++) {
        for (const doc of [a, b]) {
          const t = doc.getText("t");
          const now = resolveRange(doc, start, end)!;
          // Edit only outside the range: before it, or after it.
          const before = rnd() < 0.5;
          const lo = before ? 0 : now.to;
          const hi = before ? now.from : t.length;
          const at = lo + Math.floor(rnd() * (hi - lo + 1));
          if (rnd() < 0.6 || hi - lo < 2) t.insert(at, rnd() < 0.5 ? "x" : "new words ");
          else t.delete(Math.min(at, hi - 1), Math.min(1 + Math.floor(rnd() * 3), hi - Math.min(at, hi - 1)));
        }
        if (rnd() < 0.5) sync(a, b);
      }
      sync(a, b);
      for (const doc of [a, b]) {
        const r = resolveRange(doc, start, end);
        expect(r, `seed ${seed}`).not.toBeNull();
        expect(doc.getText("t").toString().slice(r!.from, r!.to), `seed ${seed}`).toBe(quote);
      }
    }
  });

  it("text typed inside the range joins it; text typed at its edges stays outside", () => {
    const doc = new Y.Doc();
    const t = doc.getText("t");
    t.insert(0, "one two three");
    const { start, end } = anchorRange(t, 4, 7); // "two"
    t.insert(4, "[");
    t.insert(8, "]");
    t.insert(6, "-");
    const r = resolveRange(doc, start, end)!;
    expect(t.toString()).toBe("one [t-wo] three");
    expect(t.toString().slice(r.from, r.to)).toBe("t-wo");
  });

  it("is detached when the anchored text is deleted, also concurrently with an edit inside it", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.getText("t").insert(0, "keep this sentence here");
    sync(a, b);
    const { start, end } = anchorRange(a.getText("t"), 5, 18); // "this sentence"
    b.getText("t").insert(10, "!");
    a.getText("t").delete(5, 13);
    sync(a, b);
    expect(resolveRange(a, start, end)).toBeNull();
    expect(resolveRange(b, start, end)).toBeNull();
  });

  it("refuses bytes that are not an anchor", () => {
    expect(decodeAnchor("not base64 at all!")).toBeNull();
    expect(decodeAnchor("")).toBeNull();
    expect(decodeAnchor("AAAA".repeat(400))).toBeNull();
  });
});

describe("mentions", () => {
  const ana = "11111111-1111-4111-8111-111111111111";
  const anna = "22222222-2222-4222-8222-222222222222";
  const gone = "33333333-3333-4333-8333-333333333333";
  const members = new Map([
    [ana, "Ana"],
    [anna, "Anna"],
  ]);

  it("are resolved by id, so look-alike names are never confused", () => {
    const body = `Thanks ${mentionToken({ id: anna, name: "Anna" })} and ${mentionToken({ id: ana, name: "Ana" })}, also @Ana in plain text`;
    expect(mentionedIds(body)).toEqual([anna, ana]);
    expect(segments(body, members)).toEqual([
      { type: "text", text: "Thanks " },
      { type: "mention", userId: anna, name: "Anna" },
      { type: "text", text: " and " },
      { type: "mention", userId: ana, name: "Ana" },
      { type: "text", text: ", also @Ana in plain text" },
    ]);
  });

  it("of someone who is not a member show as the typed text; the current name wins", () => {
    const body = `cc @[Old Name](${gone}) and @[Ana Before](${ana})`;
    expect(segments(body, members)).toEqual([
      { type: "text", text: "cc @Old Name and " },
      { type: "mention", userId: ana, name: "Ana" },
    ]);
  });

  it("leave HTML and markdown as text", () => {
    const body = `<script>alert(1)</script> **bold** [link](javascript:alert(1)) <img src=x onerror=alert(1)>`;
    expect(segments(body, members)).toEqual([{ type: "text", text: body }]);
    expect(mentionedIds(body)).toEqual([]);
  });

  it("tokens survive names with brackets", () => {
    const token = mentionToken({ id: ana, name: "Ana [Ops]" });
    expect(mentionedIds(`hi ${token}`)).toEqual([ana]);
  });
});
