// Install step of @medtransfer/native: compiles the addon with node-gyp, and never fails the
// install — without a compiler medtransfer falls back to wasm and says why at run time.
// `node scripts/build.js --strict` (npm run build) fails instead, for a build by hand.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by npm */
const fs = require('node:fs');
const path = require('node:path');
const { findDnnl } = require('./find-dnnl');
const { failureReason, runNodeGyp } = require('./node-gyp');

const root = path.join(__dirname, '..');
const logFile = path.join(root, 'build-failure.log');
const strict = process.argv.includes('--strict');
if (process.env.MEDTRANSFER_NATIVE === '0' && !strict) {
  console.log('@medtransfer/native: MEDTRANSFER_NATIVE=0, not compiling the native kernels');
  process.exit(0);
}
const isa = process.env.MEDTRANSFER_NATIVE_ISA || 'native';
const started = Date.now();
const dnnl = findDnnl();
const env = { ...process.env, MEDTRANSFER_DNNL_FOUND: dnnl.found ? '1' : '0', MEDTRANSFER_DNNL_OMP: dnnl.found && dnnl.omp ? '1' : '0' };
let r = runNodeGyp(['rebuild'], { cwd: root, env, stdio: strict ? 'inherit' : 'pipe' });
if (r.status !== 0 && dnnl.found) {
  // oneDNN is an extra: a build that fails with it is tried again without
  console.log(`@medtransfer/native: the build with oneDNN ${dnnl.version} failed (${failureReason(r)}); building without it`);
  dnnl.found = false;
  dnnl.reason = 'the build with it failed';
  r = runNodeGyp(['rebuild'], { cwd: root, env: { ...env, MEDTRANSFER_DNNL_FOUND: '0', MEDTRANSFER_DNNL_OMP: '0' }, stdio: strict ? 'inherit' : 'pipe' });
}
if (r.status === 0) {
  fs.rmSync(logFile, { force: true });
  const convs = dnnl.found ? `with oneDNN ${dnnl.version} convolutions` : `without oneDNN (${dnnl.reason})`;
  console.log(`@medtransfer/native: compiled the native kernels (${isa}, ${convs}) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(0);
}
const why = failureReason(r);
if (strict) {
  console.error(`@medtransfer/native: could not compile the native kernels (${why}); node-gyp's output is above`);
  process.exit(1);
}
fs.writeFileSync(logFile, `${why}\n${r.stdout ?? ''}\n${r.stderr ?? ''}`);
console.log(
  `@medtransfer/native: could not compile the native kernels (${why}); medtransfer will use wasm instead. ` +
    `Details: ${logFile}. Needs a C++17 compiler, make, python3 and Node headers; ` +
    `retry with "npm run build -w @medtransfer/native".`,
);
process.exit(0);
