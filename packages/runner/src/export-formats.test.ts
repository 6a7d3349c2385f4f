// `medtransfer export --to tensorboard|mlflow|parquet`, each read back: TensorBoard event files by
// a decoder here (CRCs checked, CRC-32C against published vectors) and, where Debian's
// python3-protobuf is installed, by protobuf's own parser; MLflow's layout field by field (and its
// YAML by PyYAML when present); Parquet by hyparquet, against the rows of the CSV export.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { TrialResult } from '@medtransfer/core';
import { exportRowsFor, exportTrialsFor, tableColumns, toCsv } from './export';
import { mlflowRunId, writeMlflow } from './export-mlflow';
import { toParquet } from './export-parquet';
import { crc32c, maskedCrc32c, writeTensorboard } from './export-tensorboard';
import { writeTrialResult } from './store';

function result(trial: string, key: string, seed: number): TrialResult {
  const test = { loss: 0.4, auc: 0.8 + seed / 100, acc: 0.75 };
  return {
    summary: {
      experiment: 'study', trial, key, backbone: 'cbr-tiny', init: 'scratch', seed, dataset: 'synthetic/lesions', task: 'binary', imageSize: 16,
      test, finalVal: test, steps: 4, imagesSeen: 32, trainSeconds: 2, evalSeconds: 0.5, imagesPerSecond: 16,
      backend: 'cpu', params: 10, finishedAt: '2026-01-01T00:00:10Z',
    },
    curve: [
      { step: 2, epoch: 1, imagesSeen: 16, trainLoss: 0.6, valLoss: 0.5, val: { auc: 0.7, acc: 0.6 }, trainSeconds: 1 },
      { step: 4, epoch: 2, imagesSeen: 32, trainLoss: 0.45, valLoss: 0.42, val: { auc: 0.8, acc: NaN }, trainSeconds: 2 },
    ],
  };
}

interface DecodedEvent {
  wallTime?: number;
  step?: number;
  fileVersion?: string;
  values: Record<string, number>;
}

