import { expect } from 'chai';
import { ConfigError, MedtransferError } from './errors';
import { Registry } from './registry';
import { closestNames, editDistance } from './suggest';

describe('Registry', () => {
  const make = () => new Registry<number>('backbone').register('resnet50', 1).register('cbr-small', 2).register('cbr-tiny', 3);

  it('returns registered values and lists names', () => {
    const r = make();
    expect(r.get('cbr-small')).to.equal(2);
    expect(r.names()).to.deep.equal(['resnet50', 'cbr-small', 'cbr-tiny']);
    expect(r.has('cbr-tiny')).to.equal(true);
  });

  it('throws on a duplicate name', () => {
    expect(() => make().register('cbr-small', 9)).to.throw(MedtransferError, /duplicate backbone "cbr-small"/);
  });

  it('rejects names that are not stable identifiers', () => {
    expect(() => make().register('CBR Small', 9)).to.throw(/invalid backbone name/);
  });

  it('suggests the nearest name with the config path for an unknown name', () => {
    try {
      make().get('resnet-50', 'sweep.backbone[2]');
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.path).to.equal('sweep.backbone[2]');
      expect(e.message).to.contain('sweep.backbone[2]: unknown backbone "resnet-50"; did you mean "resnet50"?');
      expect(e.message).to.contain('Valid backbone names: cbr-small, cbr-tiny, resnet50');
    }
  });

  it('does not suggest unrelated names', () => {
    expect(closestNames('zzzzzz', ['resnet50', 'cbr-small'])).to.deep.equal([]);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
  });
});
