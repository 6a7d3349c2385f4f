// Tests of the data-pipeline benchmark's options and its printed table (the measurement itself is not a test).
import { expect } from 'chai';
import { ConfigError } from '@medtransfer/core';
import { DATA_DEFAULTS, defaultBatch, parseDataBenchArgs } from './data-args';
import { type DataBenchReport, dataRatio, dataTableRow, formatDataReport, formatShare } from './data-report';

describe('bench:data options', () => {
  it('defaults to 28 and 224 px, CBR-Small on auto, batch 32 below 128 px and 8 above', () => {
    const o = parseDataBenchArgs([]);
    expect(o.sizes).to.deep.equal([28, 224]);
    expect(o.net).to.equal('cbr-small');
    expect(o.backend).to.equal('auto');
    expect(o.images).to.equal(DATA_DEFAULTS.images);
    expect(o.batch).to.equal(undefined);
    expect([defaultBatch(28), defaultBatch(64), defaultBatch(128), defaultBatch(224)]).to.deep.equal([32, 32, 8, 8]);
  });

  it('reads sizes, images, batch, backend and time', () => {
    const o = parseDataBenchArgs(['--sizes', '28, 64,28', '--images', '100', '--batch', '16', '--backend', 'wasm', '--time', '0.5', '--json', 'x.json']);
    expect(o).to.include({ images: 100, batch: 16, backend: 'wasm', timeSeconds: 0.5, json: 'x.json' });
    expect(o.sizes).to.deep.equal([28, 64]);
  });

  it('names the option and the valid values on bad input', () => {
    const bad = (argv: string[], path: string, text: RegExp) => {
      let err: unknown;
      try {
        parseDataBenchArgs(argv);
      } catch (e) {
        err = e;
      }
      expect(err, argv.join(' ')).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).path).to.equal(path);
      expect((err as ConfigError).message).to.match(text);
    };
    bad(['--sizes', '28,x'], '--sizes[1]', /received "x"/);
    bad(['--images', '0'], '--images', /from 1/);
    bad(['--backend', 'wsam'], '--backend', /wasm/);
    bad(['--net', 'cbr-smal'], '--net', /cbr-small/);
    bad(['--time', '0'], '--time', /positive/);
    bad(['--nets', 'a'], 'arguments', /usage: npm run bench:data/);
  });
});

describe('bench:data report', () => {
  const row = { size: 28, pipeline: 'arrays, augmented', batch: 32, imagesPerSecond: 32000, rme: 2.4, stepSeconds: 0.065 };

  it('ratio = data seconds per batch ÷ step seconds, with a verdict against 5 %', () => {
    expect(dataRatio(row)).to.be.closeTo(0.001 / 0.065, 1e-12);
    expect(formatShare(0.0154)).to.equal('1.5 % ok');
    expect(formatShare(0.09)).to.equal('9.0 % over');
    expect(formatShare(0.5)).to.equal('50 % over');
    expect(formatShare(NaN)).to.equal('–');
  });

  it('prints one markdown row per pipeline, with the step time and notes', () => {
    expect(dataTableRow(row)).to.equal('| 28 | arrays, augmented | 32 | 32000 ±2% | 1.0 | 65 | 1.5 % ok |  |');
    expect(dataTableRow({ ...row, pipeline: 'PNG folder decode', once: true, stepSeconds: undefined })).to.equal('| 28 | PNG folder decode | 32 | 32000 ±2% | 1.0 | – | – | once per load |');
  });

  it('prints a header with the machine and load, the table, and failed steps', () => {
    const rep: DataBenchReport = {
      machine: { cores: 2, cpuModel: 'Test CPU', cpuFlags: [], node: 'v20', tfjs: '4.22.0', platform: 'linux x64', loadStart: [1, 1, 1], loadEnd: [1.5, 1, 1], date: '' },
      net: 'cbr-small',
      backend: 'native',
      settings: { images: 256, timeSeconds: 3 },
      rows: [row],
      steps: [{ size: 224, batch: 8, error: 'out of memory' }],
    };
    const text = formatDataReport(rep);
    expect(text).to.match(/^Data pipeline vs cbr-small training step on native — 2 cores, Test CPU/);
    expect(text).to.contain('load average at start 1.00 1.00 1.00, at end 1.50 1.00 1.00');
    expect(text).to.contain('| px | pipeline | batch | images/s | data ms/batch | step ms | ratio | notes |');
    expect(text).to.contain(dataTableRow(row));
    expect(text).to.contain('cbr-small step at 224 px failed: out of memory');
  });
});