/** Protobuf fields of `buf` as [field number, wire type, value or bytes]. */
function fields(buf: Buffer): Array<[number, number, Buffer | bigint]> {
  const out: Array<[number, number, Buffer | bigint]> = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 1) out.push([field, wire, buf.subarray(i, (i += 8))]);
    else if (wire === 5) out.push([field, wire, buf.subarray(i, (i += 4))]);
    else if (wire === 2) {
      const n = Number(varint());
      out.push([field, wire, buf.subarray(i, (i += n))]);
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

/** TFRecords of an event file, both CRCs of each checked, decoded as `Event`s. */
function readEvents(file: string): DecodedEvent[] {
  const buf = readFileSync(file);
  const events: DecodedEvent[] = [];
  for (let i = 0; i < buf.length; ) {
    const len = buf.subarray(i, i + 8);
    expect(buf.readUInt32LE(i + 8), 'length CRC').to.equal(maskedCrc32c(len));
    const n = Number(len.readBigUInt64LE());
    const data = buf.subarray(i + 12, i + 12 + n);
    expect(buf.readUInt32LE(i + 12 + n), 'data CRC').to.equal(maskedCrc32c(data));
    i += 16 + n;
    const e: DecodedEvent = { step: 0, values: {} }; // proto3 defaults
    for (const [f, , v] of fields(data)) {
      if (f === 1) e.wallTime = (v as Buffer).readDoubleLE(0);
      else if (f === 2) e.step = Number(v);
      else if (f === 3) e.fileVersion = (v as Buffer).toString('utf8');
      else if (f === 5) {
        for (const [, , value] of fields(v as Buffer)) {
          const parts = fields(value as Buffer);
          e.values[(parts.find((p) => p[0] === 1)![2] as Buffer).toString('utf8')] = (parts.find((p) => p[0] === 2)![2] as Buffer).readFloatLE(0);
        }
      } else throw new Error(`unexpected Event field ${f}`);
    }
    events.push(e);
  }
  return events;
}

/** The same decoding by Python's protobuf (Event/Summary built from descriptors) with crcmod's CRC-32C; re-serialising must give the same bytes. */
const PYTHON_READER = `
import json, sys, crcmod.predefined
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
crc = crcmod.predefined.mkCrcFun('crc-32c')
masked = lambda b: ((((crc(b) >> 15) | (crc(b) << 17)) & 0xffffffff) + 0xa282ead8) & 0xffffffff
F = descriptor_pb2.FieldDescriptorProto
fd = descriptor_pb2.FileDescriptorProto(name='event.proto', package='tensorflow', syntax='proto3')
ev = fd.message_type.add(name='Event')
ev.oneof_decl.add(name='what')
ev.field.add(name='wall_time', number=1, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
ev.field.add(name='step', number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
ev.field.add(name='file_version', number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, oneof_index=0)
ev.field.add(name='summary', number=5, type=F.TYPE_MESSAGE, type_name='.tensorflow.Summary', label=F.LABEL_OPTIONAL, oneof_index=0)
sm = fd.message_type.add(name='Summary')
va = sm.nested_type.add(name='Value')
va.oneof_decl.add(name='value')
va.field.add(name='tag', number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
va.field.add(name='simple_value', number=2, type=F.TYPE_FLOAT, label=F.LABEL_OPTIONAL, oneof_index=0)
sm.field.add(name='value', number=1, type=F.TYPE_MESSAGE, type_name='.tensorflow.Summary.Value', label=F.LABEL_REPEATED)
pool = descriptor_pool.DescriptorPool()
pool.Add(fd)
Event = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName('tensorflow.Event'))
buf = open(sys.argv[1], 'rb').read()
i, out = 0, []
while i < len(buf):
    n = int.from_bytes(buf[i:i+8], 'little')
    assert int.from_bytes(buf[i+8:i+12], 'little') == masked(buf[i:i+8]), 'length crc'
    data = buf[i+12:i+12+n]
    assert int.from_bytes(buf[i+12+n:i+16+n], 'little') == masked(data), 'data crc'
    i += 16 + n
    e = Event()
    e.ParseFromString(data)
    assert e.SerializeToString() == data, 'bytes differ after a round trip'
    out.append({'wallTime': e.wall_time, 'step': e.step, 'fileVersion': e.file_version or None,
                'values': {v.tag: v.simple_value for v in e.summary.value}})
print(json.dumps(out))
`;

const python = '/usr/bin/python3';
const hasPython = (modules: string): boolean => existsSync(python) && spawnSync(python, ['-c', `import ${modules}`]).status === 0;

/** `key: value` lines of a flat YAML document written by the exporter (JSON-quoted strings). */
function yamlFields(file: string): Record<string, unknown> {
  return Object.fromEntries(readFileSync(file, 'utf8').trim().split('\n').map((l) => {
    const [, k, v] = /^(\w+): (.*)$/.exec(l)!;
    return [k, JSON.parse(v)];
  }));
}

describe('export to TensorBoard, MLflow and Parquet', () => {
  let dir: string;
  let store: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-export-'));
    store = join(dir, 'results');
    writeTrialResult(join(store, 'study', 'cbr-tiny_scratch_seed1'), { machine: { host: 'node-a' } }, result('target[backbone=cbr-tiny,init=scratch,seed=1]', 'k1', 1));
    writeTrialResult(join(store, 'study', 'cbr-tiny_scratch_seed2'), { machine: { host: 'node-b' } }, result('target[backbone=cbr-tiny,init=scratch,seed=2]', 'k2', 2));
    // a damaged trial: left out with a warning
    writeTrialResult(join(store, 'study', 'cbr-tiny_scratch_seed3'), {}, result('target[backbone=cbr-tiny,init=scratch,seed=3]', 'k3', 3));
    writeFileSync(join(store, 'study', 'cbr-tiny_scratch_seed3', 'summary.json'), '{"experiment": ');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('computes CRC-32C as published (RFC 3720 B.4) and masks it as TFRecord does', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283);
    expect(crc32c(Buffer.alloc(32, 0))).to.equal(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).to.equal(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).to.equal(0x46dd794e);
    const c = crc32c(Buffer.from('123456789'));
    expect(maskedCrc32c(Buffer.from('123456789'))).to.equal((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  });

  it('writes one event file per trial with the curve, throughput and test scalars', function () {
    const files = writeTensorboard(exportTrialsFor(store, store), join(dir, 'tb'));
    expect(files.map((f) => f.slice(dir.length))).to.deep.equal([
      '/tb/study/cbr-tiny_scratch_seed1/events.out.tfevents.1767225607.node-a',
      '/tb/study/cbr-tiny_scratch_seed2/events.out.tfevents.1767225607.node-b',
    ]);
    const events = readEvents(files[0]);
    const start = Date.parse('2026-01-01T00:00:10Z') / 1000 - 2.5;
    expect(events[0]).to.deep.equal({ wallTime: start, step: 0, fileVersion: 'brain.Event:2', values: {} });
    expect(events.map((e) => [e.step, e.wallTime])).to.deep.equal([[0, start], [2, start + 1], [4, start + 2], [4, start + 2.5]]);
    const f32 = (x: number) => Math.fround(x);
    expect(events[1].values).to.deep.equal({ 'loss/train': f32(0.6), 'loss/val': f32(0.5), 'val/auc': f32(0.7), 'val/acc': f32(0.6), 'throughput/images_per_second': 16 });
    expect(events[2].values, 'NaN left out').to.deep.equal({ 'loss/train': f32(0.45), 'loss/val': f32(0.42), 'val/auc': f32(0.8), 'throughput/images_per_second': 16 });
    expect(events[3].values).to.deep.equal({ 'test/loss': f32(0.4), 'test/auc': f32(0.81), 'test/acc': f32(0.75) });
    expect(readFileSync(writeTensorboard(exportTrialsFor(store, store), join(dir, 'tb'))[0]), 'exporting again writes the same bytes').to.deep.equal(readFileSync(files[0]));

    if (!hasPython('google.protobuf, crcmod')) return this.skip(); // apt-get install python3-protobuf python3-crcmod
    const script = join(dir, 'read-events.py');
    writeFileSync(script, PYTHON_READER);
    const r = spawnSync(python, [script, files[0]], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const fromPython = JSON.parse(r.stdout) as DecodedEvent[];
    expect(fromPython.map((e) => ({ ...e, fileVersion: e.fileVersion ?? undefined }))).to.deep.equal(events.map((e) => ({ ...e, fileVersion: e.fileVersion })));
  });

  it('writes an MLflow file store: experiment, one run per trial with params, metric histories and tags', () => {
    const root = join(dir, 'mlruns');
    const runs = writeMlflow(exportTrialsFor(store, store), root);
    expect(yamlFields(join(root, '0', 'meta.yaml'))).to.include({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
    const exp = yamlFields(join(root, '1', 'meta.yaml'));
    expect(exp).to.include({ experiment_id: '1', name: 'study', lifecycle_stage: 'active', artifact_location: `file://${join(root, '1')}` });
    expect(exp.creation_time).to.be.a('number');
    expect(runs).to.have.length(2);
    const [run] = runs;
    const runId = mlflowRunId(result('', 'k1', 1));
    expect(run).to.equal(join(root, '1', runId));
    expect(runId).to.match(/^[0-9a-f]{32}$/);
    expect(yamlFields(join(run, 'meta.yaml'))).to.deep.equal({
      artifact_uri: `file://${join(run, 'artifacts')}`, end_time: Date.parse('2026-01-01T00:00:10Z'), entry_point_name: '', experiment_id: '1',
      lifecycle_stage: 'active', run_id: runId, run_name: 'target[backbone=cbr-tiny,init=scratch,seed=1]', run_uuid: runId, source_name: '',
      source_type: 4, source_version: '', start_time: Date.parse('2026-01-01T00:00:07.500Z'), status: 3, tags: [], user_id: 'medtransfer',
    });
    const read = (sub: string) => Object.fromEntries(readdirSync(join(run, sub)).sort().map((f) => [f, readFileSync(join(run, sub, f), 'utf8')]));
    expect(read('params')).to.deep.equal({ backbone: 'cbr-tiny', backend: 'cpu', dataset: 'synthetic/lesions', imageSize: '16', init: 'scratch', seed: '1', task: 'binary' });
    expect(read('tags')).to.include({ 'mlflow.runName': 'target[backbone=cbr-tiny,init=scratch,seed=1]', 'medtransfer.key': 'k1', 'mlflow.source.type': 'LOCAL' });
    const metrics = read('metrics');
    expect(Object.keys(metrics)).to.deep.equal(['images_per_second', 'test_acc', 'test_auc', 'test_loss', 'train_loss', 'val_acc', 'val_auc', 'val_loss']);
    const t0 = Date.parse('2026-01-01T00:00:07.500Z');
    const lines = (name: string) => metrics[name].trim().split('\n').map((l) => {
      expect(l).to.match(/^\d+ \S+ \d+$/);
      return l.split(' ').map(Number);
    });
    expect(lines('train_loss')).to.deep.equal([[t0 + 1000, 0.6, 2], [t0 + 2000, 0.45, 4]]);
    expect(lines('val_acc'), 'NaN left out').to.deep.equal([[t0 + 1000, 0.6, 2]]);
    expect(lines('test_auc')).to.deep.equal([[t0 + 2500, 0.81, 4]]);

    // Exporting again updates the same experiment and runs.
    expect(writeMlflow(exportTrialsFor(store, store), root)).to.deep.equal(runs);
    expect(readdirSync(root).sort()).to.deep.equal(['0', '1']);

    if (!hasPython('yaml')) return;
    const y = spawnSync(python, ['-c', 'import json, sys, yaml; print(json.dumps([yaml.safe_load(open(f)) for f in sys.argv[1:]]))', join(root, '1', 'meta.yaml'), join(run, 'meta.yaml')], { encoding: 'utf8' });
    expect(y.status, y.stderr).to.equal(0);
    expect(JSON.parse(y.stdout)).to.deep.equal([exp, yamlFields(join(run, 'meta.yaml'))]);
  });

  it('writes the long table as Parquet with the rows and columns of the CSV export', async () => {
    const rows = exportRowsFor(store, store);
    expect(rows.filter((r) => r.row === 'summary')).to.have.length(2);
    const bytes = toParquet(rows);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const header = toCsv(rows).split('\n')[0].split(',');
    const schema = parquetSchema(parquetMetadata(file));
    expect(schema.children.map((c) => c.element.name)).to.deep.equal(header);
    expect(header).to.deep.equal(tableColumns(rows));
    const back = (await parquetReadObjects({ file })) as Array<Record<string, unknown>>;
    const cols = tableColumns(rows);
    expect(back).to.deep.equal(rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? null]))));
    expect(back.filter((r) => r.row === 'curve').map((r) => [r.step, r['val.auc']])).to.deep.equal([[2, 0.7], [4, 0.8], [2, 0.7], [4, 0.8]]);
  });
});
