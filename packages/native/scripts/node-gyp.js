// Runs node-gyp for the build scripts: npm's bundled copy (named by npm_config_node_gyp in npm
// scripts, else found beside this node's npm), or a node-gyp on PATH.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by npm */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && fs.existsSync(p)) ?? null;
}

/**
 * Node's headers: npm's nodedir setting when there is one (npm passes it as npm_config_nodedir),
 * else the headers installed with this node binary (official builds and distribution packages
 * ship them in <prefix>/include/node), else none: node-gyp then downloads them.
 */
function nodeDirArgs(env) {
  if (env.npm_config_nodedir) return [];
  const prefix = path.join(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
}

/**
 * `node-gyp <args>` in `cwd`: spawnSync's result (stdout and stderr as text, unless `stdio` is
 * 'inherit'). All cores compile at once (--jobs max): the sources are independent files.
 */
function runNodeGyp(args, { cwd, env = process.env, stdio = 'pipe' }) {
  const script = nodeGypScript();
  const all = [...args, ...nodeDirArgs(env), '--jobs', 'max'];
  const [cmd, argv] = script ? [process.execPath, [script, ...all]] : ['node-gyp', all];
  return spawnSync(cmd, argv, { cwd, env, stdio, encoding: 'utf8', shell: !script, maxBuffer: 64 * 1024 * 1024 });
}

/** One line on why a node-gyp run failed. */
function failureReason(r) {
  return r.error ? String(r.error.message) : `node-gyp exited with ${r.status}`;
}

module.exports = { runNodeGyp, failureReason };
