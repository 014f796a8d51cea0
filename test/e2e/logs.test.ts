import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { CLI } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const COUNT = 100_000;
const WIDTH = 100;

/** Line `n` exactly as print-lines.mjs writes it (without the newline). */
function expectedLine(n: number): string {
  const head = `line ${n} `;
  return head + 'x'.repeat(Math.max(0, WIDTH - head.length - 1));
}

describe('log multiplexing', () => {
  it('passes 100,000 lines to a file whole, in order, once each, prefixed and without colour', async () => {
    const { dir } = session.project({
      'services.yaml': ['services:', '  lines:', `    command: ${fixtureArgv('print-lines.mjs', COUNT, WIDTH)}`, '    restart: never', ''].join('\n'),
    });
    const outFile = path.join(dir, 'stdout.txt');
    const fd = openSync(outFile, 'w');
    let stderr = '';
    const child = spawn(process.execPath, [CLI, 'up'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined },
      stdio: ['ignore', fd, 'pipe'],
      detached: true,
    });
    closeSync(fd);
    session.track(child.pid);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`devsup still running after 50 s; stderr: ${stderr.slice(-2000)}`)), 50_000);
      child.once('close', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code, stderr).toBe(0);

    const text = readFileSync(outFile, 'utf8');
    expect(text).not.toContain('\x1b[');
    const lines = text.split('\n');
    const data = lines.filter((line) => line.includes('xxxxxxxx'));
    expect(data.length).toBe(COUNT);
    const prefix = 'lines | ';
    for (let n = 0; n < COUNT; n++) {
      if (data[n] !== prefix + expectedLine(n)) {
        // One readable failure instead of 100,000.
        expect(data[n], `line ${n}`).toBe(prefix + expectedLine(n));
      }
    }
    // Nothing else of the child's output is in the file unprefixed (a split would leave a bare fragment).
    expect(lines.filter((line) => /^line \d+|^x+$/.test(line))).toEqual([]);
  }, 60_000);
});
