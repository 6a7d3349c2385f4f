// scripts/find-dnnl.js, the install-time probe for oneDNN: switched off, a compiler that does not
// exist, and — where it is installed — the version it finds and that the built addon agrees.
import { expect } from 'chai';
import { loadNative } from '.';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findDnnl } = require('../scripts/find-dnnl.js') as {
  findDnnl(env?: NodeJS.ProcessEnv): { found: true; version: string; omp: boolean } | { found: false; reason: string };
};

describe('@medtransfer/native oneDNN probe (scripts/find-dnnl.js)', function () {
  this.timeout(60_000); // compiles and runs a small program

  it('MEDTRANSFER_DNNL=0 skips the search and says so', () => {
    expect(findDnnl({ ...process.env, MEDTRANSFER_DNNL: '0' })).to.deep.equal({ found: false, reason: 'MEDTRANSFER_DNNL=0' });
  });

  it('a compiler that cannot run means not found, with a reason, never an exception', () => {
    const r = findDnnl({ ...process.env, CXX: '/nonexistent/c++' });
    expect(r.found).to.equal(false);
    expect((r as { reason: string }).reason).to.match(/^could not run the compiler \/nonexistent\/c\+\+: .*ENOENT/);
  });

  it('where oneDNN 2.x is installed, finds it, and the built addon uses that version', function () {
    const r = findDnnl();
    if (!r.found) {
      console.log(`      (skipped: oneDNN not found here: ${r.reason})`);
      this.skip();
    }
    expect(r.version).to.match(/^2\.\d+\.\d+$/);
    const dnnl = loadNative().kernels?.info().dnnl;
    if (dnnl) expect(dnnl.version).to.equal(r.version);
  });
});
