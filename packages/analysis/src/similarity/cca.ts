// CCA-based similarity: canonical correlations, SVCCA (Raghu et al. 2017) and PWCCA (Morcos et
// al. 2018), computed from orthonormal bases of the centred activations (SVD), which is the
// numerically stable route to the same canonical correlations as Σxx^-½ Σxy Σyy^-½.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { MedtransferError } from '@medtransfer/core';
import { centredPair, type ActivationMatrix } from './activations';

interface Basis {
  /** n × r orthonormal basis of the column space. */
  u: Matrix;
  /** All singular values, descending. */
  s: number[];
}

/** Orthonormal basis of the column space of a centred matrix, dropping numerically null directions. */
function basis(m: Matrix): Basis {
  const svd = new SingularValueDecomposition(m, { computeLeftSingularVectors: true, computeRightSingularVectors: false, autoTranspose: true });
  const s = svd.diagonal;
  // NumPy's matrix_rank tolerance: max(n, p) · eps · s_max.
  const tol = Math.max(m.rows, m.columns) * Number.EPSILON * (s[0] ?? 0);
  const r = s.filter((v) => v > tol).length;
  return { u: svd.leftSingularVectors.subMatrix(0, m.rows - 1, 0, Math.max(r, 1) - 1), s: s.slice(0, r) };
}

function checkRank(b: Basis, name: string, where: string): void {
  if (b.s.length === 0) {
    throw new MedtransferError(`${where}: ${name} is constant over the examples (zero variance), so CCA is undefined; check the layer and the probe set.`);
  }
}

/** Canonical correlations of two bases and the x-side canonical rotation A (Uxᵀ Uy = A Σ Bᵀ). */
function ccaOfBases(ux: Matrix, uy: Matrix): { rho: number[]; a: Matrix; b: Matrix } {
  const svd = new SingularValueDecomposition(ux.transpose().mmul(uy), { autoTranspose: true });
  const k = Math.min(ux.columns, uy.columns);
  const rho = svd.diagonal.slice(0, k).map((v) => Math.min(1, Math.max(0, v)));
  return { rho, a: svd.leftSingularVectors, b: svd.rightSingularVectors };
}

export interface CcaResult {
  /** Canonical correlations, descending, min(rank x, rank y) of them. */
  coefficients: number[];
  /** Their mean. */
  mean: number;
}

/** Canonical correlations between x (n × p₁) and y (n × p₂); invariant to invertible linear maps of either. */
export function canonicalCorrelations(x: ActivationMatrix, y: ActivationMatrix): CcaResult {
  const [xc, yc] = centredPair(x, y, 'canonicalCorrelations');
  const bx = basis(xc);
  const by = basis(yc);
  checkRank(bx, 'x', 'canonicalCorrelations');
  checkRank(by, 'y', 'canonicalCorrelations');
  const { rho } = ccaOfBases(bx.u, by.u);
  return { coefficients: rho, mean: rho.reduce((a, v) => a + v, 0) / rho.length };
}

/** Smallest k whose top-k singular directions explain at least `keep` of the variance (Σ s²). */
export function directionsToKeep(s: readonly number[], keep: number): number {
  const total = s.reduce((a, v) => a + v * v, 0);
  let acc = 0;
  for (let k = 0; k < s.length; k++) {
    acc += s[k] * s[k];
    if (acc >= keep * total * (1 - 1e-12)) return k + 1;
  }
  return s.length;
}

export interface SvccaOptions {
  /** Fraction of variance the kept singular directions must explain (default 0.99). */
  keep?: number;
}

export interface SvccaResult extends CcaResult {
  /** The SVCCA similarity: mean canonical correlation of the reduced activations. */
  similarity: number;
  /** Singular directions kept for x and y. */
  keptX: number;
  keptY: number;
}

/**
 * SVCCA: project each centred activation matrix on its top singular directions explaining
 * `keep` (99 %) of the variance, then CCA; the similarity is the mean canonical correlation.
 */
export function svcca(x: ActivationMatrix, y: ActivationMatrix, opts: SvccaOptions = {}): SvccaResult {
  const keep = opts.keep ?? 0.99;
  if (!(keep > 0 && keep <= 1)) {
    throw new MedtransferError(`svcca: keep ${JSON.stringify(opts.keep)} must be a fraction of variance in (0, 1], e.g. 0.99.`);
  }
  const [xc, yc] = centredPair(x, y, 'svcca');
  const bx = basis(xc);
  const by = basis(yc);
  checkRank(bx, 'x', 'svcca');
  checkRank(by, 'y', 'svcca');
  const kx = directionsToKeep(bx.s, keep);
  const ky = directionsToKeep(by.s, keep);
  // U_k S_k spans the same space as U_k, and CCA only sees the span.
  const ux = bx.u.subMatrix(0, xc.rows - 1, 0, kx - 1);
  const uy = by.u.subMatrix(0, yc.rows - 1, 0, ky - 1);
  const { rho } = ccaOfBases(ux, uy);
  const mean = rho.reduce((a, v) => a + v, 0) / rho.length;
  return { coefficients: rho, mean, similarity: mean, keptX: kx, keptY: ky };
}

export interface PwccaResult extends CcaResult {
  /** The PWCCA similarity: Σ αᵢ ρᵢ. */
  similarity: number;
  /** αᵢ: share of the side's activations that canonical direction i accounts for (sums to 1). */
  weights: number[];
  /** Which side's activations the weights are computed on (the one with fewer features). */
  side: 'x' | 'y';
}

/**
 * Projection-weighted CCA (Morcos et al. 2018): canonical correlations weighted by how much of the
 * activations each canonical variate accounts for, αᵢ ∝ Σⱼ |⟨hᵢ, zⱼ⟩| (hᵢ unit canonical variate,
 * zⱼ centred activations of feature j), on the side with fewer features, as Google's
 * `compute_pwcca`. Not invariant to linear maps of the features (the weights depend on them).
 */
export function pwcca(x: ActivationMatrix, y: ActivationMatrix): PwccaResult {
  const [xc, yc] = centredPair(x, y, 'pwcca');
  const bx = basis(xc);
  const by = basis(yc);
  checkRank(bx, 'x', 'pwcca');
  checkRank(by, 'y', 'pwcca');
  const { rho, a, b } = ccaOfBases(bx.u, by.u);
  const side: 'x' | 'y' = xc.columns <= yc.columns ? 'x' : 'y';
  const [u, rot, acts] = side === 'x' ? [bx.u, a, xc] : [by.u, b, yc];
  const k = rho.length;
  // Unit canonical variates h = U · (column of the rotation), n × k; then |hᵀ Z| summed over features.
  const h = u.mmul(rot.subMatrix(0, rot.rows - 1, 0, k - 1));
  const proj = h.transpose().mmul(acts);
  const raw = proj.to2DArray().map((row) => row.reduce((s, v) => s + Math.abs(v), 0));
  const total = raw.reduce((s, v) => s + v, 0);
  const weights = raw.map((v) => v / total);
  const mean = rho.reduce((s, v) => s + v, 0) / k;
  return { coefficients: rho, mean, similarity: weights.reduce((s, w, i) => s + w * rho[i], 0), weights, side };
}
