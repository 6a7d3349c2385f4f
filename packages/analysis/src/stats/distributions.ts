// Student t and normal distribution functions, from the stdlib-js packages (accurate to a few
// ulps, tested against Boost), wrapped so the rest of the package sees one small interface.
import tCdfImpl from '@stdlib/stats-base-dists-t-cdf';
import tQuantileImpl from '@stdlib/stats-base-dists-t-quantile';
import normalCdfImpl from '@stdlib/stats-base-dists-normal-cdf';

/** P(T ≤ x) for Student's t with `df` degrees of freedom. */
export function tCdf(x: number, df: number): number {
  return tCdfImpl(x, df);
}

/** The x with P(T ≤ x) = p for Student's t with `df` degrees of freedom. */
export function tQuantile(p: number, df: number): number {
  return tQuantileImpl(p, df);
}

/** Two-sided p-value of a t statistic: P(|T| ≥ |t|). Computed from the lower tail to keep precision. */
export function tTwoSided(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** P(Z ≤ z) for the standard normal. */
export function normalCdf(z: number): number {
  return normalCdfImpl(z, 0, 1);
}

/** P(Z ≥ z) for the standard normal, without the cancellation of 1 − Φ(z). */
export function normalSf(z: number): number {
  return normalCdfImpl(-z, 0, 1);
}
