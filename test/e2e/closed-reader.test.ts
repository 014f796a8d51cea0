import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { CLI, type CliRun } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

/**
 * The built CLI with a reader that goes away at once, as `devsup … | head -1` once head has
 * exited: the pipe of `closed` is shut before devsup writes a byte, so every write meets EPIPE.
 */
function runWithClosedReader(args: string[], cwd: string, closed: 'stdout' | 'stderr' | 'both'): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (closed !== 'stderr') child.stdout.destroy();
  if (closed !== 'stdout') child.stderr.destroy();
  let out = '';
  let err = '';
  if (closed === 'stderr') child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  if (closed === 'stdout') child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited, waitForOutput: () => Promise.reject(new Error('not used')) };
}

describe('a reader that goes away', () => {
  it('ends check, --help, ports and who quietly, with their usual exit code and no stack trace', async () => {
    const port = await findFreePorts(2);
    const held = port + 1;
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n'),
    });
    const up = session.up(dir);
    await session.waitForPorts(dir, 'web ready', (report) => report.services[0]?.status === 'ready');
    await session.holdPort(held, '127.0.0.1');
    for (const args of [['check'], ['--help'], ['ports'], ['ports', '--json'], ['who', String(held)]]) {
      const run = runWithClosedReader(args, dir, 'stdout');
      expect(await exitWithin(run, 15_000, `devsup ${args.join(' ')}`), `devsup ${args.join(' ')}: ${run.stderr()}`).toEqual({
        code: 0,
        signal: null,
      });
      expect(run.stderr(), `devsup ${args.join(' ')}`).toBe('');
    }
    expect(up.child.exitCode).toBeNull(); // the instance served them all and runs on
  });

  it('ends quietly when stderr is gone too: a manifest error still exits 2', async () => {
    const { dir } = session.project({ 'services.yaml': 'services:\n  web:\n    comand: node web.js\n' });
    for (const closed of ['stderr', 'both'] as const) {
      const run = runWithClosedReader(['check'], dir, closed);
      expect(await exitWithin(run, 15_000), `with ${closed} closed`).toEqual({ code: 2, signal: null });
      expect(run.stdout()).toBe('');
    }
  });

  it('stops up cleanly once nobody reads its output', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n'),
    });
    const up = runWithClosedReader(['up'], dir, 'stdout');
    session.track(up.child.pid);
    const exit = await exitWithin(up, 20_000, 'up stops once its reader is gone');
    expect(exit.signal).toBeNull();
    expect(up.stderr()).not.toMatch(STACK_LINE);
    expect(up.stderr()).not.toContain('EPIPE');
  });
});
