import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../manifest/service-spec.js';
import { fixtureCommand } from '../../test/helpers/temp-project.js';
import { serviceSpec } from '../../test/helpers/specs.js';
import { isAlive, waitFor } from '../../test/helpers/wait-for.js';
import { OutputBus } from './output-bus.js';
import { REAL_SEAMS, ServiceRunner, type RunnerSeams } from './service-runner.js';
import { InvalidTransitionError, type ServiceStatus } from './service-status.js';
import { spawnChild } from './spawn-child.js';
import { stopServiceTree } from './stop-service-tree.js';

const runners: ServiceRunner[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop('shutdown')));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A runner of `spec` on the real OS edges (or `seams`), recording every status it passes through. */
function runnerOf(spec: ServiceSpec, seams: Partial<RunnerSeams> = {}) {
  const output = new OutputBus([spec.key]);
  const warnings: string[] = [];
  const runner = new ServiceRunner(
    spec,
    [],
    {
      output,
      warn: (message) => warnings.push(message),
      resolve: () => ({ command: spec.command, env: { ...process.env } as Record<string, string> }),
      reassignPorts: async () => ({ failure: 'no port in this test' }),
    },
    { ...REAL_SEAMS, ...seams },
  );
  runners.push(runner);
  const seen: string[] = [];
  runner.on('change', () => seen.push(runner.detail === undefined ? runner.status : `${runner.status}: ${runner.detail}`));
  const statuses = () => seen.map((entry) => entry.split(':')[0] as ServiceStatus);
  return { runner, warnings, path: seen, statuses };
}

const forever = fixtureCommand('crash-after.mjs', 600_000, 0);

