// Option parsing of `npm run bench`: defaults, and errors that say what was wrong and how to fix it.
import { expect } from 'chai';
import { ConfigError } from '@medtransfer/core';
import { DEFAULTS, parseBenchArgs } from './args';

function errorOf(argv: string[]): ConfigError {
  try {
    parseBenchArgs(argv);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${argv.join(' ')} to be rejected`);
}

describe('parseBenchArgs', () => {
  it('fills the defaults', () => {
    const o = parseBenchArgs([]);
    expect(o.nets).to.deep.equal(DEFAULTS.nets);
    expect(o.sizes).to.deep.equal([28, 64]);
    expect(o.backends).to.deep.equal(['wasm']);
    expect(o).to.include({ batch: 32, timeSeconds: 10, torch: 'auto', help: false });
  });

  it('reads lists and numbers, dropping duplicates', () => {
    const o = parseBenchArgs(['--nets', 'cbr-small, cbr-tiny,cbr-small', '--sizes', '64,28', '--backends', 'cpu,wasm', '--batch', '8', '--time', '0.5', '--torch', 'off', '--json', 'out.json', '--threads', '1']);
    expect(o.nets).to.deep.equal(['cbr-small', 'cbr-tiny']);
    expect(o.sizes).to.deep.equal([64, 28]);
    expect(o.backends).to.deep.equal(['cpu', 'wasm']);
    expect(o).to.include({ batch: 8, timeSeconds: 0.5, torch: 'off', json: 'out.json', threads: 1 });
  });

  it('rejects an unknown net with the nearest zoo name', () => {
    const e = errorOf(['--nets', 'cbr-tiny,cbr-smal']);
    expect(e.message).to.include('--nets[1]').and.include('"cbr-smal"').and.include('did you mean "cbr-small"');
  });

  it('accepts ResNet names even before the zoo has them (skipped at run time)', () => {
    expect(parseBenchArgs(['--nets', 'resnet18']).nets).to.deep.equal(['resnet18']);
  });

  for (const bad of ['abc', '0', '28.5', '-3', '5000']) {
    it(`rejects size "${bad}"`, () => {
      const e = errorOf(['--sizes', `28,${bad}`]);
      expect(e.message).to.include('--sizes[1]').and.include(`"${bad}"`).and.include('whole number');
    });
  }

  it('rejects an unknown backend, listing the valid ones', () => {
    const e = errorOf(['--backends', 'wsam']);
    expect(e.message).to.include('did you mean "wasm"').and.include('cpu');
  });

  it('rejects bad --time, --torch and --batch values and unknown options', () => {
    expect(errorOf(['--time', '0']).message).to.include('--time');
    expect(errorOf(['--torch', 'maybe']).message).to.include('"auto" or "off"');
    expect(errorOf(['--batch', 'x']).message).to.include('--batch');
    expect(errorOf(['--nts', 'cbr-tiny']).message).to.include('usage: npm run bench');
    expect(errorOf(['--sizes', ',']).message).to.include('at least one');
  });
});
