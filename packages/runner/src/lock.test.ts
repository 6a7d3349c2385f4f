// Stage locks: one holder at a time, heartbeats, and takeover of a lock whose holder is dead
// (same host and pid gone) or silent (heartbeat older than the stale timeout).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { LOCK_FILE, LockInfo, acquireLock, inspectLock, readAttempts } from './lock';

const timing = { heartbeatMs: 40, staleMs: 2_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deadPid(): number {
  // a process that has exited: its pid is free (reuse within the test is vanishingly unlikely)
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

function plantLock(dir: string, info: Partial<LockInfo>, ageMs = 0): void {
  const file = join(dir, LOCK_FILE);
  writeFileSync(file, JSON.stringify({ pid: 1, host: hostname(), startedAt: '2026-01-01T00:00:00Z', label: 'x', token: 'planted', ...info }));
  const t = new Date(Date.now() - ageMs);
  utimesSync(file, t, t);
}

describe('stage locks', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'medtransfer-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has one holder at a time and is free again after release', () => {
    const a = acquireLock(dir, 'trial', timing);
    expect(a).to.not.equal(undefined);
    expect(acquireLock(dir, 'trial', timing), 'second taker').to.equal(undefined);
    const state = inspectLock(dir, timing);
    expect(state.state).to.equal('held');
    expect(state.state !== 'free' && state.info?.pid).to.equal(process.pid);
    a?.release();
    expect(existsSync(join(dir, LOCK_FILE))).to.equal(false);
    const b = acquireLock(dir, 'trial', timing);
    expect(b).to.not.equal(undefined);
    b?.release();
  });

  it('refreshes its heartbeat (the file time) while held', async () => {
    const lock = acquireLock(dir, 'trial', timing);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    await sleep(150);
    expect(Date.now() - statSync(join(dir, LOCK_FILE)).mtimeMs).to.be.below(1_000);
    lock?.release();
  });

  it('takes over the lock of a process on this host that is gone, and records whose', () => {
    const pid = Number(deadPid());
    plantLock(dir, { pid });
    const state = inspectLock(dir, timing);
    expect(state.state).to.equal('stale');
    const lock = acquireLock(dir, 'trial', timing);
    expect(lock, 'takeover').to.not.equal(undefined);
    lock?.recordAttempt();
    expect(readAttempts(dir)).to.have.length(1);
    expect(readAttempts(dir)[0].tookOverFrom).to.deep.equal({ pid, host: hostname() });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).to.equal(process.pid);
    lock?.release();
  });

  it('leaves a lock on another host alone while its heartbeat is fresh, and takes it once stale', () => {
    plantLock(dir, { host: 'elsewhere', pid: 4242 }, 500);
    expect(inspectLock(dir, timing).state).to.equal('held');
    expect(acquireLock(dir, 'trial', timing)).to.equal(undefined);
    plantLock(dir, { host: 'elsewhere', pid: 4242 }, 5_000);
    expect(inspectLock(dir, timing).state).to.equal('stale');
    const lock = acquireLock(dir, 'trial', timing);
    expect(lock).to.not.equal(undefined);
    lock?.release();
  });

  it('judges an unreadable lock (its writer killed mid-write) by its age', () => {
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    expect(acquireLock(dir, 'trial', timing)).to.equal(undefined);
    const old = new Date(Date.now() - 10_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    const lock = acquireLock(dir, 'trial', timing);
    expect(lock).to.not.equal(undefined);
    lock?.release();
  });

  it('notices a lost lock and does not remove its new holder\'s lock', async () => {
    const lock = acquireLock(dir, 'trial', timing);
    plantLock(dir, { host: 'elsewhere', token: 'new-holder' }); // as if taken over after a long pause
    await sleep(120);
    expect(lock?.lost).to.equal(true);
    lock?.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).token).to.equal('new-holder');
  });
});
