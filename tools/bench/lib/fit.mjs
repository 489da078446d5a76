/**
 * Growth exponents: fits y ≈ c · x₁^b₁ · x₂^b₂ · … by ordinary least squares on
 * log y = log c + Σ bᵢ log xᵢ (a log-log linear regression), solved by the normal
 * equations with Gaussian elimination (partial pivoting).
 */

/**
 * @param {{ x: number[], y: number }[]} points every x and y > 0; all points have the same number of x
 * @returns {{ exponents: (number|null)[], coefficient: number, r2: number }} one exponent per
 *   x dimension, null for a dimension with a single distinct value (nothing to fit);
 *   r2 = coefficient of determination of the log-log fit (1 when the fit is exact).
 * @throws Error when there are fewer points than unknowns or a value is not positive
 */
export function fitPowerLaw(points) {
  if (points.length === 0) throw new Error('no points to fit');
  const dims = points[0].x.length;
  for (const p of points) {
    if (p.x.length !== dims) throw new Error('points differ in their number of x values');
    if (!(p.y > 0) || p.x.some((v) => !(v > 0))) throw new Error(`cannot fit a power law to non-positive values (${JSON.stringify(p)})`);
  }
  const used = [];
  for (let d = 0; d < dims; d++) if (new Set(points.map((p) => p.x[d])).size > 1) used.push(d);
  const k = used.length + 1;
  if (points.length < k) throw new Error(`need at least ${k} points to fit ${used.length} exponents`);
  const rows = points.map((p) => [1, ...used.map((d) => Math.log(p.x[d]))]);
  const ys = points.map((p) => Math.log(p.y));
  // Normal equations (XᵀX) β = Xᵀy.
  const a = Array.from({ length: k }, (_, i) => [
    ...Array.from({ length: k }, (_, j) => rows.reduce((s, r) => s + r[i] * r[j], 0)),
    rows.reduce((s, r, n) => s + r[i] * ys[n], 0),
  ]);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    if (Math.abs(a[piv][c]) < 1e-12) throw new Error('the points do not determine the exponents (degenerate design)');
    [a[c], a[piv]] = [a[piv], a[c]];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let j = c; j <= k; j++) a[r][j] -= f * a[c][j];
    }
  }
  const beta = a.map((row, i) => row[k] / row[i]);
  const mean = ys.reduce((s, v) => s + v, 0) / ys.length;
  let ssTot = 0;
  let ssRes = 0;
  rows.forEach((r, n) => {
    const pred = r.reduce((s, v, j) => s + v * beta[j], 0);
    ssRes += (ys[n] - pred) ** 2;
    ssTot += (ys[n] - mean) ** 2;
  });
  const exponents = Array.from({ length: dims }, () => null);
  used.forEach((d, i) => {
    exponents[d] = beta[i + 1];
  });
  return { exponents, coefficient: Math.exp(beta[0]), r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}
