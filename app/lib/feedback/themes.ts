/**
 * Recurring themes in open-text answers, found deterministically (no external service, same input
 * → same output): words and two-word phrases that several answers use, counted once per answer,
 * stop words dropped, light English stemming so "coach", "coaches" and "coaching" meet.
 */

const STOP_WORDS = new Set(
  (
    "a about above after again against all also am an and any are as at be because been before being below between both but by can " +
    "could did do does doing done down during each even ever every few for from further get gets getting got had has have having he her " +
    "here hers him his how i if in into is it its itself just let like lot lots made make many may me more most much must my no nor not " +
    "now of off on once one only or other our ours out over own really same she should so some such than that the their theirs them " +
    "then there these they thing things this those through to too under until up us very was we well were what when where which while " +
    "who whom why will with would yes yet you your yours don didn doesn isn wasn aren won couldn wouldn shouldn haven hasn"
  ).split(/\s+/),
);

export interface Theme {
  /** Stable key (stemmed words). */
  key: string;
  /** The wording answers used most often. */
  label: string;
  /** Answers that mention it. */
  count: number;
  /** Indices (into the input) of those answers, in input order. */
  answers: number[];
}

/** Light, deterministic stemming: enough to merge the common English inflections. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ches|shes|sses|xes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  // "planning" → "plann" → "plan"
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  return w;
}

interface Token {
  word: string;
  stem: string;
  stop: boolean;
}

function tokenize(text: string): Token[] {
  const words = text.toLowerCase().normalize("NFKC").replace(/['’]/g, " ").match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.map((word) => ({ word, stem: stem(word), stop: STOP_WORDS.has(word) || word.length < 3 || /^\d+$/.test(word) }));
}

/**
 * Themes across `answers`: phrases used by at least `minAnswers` answers (default: 2, or 3% of
 * answers when there are many), best first. A single word that nearly always comes inside one of
 * the chosen phrases is not repeated as its own theme.
 */
export function extractThemes(answers: string[], { max = 8, minAnswers }: { max?: number; minAnswers?: number } = {}): Theme[] {
  const threshold = minAnswers ?? Math.max(2, Math.ceil(answers.length * 0.03));
  const found = new Map<string, { answers: number[]; surfaces: Map<string, number>; words: number }>();
  answers.forEach((text, index) => {
    const tokens = tokenize(text);
    const seen = new Set<string>();
    const add = (key: string, surface: string, words: number) => {
      if (seen.has(key)) return;
      seen.add(key);
      let entry = found.get(key);
      if (!entry) found.set(key, (entry = { answers: [], surfaces: new Map(), words }));
      entry.answers.push(index);
      entry.surfaces.set(surface, (entry.surfaces.get(surface) ?? 0) + 1);
    };
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.stop) continue;
      add(t.stem, t.word, 1);
      const next = tokens[i + 1];
      if (next && !next.stop) add(`${t.stem} ${next.stem}`, `${t.word} ${next.word}`, 2);
    }
  });

  const candidates = [...found.entries()]
    .filter(([, e]) => e.answers.length >= threshold)
    .map(([key, e]) => ({ key, ...e }))
    // More answers first; at equal reach a phrase says more than a word; then alphabetical for stability.
    .sort((a, b) => b.answers.length - a.answers.length || b.words - a.words || (a.key < b.key ? -1 : 1));

  const chosen: typeof candidates = [];
  for (const c of candidates) {
    if (chosen.length >= max) break;
    // Skip a word mostly covered by a chosen phrase containing it, and a phrase whose words are both chosen with the same answers.
    const covered = chosen.some((p) => {
      const contains = c.words === 1 ? p.words === 2 && p.key.split(" ").includes(c.key) : p.words === 1 && c.key.split(" ").includes(p.key);
      if (!contains) return false;
      const [small, big] = c.answers.length <= p.answers.length ? [c, p] : [p, c];
      const overlap = small.answers.filter((i) => big.answers.includes(i)).length;
      return overlap >= 0.8 * big.answers.length;
    });
    if (!covered) chosen.push(c);
  }
  return chosen.map((c) => ({
    key: c.key,
    label: [...c.surfaces.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0],
    count: c.answers.length,
    answers: c.answers,
  }));
}
