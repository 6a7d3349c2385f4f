// A stage's dataset as the runner loads it: a DICOM dataset's summary (modalities, transfer
// syntaxes, frames, pixel spacing) is logged once per load, so a run's log says what it read.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StageConfig, setLogSink } from '@medtransfer/core';
import { encodeDicom } from '@medtransfer/data';
import { loadStageData } from './stage-data';

describe('runner/stage-data: DICOM datasets', () => {
  it('logs the DICOM summary of the dataset it loads', () => {
    const root = mkdtempSync(join(tmpdir(), 'mt-stage-dicom-'));
    const lines: string[] = [];
    const restore = setLogSink((_level, line) => lines.push(line));
    try {
      for (const [cls, n] of [['benign', 4], ['malignant', 4]] as const) {
        mkdirSync(join(root, cls), { recursive: true });
        for (let k = 0; k < n; k++) {
          const pixels = Array.from({ length: 16 }, (_, i) => (i * 37 + k * 101 + (cls === 'benign' ? 0 : 500)) % 1000);
          writeFileSync(join(root, cls, `${k}.dcm`), encodeDicom({ rows: 4, cols: 4, pixels, bitsStored: 12, signed: false, modality: 'MR' }));
        }
      }
      const stage = {
        dataset: { name: 'dicom', params: { path: root, valFraction: 0.25, testFraction: 0.25 } },
        imageSize: 8,
        channels: 1,
        training: { steps: 1, batchSize: 2 },
      } as unknown as StageConfig;
      const data = loadStageData(stage, 'target', true);
      expect(data.dataset.numClasses).to.equal(2);
      const summary = lines.filter((l) => l.includes('DICOM files'));
      expect(summary, lines.join('\n')).to.have.length(1);
      expect(summary[0]).to.match(/target dataset .*: 8 DICOM files → 8 images .*MR 8/);
    } finally {
      restore();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
