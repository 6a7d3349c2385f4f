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

  describe('--params', () => {
    it('is empty by default', () => {
      expect(parseBenchArgs([]).params).to.deep.equal({});
    });

    it('applies a bare JSON object to every net', () => {
      const o = parseBenchArgs(['--nets', 'cbr-tiny,cbr-small', '--params', '{"padding":"valid"}']);
      expect(o.params).to.deep.equal({ 'cbr-tiny': { padding: 'valid' }, 'cbr-small': { padding: 'valid' } });
    });

    it('lets per-net values override the shared ones, key by key', () => {
      const o = parseBenchArgs(['--nets', 'mobilenet-v1', '--params', '{"alpha":0.5,"stem":"small"}', '--params', ' mobilenet-v1 : {"alpha":0.25}']);
      expect(o.params).to.deep.equal({ 'mobilenet-v1': { alpha: 0.25, stem: 'small' } });
    });

    it('gives nets without params no entry', () => {
      const o = parseBenchArgs(['--nets', 'mobilenet-v1,cbr-tiny', '--params', 'mobilenet-v1:{"stem":"small"}']);
      expect(o.params).to.deep.equal({ 'mobilenet-v1': { stem: 'small' } });
    });

    it('rejects malformed JSON, non-objects and a missing net prefix, showing the value', () => {
      expect(errorOf(['--params', '{alpha:0.5}']).message).to.include('--params[0]').and.include('JSON object').and.include('{alpha:0.5}');
      expect(errorOf(['--nets', 'mobilenet-v1', '--params', 'mobilenet-v1:[1]']).message).to.include('JSON object').and.include('[1]');
      expect(errorOf(['--params', 'alpha=0.5']).message).to.include("'net:{json}'");
    });

    it('rejects a net that is not among --nets', () => {
      const e = errorOf(['--nets', 'cbr-tiny', '--params', 'mobilenet-v1:{"stem":"small"}']);
      expect(e.message).to.include('"mobilenet-v1"').and.include('--nets (cbr-tiny)');
    });

    it("checks the params against the net's zoo schema before measuring", () => {
      const e = errorOf(['--nets', 'mobilenet-v1', '--params', '{"alpha":0.3}']);
      expect(e.message).to.include('mobilenet-v1').and.include('alpha');
    });
  });
});
