// Activation matrices (n examples × features) as accepted by the similarity measures: nested
// arrays or a flat row-major buffer, checked and column-centred into an ml-matrix Matrix.
import { Matrix } from 'ml-matrix';
import { MedtransferError } from '@medtransfer/core';

/**
 * n examples × p features. Conv activations: fold the spatial positions into the examples
 * (n·h·w × c) or average-pool over space (n × c) before calling.
 */
export type ActivationMatrix = readonly (readonly number[])[] | { data: ArrayLike<number>; rows: number; cols: number };

function toMatrix(a: ActivationMatrix, name: string, where: string): Matrix {
  if (Array.isArray(a)) {
    const rows = a as readonly (readonly number[])[];
    const cols = rows[0]?.length ?? 0;
    if (rows.some((r) => r.length !== cols)) {
      throw new MedtransferError(`${where}: ${name} has rows of different lengths; give an n examples × features matrix.`);
    }
    return new Matrix(rows.map((r) => Array.from(r)));
  }
  const { data, rows, cols } = a as { data: ArrayLike<number>; rows: number; cols: number };
  if (!(Number.isInteger(rows) && Number.isInteger(cols)) || data.length !== rows * cols) {
    throw new MedtransferError(`${where}: ${name} has ${data.length} values but rows × cols = ${rows} × ${cols}; give a row-major n × features buffer.`);
  }
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, data[i * cols + j]);
  return m;
}

/** Both matrices column-centred, after checking they describe the same examples. */
export function centredPair(x: ActivationMatrix, y: ActivationMatrix, where: string): [Matrix, Matrix] {
  const xm = toMatrix(x, 'x', where);
  const ym = toMatrix(y, 'y', where);
  if (xm.rows !== ym.rows) {
    throw new MedtransferError(
      `${where}: x has ${xm.rows} examples and y has ${ym.rows}; both must be activations on the same probe examples, in the same order.`,
    );
  }
  if (xm.rows < 2 || xm.columns === 0 || ym.columns === 0) {
    throw new MedtransferError(`${where}: need at least 2 examples and 1 feature (received x ${xm.rows}×${xm.columns}, y ${ym.rows}×${ym.columns}).`);
  }
  for (const [m, name] of [[xm, 'x'], [ym, 'y']] as const) {
    for (const v of m.to1DArray()) {
      if (!Number.isFinite(v)) throw new MedtransferError(`${where}: ${name} contains a non-finite value (${v}); check the activations.`);
    }
  }
  return [centre(xm), centre(ym)];
}

function centre(m: Matrix): Matrix {
  const means = m.mean('column');
  return m.clone().subRowVector(means);
}
