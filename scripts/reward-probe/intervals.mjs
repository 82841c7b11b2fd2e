/**
 * Confidence intervals for an accuracy: Wilson's score interval (good at small
 * n and near 0 or 1) and a seeded percentile bootstrap (the same seed, the
 * same interval on every machine).
 */
const Z95 = 1.959963984540054;

export function wilson(successes, n, z = Z95) {
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** mulberry32: a small seeded PRNG. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95% percentile bootstrap of the mean of `outcomes` (each 0, ½ or 1). */
export function bootstrap(outcomes, seed, resamples = 2000) {
  const n = outcomes.length;
  if (n === 0) return { low: 0, high: 1 };
  const random = mulberry32(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += outcomes[Math.floor(random() * n)];
    means[b] = s / n;
  }
  means.sort();
  return { low: means[Math.floor(0.025 * (resamples - 1))], high: means[Math.ceil(0.975 * (resamples - 1))] };
}
