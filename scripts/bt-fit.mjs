/**
 * A Bradley–Terry (logistic) fit over feature differences, no intercept (which
 * side is "a" carries no information): P(a ≻ b) = σ(w · (f(a) − f(b))).
 * Fitted by Newton's method with an L2 penalty, each gold set weighted to the
 * same total so the larger set does not decide alone. Deterministic: same
 * data, same weights, bit for bit.
 */
export function fitBradleyTerry(rows, { l2 = 1, iterations = 50 } = {}) {
  const d = rows[0].x.length;
  const perSet = new Map();
  for (const r of rows) perSet.set(r.set, (perSet.get(r.set) ?? 0) + 1);
  const weightOf = (r) => rows.length / perSet.size / perSet.get(r.set);
  let w = new Array(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const grad = w.map((wi) => l2 * wi);
    const hess = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? l2 : 0)));
    for (const r of rows) {
      const s = weightOf(r);
      const p = sigmoid(dot(w, r.x));
      for (let i = 0; i < d; i++) {
        grad[i] -= s * (r.y - p) * r.x[i];
        for (let j = 0; j < d; j++) hess[i][j] += s * p * (1 - p) * r.x[i] * r.x[j];
      }
    }
    const step = solve(hess, grad);
    w = w.map((wi, i) => wi - step[i]);
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  return w;
}

export const sigmoid = (z) => 1 / (1 + Math.exp(-z));
export const dot = (a, b) => a.reduce((s, ai, i) => s + ai * b[i], 0);

/** Gaussian elimination with partial pivoting (the Hessian is small and positive definite). */
function solve(A, b) {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/** Share of rows where the sign of w · x agrees with y (a zero counts half). */
export function accuracy(w, rows) {
  let ok = 0;
  for (const r of rows) {
    const z = dot(w, r.x);
    ok += z === 0 ? 0.5 : (z > 0) === (r.y === 1) ? 1 : 0;
  }
  return rows.length ? ok / rows.length : NaN;
}

/** Fold of row i: a fixed, seedless interleaving (i·7919 mod k), so every run splits the same way. */
export const foldOf = (i, k) => (i * 7919) % k;
