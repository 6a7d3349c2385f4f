// Stored records as core reads them: curve points in the current layout (`val`) and in the one
// before metrics were a registry (`valAuc`, `valAcc`, `valKappa`), both validated.
import { expect } from 'chai';
import { StoredRecordError, parseCurve, parseTrialSummary, upgradeCurvePoint } from './records';

const base = '"step":STEP,"epoch":1,"imagesSeen":8,"trainLoss":0.7,"valLoss":0.6,"trainSeconds":1';
const line = (step: number, rest: string) => `{${base.replace('STEP', String(step))},${rest}}`;

describe('records: curve points', () => {
  it('reads the current layout: every metric under val, null read back as NaN', () => {
    const [p] = parseCurve(`${line(1, '"val":{"auc":0.8,"acc":0.7,"kappa":null}')}\n`, 'c.jsonl');
    expect(p.val.auc).to.equal(0.8);
    expect(p.val.acc).to.equal(0.7);
    expect(Number.isNaN(p.val.kappa)).to.equal(true);
  });

  it('reads curves written before val: valAuc, valAcc, valKappa become val.auc, val.acc, val.kappa', () => {
    const text = [line(1, '"valAuc":0.7,"valAcc":0.6'), line(2, '"valAuc":null,"valAcc":0.65,"valKappa":0.4'), line(3, '"val":{"auc":0.9,"acc":0.8}')].join('\n');
    const curve = parseCurve(text, 'c.jsonl');
    expect(curve.map((p) => p.val.acc)).to.deep.equal([0.6, 0.65, 0.8]);
    expect(curve[0].val).to.deep.equal({ auc: 0.7, acc: 0.6 });
    expect(Number.isNaN(curve[1].val.auc)).to.equal(true);
    expect(curve[1].val.kappa).to.equal(0.4);
    expect(curve[0]).to.not.have.any.keys('valAuc', 'valAcc', 'valKappa');
  });

  it('validates both layouts and names the field that is wrong', () => {
    const bad = (rest: string) => () => parseCurve(line(1, rest), 'c.jsonl');
    expect(bad('"valAcc":0.6')).to.throw(StoredRecordError, /c\.jsonl:1: not a valid curve point: valAuc: missing/);
    expect(bad('"valAuc":"high","valAcc":0.6')).to.throw(StoredRecordError, /valAuc: .*received "high"/);
    expect(bad('"val":{"acc":0.6}')).to.throw(StoredRecordError, /not a valid curve point: val\.auc: missing/);
    expect(bad('"val":{"auc":0.8,"acc":0.6,"kappa":"x"}')).to.throw(StoredRecordError, /val\.kappa: /);
    expect(bad('"trainLoss2":1')).to.throw(StoredRecordError, /val: missing/);
  });

  it('upgrades a point held in memory in the old layout (a training state saved before val) and leaves a current one alone', () => {
    const old = { step: 1, epoch: 1, imagesSeen: 8, trainLoss: 1, valLoss: 1, valAuc: 0.7, valAcc: 0.6, valKappa: 0.2, trainSeconds: 1 };
    expect(upgradeCurvePoint(old)).to.deep.equal({ step: 1, epoch: 1, imagesSeen: 8, trainLoss: 1, valLoss: 1, trainSeconds: 1, val: { auc: 0.7, acc: 0.6, kappa: 0.2 } });
    const current = upgradeCurvePoint(old);
    expect(upgradeCurvePoint(current)).to.equal(current);
  });
});

describe('records: trial summaries', () => {
  const summary = (test: string) =>
    `{"experiment":"e","trial":"t","key":"k","backbone":"cbr-tiny","init":"scratch","seed":1,"dataset":"d","task":"ordinal","test":${test},"finalVal":{"loss":1,"auc":0.5,"acc":0.5},"steps":2,"imagesSeen":16,"trainSeconds":1,"evalSeconds":1,"imagesPerSecond":16,"backend":"cpu","params":10,"finishedAt":"now"}`;

  it('reads every registered metric at its place (test.auc, test.kappa, …), null as NaN', () => {
    const s = parseTrialSummary(summary('{"loss":0.5,"auc":0.8,"acc":0.7,"kappa":null,"perClassAuc":[0.8,null]}'), 's.json');
    expect([s.test.auc, s.test.acc]).to.deep.equal([0.8, 0.7]);
    expect(Number.isNaN(s.test.kappa as number)).to.equal(true);
    expect(s.test.perClassAuc).to.deep.equal([0.8, null]);
  });

  it('needs auc and acc; checks the type of the others', () => {
    expect(() => parseTrialSummary(summary('{"loss":0.5,"acc":0.7}'), 's.json')).to.throw(/test\.auc: missing/);
    expect(() => parseTrialSummary(summary('{"loss":0.5,"auc":0.8,"acc":0.7,"kappa":"high"}'), 's.json')).to.throw(/test\.kappa: /);
  });
});
