// Linear centred kernel alignment (Kornblith et al. 2019): similarity of two representations of
// the same examples, invariant to orthogonal transforms and isotropic scaling.
import type { Matrix } from 'ml-matrix';
import { MedtransferError } from '@medtransfer/core';
import { centredPair, type ActivationMatrix } from './activations';

function frobeniusSq(m: Matrix): number {
  let s = 0;
  for (const row of m.to2DArray()) for (const v of row) s += v * v;
  return s;
}

/**
 * Linear CKA between x (n × p₁) and y (n × p₂), columns centred:
 * ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F). Uses n × n Gram matrices instead when n is smaller than the
 * feature counts (‖YᵀX‖²_F = ⟨XXᵀ, YYᵀ⟩_F), which is cheaper and gives the same value.
 */
export function linearCka(x: ActivationMatrix, y: ActivationMatrix): number {
  const [xc, yc] = centredPair(x, y, 'linearCka');
  const n = xc.rows;
  let cross: number;
  let nx: number;
  let ny: number;
  if (n < Math.min(xc.columns, yc.columns)) {
    const k = xc.mmul(xc.transpose());
    const l = yc.mmul(yc.transpose());
    cross = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cross += k.get(i, j) * l.get(i, j);
    nx = Math.sqrt(frobeniusSq(k));
    ny = Math.sqrt(frobeniusSq(l));
  } else {
    cross = frobeniusSq(yc.transpose().mmul(xc));
    nx = Math.sqrt(frobeniusSq(xc.transpose().mmul(xc)));
    ny = Math.sqrt(frobeniusSq(yc.transpose().mmul(yc)));
  }
  if (nx === 0 || ny === 0) {
    throw new MedtransferError(`linearCka: ${nx === 0 ? 'x' : 'y'} is constant over the examples (zero variance), so CKA is undefined; check the layer and the probe set.`);
  }
  return cross / (nx * ny);
}
