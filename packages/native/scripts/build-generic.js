// Builds the generic copy of the addon (MEDTRANSFER_NATIVE_ISA=generic: portable C++, baseline
// x86-64) beside the optimised one, for the conformance tests: binding.gyp and csrc/ are copied
// into build-generic/ and compiled there, since node-gyp always builds into ./build. Skipped
// when the copy is up to date (a hash of the sources, Node and the compiler settings). Prints the
// addon's path on the last line; exits 1 with node-gyp's output when the build fails.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { failureReason, runNodeGyp } = require('./node-gyp');

const root = path.join(__dirname, '..');
const dir = path.join(root, 'build-generic');
const addon = path.join(dir, 'build', 'Release', 'medtransfer_native.node');
const stampFile = path.join(dir, 'source-hash');

const sources = ['binding.gyp', ...fs.readdirSync(path.join(root, 'csrc')).sort().map((f) => path.join('csrc', f))];
const hash = crypto.createHash('sha256');
for (const f of sources) hash.update(`${f}\0`).update(fs.readFileSync(path.join(root, f)));
for (const k of ['CC', 'CXX', 'CFLAGS', 'CXXFLAGS', 'LDFLAGS']) hash.update(`${k}=${process.env[k] ?? ''}\0`);
hash.update(`${process.version} ${process.platform} ${process.arch}`);
const stamp = hash.digest('hex');

const upToDate = fs.existsSync(addon) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
if (upToDate) {
  console.log('@medtransfer/native: the generic build is up to date');
} else {
  const started = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'csrc'), { recursive: true });
  for (const f of sources) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  const r = runNodeGyp(['rebuild'], { cwd: dir, env: { ...process.env, MEDTRANSFER_NATIVE_ISA: 'generic' } });
  if (r.status !== 0) {
    console.error(`@medtransfer/native: the generic build failed (${failureReason(r)})\n${r.stdout ?? ''}\n${r.stderr ?? ''}`);
    process.exit(1);
  }
  fs.writeFileSync(stampFile, stamp);
  console.log(`@medtransfer/native: compiled the generic build in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.log(addon);
