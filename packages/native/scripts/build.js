// Install step of @medtransfer/native: compiles the addon with node-gyp, and never fails the
// install — without a compiler medtransfer falls back to wasm and says why at run time.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by npm */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const logFile = path.join(root, 'build-failure.log');
if (process.env.MEDTRANSFER_NATIVE === '0') {
  console.log('@medtransfer/native: MEDTRANSFER_NATIVE=0, not compiling the native kernels');
  process.exit(0);
}
// npm puts its bundled node-gyp on PATH for lifecycle scripts; npm_config_node_gyp names it too.
const gypJs = process.env.npm_config_node_gyp;
const cmd = gypJs ? process.execPath : 'node-gyp';
const args = gypJs ? [gypJs, 'rebuild'] : ['rebuild'];
const started = Date.now();
const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', shell: !gypJs });
if (r.status === 0) {
  fs.rmSync(logFile, { force: true });
  console.log(`@medtransfer/native: compiled the native kernels in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} else {
  const why = r.error ? String(r.error.message) : `node-gyp exited with ${r.status}`;
  fs.writeFileSync(logFile, `${why}\n${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  console.log(
    `@medtransfer/native: could not compile the native kernels (${why}); medtransfer will use wasm instead. ` +
      `Details: ${logFile}. Needs a C++17 compiler, make, python3 and Node headers; ` +
      `retry with "npm run build -w @medtransfer/native".`,
  );
}
process.exit(0);
