// Looks for oneDNN (libdnnl, the library behind PyTorch's CPU convolutions) the way a configure
// script would: compiles, links and runs a small program against it with the compiler node-gyp
// will use. Found (2.x, any threading runtime): the addon is built with its convolutions, ours
// staying the fallback. Not found, or MEDTRANSFER_DNNL=0: built without; nothing fails.
// Headers and library in a non-standard place: set CPATH, LIBRARY_PATH and LD_LIBRARY_PATH.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PROBE = `#include <cstdio>
#include "oneapi/dnnl/dnnl.hpp"
#if DNNL_VERSION_MAJOR != 2
#error "medtransfer's oneDNN path uses the oneDNN 2.x API"
#endif
int main() {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  const dnnl_version_t* v = dnnl_version();
  std::printf("%d.%d.%d %d\\n", v->major, v->minor, v->patch, DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP ? 1 : 0);
  return 0;
}
`;

/**
 * { found: true, version, omp } or { found: false, reason }: `omp` when oneDNN runs on OpenMP
 * (then the addon links libgomp to set oneDNN's thread count).
 */
function findDnnl(env = process.env) {
  if (env.MEDTRANSFER_DNNL === '0') return { found: false, reason: 'MEDTRANSFER_DNNL=0' };
  if (process.platform === 'win32') return { found: false, reason: 'not looked for on Windows' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medtransfer-dnnl-'));
  try {
    const src = path.join(dir, 'probe.cc');
    const exe = path.join(dir, 'probe');
    fs.writeFileSync(src, PROBE);
    const cxx = env.CXX || 'c++';
    const built = spawnSync(cxx, ['-std=c++17', src, '-o', exe, '-ldnnl'], { env, encoding: 'utf8', shell: false });
    if (built.error) return { found: false, reason: `could not run the compiler ${cxx}: ${built.error.message}` };
    if (built.status !== 0) {
      const first = `${built.stderr ?? ''}`.split('\n').find((l) => /error/i.test(l)) ?? '';
      return { found: false, reason: /dnnl\.hpp/.test(first) || /-ldnnl|ldnnl/.test(built.stderr ?? '') ? 'libdnnl-dev not installed' : `probe did not build: ${first.trim()}` };
    }
    const ran = spawnSync(exe, [], { env, encoding: 'utf8' });
    const m = /^(\d+\.\d+\.\d+) ([01])/.exec(ran.stdout ?? '');
    if (ran.status !== 0 || !m) return { found: false, reason: `the probe linked against libdnnl but did not run: ${(ran.stderr ?? '').trim()}` };
    return { found: true, version: m[1], omp: m[2] === '1' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { findDnnl };
