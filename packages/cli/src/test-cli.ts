// Runs the medtransfer command as a user would, for the CLI's tests (not a test file itself).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The repository root: where the tests run the command from. */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** Runs `packages/cli/bin/medtransfer <args>` in the repository root with `env` added; resolves with its exit code and output. */
export function runCliAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/medtransfer'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
