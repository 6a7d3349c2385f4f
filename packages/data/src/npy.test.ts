import { expect } from 'chai';
import { DataFormatError } from '@medtransfer/core';
import { encodeNpy, readNpy } from './npy';
import { thrown } from './test-fixtures';

// Files written by NumPy 2.4 `np.save` (base64), so parsing is checked against the real writer.
const NUMPY = {
  u1: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAf8HCAk=',
  i8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr9/////////wAAAAAAAAAAAAAAAAABAAA=',
  f4: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDEpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwA==',
  b1: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=',
  f8be: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/8AAAAAAAAL/gAAAAAAAA',
  fortran: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAwAAAAEAAAAEAAAAAgAAAAUAAAA=',
  scalar: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoqAAAA',
  v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAgAAAA==',
  v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAgAAAA==',
};
const bytes = (k: keyof typeof NUMPY) => new Uint8Array(Buffer.from(NUMPY[k], 'base64'));

describe('readNpy', () => {
  it('reads NumPy-written uint8, int64, float32, bool and big-endian float64 arrays', () => {
    const u1 = readNpy(bytes('u1'), 'u1.npy');
    expect(u1.dtype).to.equal('uint8');
    expect(u1.shape).to.deep.equal([2, 3]);
    expect([...u1.data]).to.deep.equal([0, 1, 255, 7, 8, 9]);

    const i8 = readNpy(bytes('i8'), 'i8.npy');
    expect(i8.dtype).to.equal('int64');
    expect(i8.shape).to.deep.equal([3]);
    expect([...(i8.data as BigInt64Array)]).to.deep.equal([-3n, 0n, 2n ** 40n]);

    const f4 = readNpy(bytes('f4'), 'f4.npy');
    expect(f4.dtype).to.equal('float32');
    expect(f4.shape).to.deep.equal([2, 1]);
    expect([...f4.data]).to.deep.equal([1.5, -2.25]);

    const b1 = readNpy(bytes('b1'), 'b1.npy');
    expect(b1.dtype).to.equal('bool');
    expect([...b1.data]).to.deep.equal([1, 0, 1]);

    const be = readNpy(bytes('f8be'), 'be.npy');
    expect(be.dtype).to.equal('float64');
    expect([...be.data]).to.deep.equal([1, -0.5]);
  });

  it('reads format versions 2.0 and 3.0 and 0-d (scalar) arrays', () => {
    for (const k of ['v2', 'v3'] as const) {
      const a = readNpy(bytes(k), `${k}.npy`);
      expect(a.dtype).to.equal('int32');
      expect(a.shape).to.deep.equal([2]);
      expect([...a.data]).to.deep.equal([1, 2]);
    }
    const s = readNpy(bytes('scalar'), 's.npy');
    expect(s.shape).to.deep.equal([]);
    expect([...s.data]).to.deep.equal([42]);
  });

  it('tells (N,) from (N, 1) and (N, L) shapes, and reads empty arrays', () => {
    const n = readNpy(encodeNpy({ dtype: 'int32', shape: [4], data: Int32Array.from([1, 0, 1, 1]) }), 'a');
    const n1 = readNpy(encodeNpy({ dtype: 'int32', shape: [4, 1], data: Int32Array.from([1, 0, 1, 1]) }), 'b');
    const nl = readNpy(encodeNpy({ dtype: 'uint8', shape: [2, 14], data: new Uint8Array(28) }), 'c');
    const empty = readNpy(encodeNpy({ dtype: 'float32', shape: [0, 3], data: new Float32Array(0) }), 'd');
    expect(n.shape).to.deep.equal([4]);
    expect(n1.shape).to.deep.equal([4, 1]);
    expect(nl.shape).to.deep.equal([2, 14]);
    expect(empty.shape).to.deep.equal([0, 3]);
    expect(empty.data.length).to.equal(0);
  });

  it('round-trips every supported dtype through encodeNpy, with header versions 1 to 3', () => {
    const arrays = [
      { dtype: 'int8', data: Int8Array.from([-128, 5, 127]) },
      { dtype: 'uint16', data: Uint16Array.from([0, 65535, 7]) },
      { dtype: 'int16', data: Int16Array.from([-32768, 1, 2]) },
      { dtype: 'uint32', data: Uint32Array.from([4294967295, 0, 9]) },
      { dtype: 'int32', data: Int32Array.from([-5, 6, 7]) },
      { dtype: 'uint64', data: BigUint64Array.from([2n ** 63n, 0n, 1n]) },
      { dtype: 'float64', data: Float64Array.from([Math.PI, -1e300, 0]) },
    ];
    for (const version of [1, 2, 3] as const) {
      for (const a of arrays) {
        const back = readNpy(encodeNpy({ ...a, shape: [3] }, version), `${a.dtype}.npy`);
        expect(back.dtype).to.equal(a.dtype);
        expect([...back.data]).to.deep.equal([...a.data]);
      }
    }
  });

  it('reads data that is not aligned in memory (as inside a zip buffer)', () => {
    const file = encodeNpy({ dtype: 'float64', shape: [2], data: Float64Array.from([0.25, 8]) });
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    expect([...readNpy(padded.subarray(3), 'x.npy').data]).to.deep.equal([0.25, 8]);
  });

  it('refuses Fortran-order arrays with a fix', () => {
    const err = thrown(() => readNpy(bytes('fortran'), 'f.npy'));
    expect(err).to.be.instanceOf(DataFormatError);
    expect(err.message).to.match(/^f\.npy: .*Fortran.*np\.ascontiguousarray/);
  });

  it('reports truncated data with the expected and remaining byte counts', () => {
    const file = encodeNpy({ dtype: 'int32', shape: [2, 3], data: new Int32Array(6) });
    const err = thrown(() => readNpy(file.subarray(0, file.length - 4), 'cut.npy'));
    expect(err).to.be.instanceOf(DataFormatError);
    expect(err.message).to.equal('cut.npy: header says 2×3 int32 = 24 bytes but 20 remain; the file is truncated');
  });

  it('reports a cut header, a wrong magic string, an unsupported dtype and a structured dtype', () => {
    const good = bytes('u1');
    expect(thrown(() => readNpy(good.subarray(0, 40), 'h.npy')).message).to.match(/h\.npy: header says it is 118 bytes long but only 30/);
    expect(thrown(() => readNpy(new TextEncoder().encode('PK\x03\x04 not numpy at all'), 'z.npy')).message).to.match(/not a NumPy \.npy array/);
    const edit = (from: string, to: string) => new Uint8Array(Buffer.from(Buffer.from(good).toString('latin1').replace(from, to), 'latin1'));
    const complex = edit('|u1', '<c8');
    const cErr = thrown(() => readNpy(complex, 'c.npy'));
    expect(cErr.message).to.match(/unsupported dtype "<c8"; supported: .*\|u1.*<f4/);
    const rec = edit("'|u1'", "[('a', '<i4')]");
    expect(thrown(() => readNpy(rec, 'r.npy')).message).to.match(/structured \(record\) dtypes are not supported/);
  });
});
