/**
 * Statistics of feedback answers, computed from value → count distributions (the database
 * aggregates; these functions are exact and cheap on top of that).
 */

/** Two-sided 95% critical values of Student's t for 1..30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t critical value for a 95% interval; beyond the table, a close interpolation toward 1.96. */
export function t95(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T95[df - 1];
  if (df <= 40) return 2.042 + ((2.021 - 2.042) * (df - 30)) / 10;
  if (df <= 60) return 2.021 + ((2.0 - 2.021) * (df - 40)) / 20;
  if (df <= 120) return 2.0 + ((1.98 - 2.0) * (df - 60)) / 60;
  return 1.96;
}

export interface NumericSummary {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n - 1). */
  sd: number | null;
  /** 95% confidence interval of the mean; null below 2 answers. */
  ci: [number, number] | null;
}

export function summarize(distribution: ReadonlyMap<number, number>): NumericSummary {
  let n = 0;
  let sum = 0;
  for (const [value, count] of distribution) {
    n += count;
    sum += value * count;
  }
  if (n === 0) return { n, mean: null, sd: null, ci: null };
  const mean = sum / n;
  if (n < 2) return { n, mean, sd: null, ci: null };
  let squares = 0;
  for (const [value, count] of distribution) squares += count * (value - mean) ** 2;
  const sd = Math.sqrt(squares / (n - 1));
  const half = (t95(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ci: [mean - half, mean + half] };
}

export interface NpsSummary {
  n: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** % promoters − % detractors, −100..100; null without answers. */
  score: number | null;
}

/** Net Promoter Score: 9–10 promote, 7–8 are passive, 0–6 detract. */
export function nps(distribution: ReadonlyMap<number, number>): NpsSummary {
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const [value, count] of distribution) {
    if (value >= 9) promoters += count;
    else if (value >= 7) passives += count;
    else detractors += count;
  }
  const n = promoters + passives + detractors;
  return { n, promoters, passives, detractors, score: n === 0 ? null : ((promoters - detractors) / n) * 100 };
}

/** Share of `count` in `n`, 0..1 (0 when n is 0). */
export const share = (count: number, n: number) => (n === 0 ? 0 : count / n);

/** Below this many answers a result is shown as "not enough data yet". */
export const MIN_SAMPLE = 5;