describe('ServiceRunner: the moves of its state machine', () => {
  it('runs a service without a readiness check, and stops it on request', async () => {
    const { runner, statuses } = runnerOf(serviceSpec('web', { command: forever }));
    await runner.start();
    expect(runner.status).toBe('running');
    const pid = runner.pid!;
    await runner.stop('requested');
    expect(statuses()).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(runner.pid).toBeNull();
    expect(isAlive(pid)).toBe(false);
  });

  it('is ready once its check passes, and says what the check saw meanwhile', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-runner-'));
    folders.push(folder);
    const flag = path.join(folder, 'up');
    const script = `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(flag)}, ''), 1200); setInterval(() => {}, 1 << 30)`;
    const spec = serviceSpec('web', { command: [process.execPath, '-e', script], ready: { kind: 'exec', command: `test -f ${flag}` } });
    const { runner, path: seen } = runnerOf(spec);
    await runner.start();
    await waitFor(() => runner.status === 'ready', { what: 'web ready', describe: () => seen });
    // How many seconds it is seen waiting depends on the machine's load: at least one, said as it goes.
    expect(seen[0]).toBe('starting');
    expect(seen.slice(1, -1)).toEqual(seen.slice(1, -1).map(() => expect.stringMatching(/^starting: `test -f .*` exited with code 1, \d+ s$/)));
    expect(seen.slice(1, -1).length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe('ready');
  });

  it('not ready in time: stopped by devsup, then crashed for that reason, not for the signal it sent', async () => {
    const signals: string[] = [];
    const spec = serviceSpec('slow', { command: forever, ready: { kind: 'log', pattern: /never/ }, readyTimeoutMs: 200, restart: 'never' });
    const { runner, path, warnings } = runnerOf(spec, {
      stopTree: (pid, options) => {
        signals.push(options.signal);
        return stopServiceTree(pid, options);
      },
    });
    await runner.start();
    await waitFor(() => runner.status === 'crashed', { what: 'slow crashed', describe: () => path });
    const why = 'not ready within ready_timeout (0.2 s): no output line matched /never/';
    expect(path).toEqual(['starting', `stopping: ${why}`, `crashed: ${why}`]);
    expect(signals[0]).toBe('SIGTERM');
    expect(warnings).toEqual([
      `slow: ${why}`,
      expect.stringMatching(new RegExp(`^slow crashed: it was ${why.replace(/[()/]/g, '\\$&')}; devsup gives up on it\\.`)),
    ]);
  });

  it('not ready in time, with restarts allowed: restarted as a failed run, counted, then given up', async () => {
    const spec = serviceSpec('slow', { command: forever, ready: { kind: 'log', pattern: /never/ }, readyTimeoutMs: 150, maxRestarts: 1 });
    const { runner, statuses } = runnerOf(spec);
    await runner.start();
    await waitFor(() => runner.status === 'crashed', { what: 'slow crashed', timeoutMs: 15_000, describe: () => statuses() });
    expect(statuses()).toEqual(['starting', 'stopping', 'restarting', 'starting', 'stopping', 'crashed']);
    expect(runner.restarts).toBe(1);
  });

  it('a one-shot that exits 0 has exited; one that keeps failing is restarted with backoff, then crashed', async () => {
    const once = runnerOf(serviceSpec('migrate', { command: fixtureCommand('crash-after.mjs', 0, 0), restart: 'never' }));
    await once.runner.start();
    await waitFor(() => once.runner.status === 'exited', { what: 'migrate exited', describe: () => once.path });
    expect(once.path).toEqual(['starting', 'running', 'exited: exited with code 0']);

    const loop = runnerOf(serviceSpec('loop', { command: fixtureCommand('crash-after.mjs', 0, 2), maxRestarts: 2 }));
    await loop.runner.start();
    await waitFor(() => loop.runner.status === 'crashed', { what: 'loop crashed', describe: () => loop.path });
    expect(loop.statuses()).toEqual(['starting', 'running', 'restarting', 'running', 'restarting', 'running', 'crashed']);
    expect(loop.runner.detail).toBe('exited with code 2 after 2 restarts');
  });

  it('a command that cannot start fails at once, saying why', async () => {
    const missing = runnerOf(serviceSpec('missing', { command: ['/no/such/program'] }));
    await missing.runner.start();
    await waitFor(() => missing.runner.status === 'failed', { what: 'missing failed', describe: () => missing.path });
    expect(missing.runner.detail).toBe('command not found: /no/such/program');

    const shell = runnerOf(serviceSpec('shell', { command: 'no-such-program-here --flag && true' }));
    await shell.runner.start();
    await waitFor(() => shell.runner.status === 'failed', { what: 'shell failed', describe: () => shell.path });
    expect(shell.runner.detail).toMatch(/^command not found \(the shell exited with code 127\)/);
  });

  it('a stop during the backoff ends it: the start it had scheduled does nothing', async () => {
    const spawned: number[] = [];
    const scheduled: (() => void)[] = [];
    const { runner, statuses } = runnerOf(serviceSpec('loop', { command: fixtureCommand('crash-after.mjs', 0, 1), maxRestarts: 5 }), {
      spawn: (command, options) => {
        const child = spawnChild(command, options);
        if (child.pid !== undefined) spawned.push(child.pid);
        return child;
      },
      // The backoff's clock is the test's: each scheduled start runs when the test says so.
      schedule: (callback) => {
        scheduled.push(callback);
        return { cancel: () => undefined };
      },
    });
    await runner.start();
    await waitFor(() => runner.status === 'restarting' && scheduled.length === 1, {
      what: 'the first failure, in backoff',
      describe: () => statuses(),
    });
    scheduled[0]!();
    await waitFor(() => runner.status === 'restarting' && scheduled.length === 2, {
      what: 'a second failure, in backoff',
      describe: () => statuses(),
    });
    await runner.stop('requested');
    expect(runner.status).toBe('stopped');
    scheduled[1]!(); // as if its timer fired late, after the stop
    await new Promise((resolve) => setImmediate(resolve));
    expect(spawned).toHaveLength(2);
    expect(runner.status).toBe('stopped');
  });

  it('a kill during the backoff (a second Ctrl-C) leaves it stopped, not stopping', async () => {
    const { runner, statuses } = runnerOf(serviceSpec('loop', { command: fixtureCommand('crash-after.mjs', 0, 1) }), {
      schedule: () => ({ cancel: () => undefined }), // the backoff never ends by itself
    });
    await runner.start();
    await waitFor(() => runner.status === 'restarting', { what: 'loop in backoff', describe: () => statuses() });
    await runner.kill();
    expect(runner.status).toBe('stopped');
  });

  it('a stop asked for while it starts wins: no process is left', async () => {
    const spawned: number[] = [];
    const { runner } = runnerOf(serviceSpec('web', { command: forever }), {
      spawn: (command, options) => {
        const child = spawnChild(command, options);
        if (child.pid !== undefined) spawned.push(child.pid);
        return child;
      },
    });
    const starting = runner.start();
    const stopping = runner.stop('requested');
    await Promise.all([starting, stopping]);
    expect(runner.status).toBe('stopped');
    expect(spawned.filter(isAlive)).toEqual([]);
  });

  it('a failure in background work becomes its status, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { runner, warnings } = runnerOf(serviceSpec('web', { command: fixtureCommand('crash-after.mjs', 0, 1) }), {
        stopTree: () => Promise.reject(new Error('the process table cannot be read')),
      });
      await runner.start();
      await waitFor(() => runner.status === 'failed', { what: 'web failed', describe: () => [runner.status, runner.detail] });
      expect(runner.detail).toBe('the process table cannot be read');
      expect(warnings).toContain('web: the process table cannot be read');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a move the table does not allow throws: a bug shows up in tests', async () => {
    const { runner } = runnerOf(serviceSpec('web', { command: forever }));
    await runner.start();
    expect(() => runner.leaveOut()).toThrow(InvalidTransitionError);
    expect(() => runner.leaveOut()).toThrow('web: no move from running to stopped (a bug in devsup)');
  });
});
