import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { LogMultiplexer } from '../output/log-multiplexer.js';
import { allocatePorts } from '../ports/allocate-ports.js';
import { fixtureCommand } from '../../test/helpers/temp-project.js';
import { findFreePorts } from '../../test/helpers/free-port.js';
import { manifestOf, serviceSpec } from '../../test/helpers/specs.js';
import { isAlive, waitFor } from '../../test/helpers/wait-for.js';
import type { ServiceSpec } from '../manifest/service-spec.js';
import { Supervisor } from './supervisor.js';
import { REAL_SEAMS, type RunnerSeams } from './service-runner.js';
import { stopServiceTree } from './stop-service-tree.js';

const running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((supervisor) => supervisor.shutdown()));
});

async function supervise(services: ServiceSpec[], seams?: RunnerSeams) {
  const manifest = manifestOf(services);
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const warnings: string[] = [];
  const supervisor = new Supervisor({
    manifest,
    allocations: await allocatePorts(manifest),
    warn: (message) => warnings.push(message),
    ...(seams && { seams }),
  });
  new LogMultiplexer({ bus: supervisor.output, out, color: false });
  running.push(supervisor);
  supervisor.start(services.map((service) => service.key));
  const status = (key: string) => supervisor.runners.get(key)!.status;
  return { supervisor, output: () => text, warnings, status, runner: (key: string) => supervisor.runners.get(key)! };
}

describe('Supervisor', () => {
  it('launches each service once, however many dependents wait for it', async () => {
    const port = await findFreePorts(1);
    const { output, status } = await supervise([
      serviceSpec('base', { command: fixtureCommand('http-server.mjs'), ports: [{ name: 'default', preferred: port }] }),
      serviceSpec('one', { command: fixtureCommand('crash-after.mjs', 600_000, 0), dependsOn: [{ service: 'base', condition: 'ready' }] }),
      serviceSpec('two', { command: fixtureCommand('crash-after.mjs', 600_000, 0), dependsOn: [{ service: 'base', condition: 'ready' }] }),
    ]);
    await waitFor(() => /^one +\| started pid/m.test(output()) && /^two +\| started pid/m.test(output()), {
      what: 'dependents started',
      describe: output,
    });
    expect(output().match(/^base +\| listening on/gm)).toHaveLength(1);
    expect(output().match(/^one +\| started pid/gm)).toHaveLength(1);
    expect(status('base')).toBe('ready');
  });

  it('restarts a child killed with SIGKILL on the same port, counting one restart', async () => {
    const port = await findFreePorts(1);
    const { runner, output } = await supervise([
      serviceSpec('web', { command: fixtureCommand('http-server.mjs'), ports: [{ name: 'default', preferred: port }] }),
    ]);
    const web = runner('web');
    await waitFor(() => web.status === 'ready', { what: 'web ready', describe: output });
    const firstPid = web.pid!;
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => web.status === 'ready' && web.pid !== firstPid, { what: 'web ready again', describe: () => [web.status, output()] });
    expect(web.port).toBe(port);
    expect(web.restarts).toBe(1);
    expect(isAlive(firstPid)).toBe(false);
  });

  it('gives up on a crash loop after max_restarts and leaves the others running', async () => {
    const port = await findFreePorts(1);
    const { runner, warnings, output } = await supervise([
      serviceSpec('steady', { command: fixtureCommand('http-server.mjs'), ports: [{ name: 'default', preferred: port }] }),
      serviceSpec('flaky', { command: fixtureCommand('crash-after.mjs', 0, 3), maxRestarts: 2 }),
    ]);
    await waitFor(() => runner('flaky').status === 'crashed', { what: 'flaky crashed', describe: output });
    const steadyPid = runner('steady').pid;
    expect(runner('flaky').restarts).toBe(2);
    expect(runner('flaky').detail).toBe('exited with code 3 after 2 restarts');
    expect(warnings.filter((warning) => warning.startsWith('flaky crashed'))).toHaveLength(1);
    // The last run's lines only: the same lines of every earlier run would only repeat them.
    expect(warnings[0]!.split('\n').filter((line) => line.includes('failing with code 3'))).toHaveLength(1);
    await waitFor(() => runner('steady').status === 'ready', { what: 'steady ready' });
    expect(runner('steady').pid).toBe(steadyPid);
  });

  it('blocks the dependents of a dependency that failed, and ends with exit code 1', async () => {
    const { supervisor, runner } = await supervise([
      serviceSpec('migrate', { command: fixtureCommand('crash-after.mjs', 0, 1), restart: 'never' }),
      serviceSpec('api', { command: fixtureCommand('crash-after.mjs', 600_000, 0), dependsOn: [{ service: 'migrate', condition: 'completed' }] }),
    ]);
    expect(await supervisor.done).toBe(1);
    expect(runner('migrate').status).toBe('crashed');
    expect(runner('api').status).toBe('pending');
    expect(runner('api').detail).toBe('blocked by migrate (crashed: exited with code 1)');
  });

  it('starts a service after the one it needs has completed, and ends with 0 when all finished', async () => {
    const { supervisor, runner, output } = await supervise([
      serviceSpec('migrate', { command: fixtureCommand('crash-after.mjs', 50, 0), restart: 'never' }),
      serviceSpec('seed', {
        command: fixtureCommand('crash-after.mjs', 0, 0),
        restart: 'never',
        dependsOn: [{ service: 'migrate', condition: 'completed' }],
      }),
    ]);
    expect(await supervisor.done).toBe(0);
    expect(runner('seed').status).toBe('exited');
    const text = output();
    expect(text.indexOf('migrate | failing with code 0')).toBeLessThan(text.indexOf('seed    | started'));
  });

  it('fails a service whose ${svc.port} refers to a service that got no port, and keeps going', async () => {
    const port = await findFreePorts(1);
    const holder = net.createServer().listen(port);
    await once(holder, 'listening');
    try {
      const { supervisor, runner } = await supervise([
        serviceSpec('strict', {
          command: fixtureCommand('http-server.mjs'),
          ports: [{ name: 'default', preferred: port }],
          fallback: { kind: 'none' },
        }),
        serviceSpec('client', {
          command: fixtureCommand('crash-after.mjs', 0, 0),
          restart: 'never',
          env: { TARGET: 'http://127.0.0.1:${strict.port}' },
        }),
      ]);
      expect(await supervisor.done).toBe(1);
      expect(runner('strict').status).toBe('failed');
      expect(runner('strict').detail).toContain(`port ${port} is held by pid ${process.pid}`);
      expect(runner('client').status).toBe('failed');
      expect(runner('client').detail).toContain('no port assigned to service "strict"');
    } finally {
      holder.close();
    }
  });

  it('stops everything and ends with 1 when a critical service gives up', async () => {
    const port = await findFreePorts(1);
    const { supervisor, runner, warnings } = await supervise([
      serviceSpec('web', { command: fixtureCommand('http-server.mjs'), ports: [{ name: 'default', preferred: port }] }),
      serviceSpec('db', { command: fixtureCommand('crash-after.mjs', 300, 2), restart: 'never', critical: true }),
    ]);
    await waitFor(() => runner('web').status === 'ready', { what: 'web ready' });
    const webPid = runner('web').pid!;
    expect(await supervisor.done).toBe(1);
    expect(runner('db').status).toBe('crashed');
    expect(runner('web').status).toBe('stopped');
    expect(isAlive(webPid)).toBe(false);
    expect(warnings).toContain('db is critical and crashed: stopping everything.');
  });

  it('restarts, stops and starts single services on their own ports, without counting crashes', async () => {
    const port = await findFreePorts(2);
    const { supervisor, runner, output } = await supervise([
      serviceSpec('web', { command: fixtureCommand('http-server.mjs'), ports: [{ name: 'default', preferred: port }] }),
      serviceSpec('extra', { command: fixtureCommand('http-server.mjs'), ports: [{ name: 'default', preferred: port + 1 }], autostart: false }),
    ]);
    // supervise() starts every service it is given; take `extra` back to the autostart: false state.
    await supervisor.stopService('extra');
    const web = runner('web');
    await waitFor(() => web.status === 'ready', { what: 'web ready', describe: output });
    const firstPid = web.pid!;

    await supervisor.restartService('web');
    await waitFor(() => web.status === 'ready' && web.pid !== firstPid, { what: 'web ready again', describe: () => [web.status, output()] });
    // The moment web was stopped on its way back was not the end of everything.
    expect(await Promise.race([supervisor.done, Promise.resolve('running')])).toBe('running');
    expect(isAlive(firstPid)).toBe(false);
    expect([web.port, web.restarts]).toEqual([port, 0]);

    await supervisor.stopService('web');
    expect(web.status).toBe('stopped');
    expect(web.pid).toBeNull();
    supervisor.startService('extra');
    await waitFor(() => runner('extra').status === 'ready', { what: 'extra ready', describe: output });
    expect(runner('extra').port).toBe(port + 1);
    supervisor.startService('web');
    await waitFor(() => web.status === 'ready', { what: 'web ready after start', describe: output });
    expect(web.port).toBe(port);
  });

  it('moves a service whose port was taken before it could bind, without counting a crash, and restarts its clients', async () => {
    const port = await findFreePorts(1);
    const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-race-'));
    const flag = path.join(folder, 'stranger.pid');
    try {
      const { runner, output, warnings } = await supervise([
        serviceSpec('server', { command: fixtureCommand('grab-then-bind.mjs', flag), ports: [{ name: 'default', preferred: port }] }),
        serviceSpec('client', { command: fixtureCommand('print-env.mjs', 'TARGET'), env: { TARGET: 'http://127.0.0.1:${server.port}' } }),
      ]);
      const server = runner('server');
      await waitFor(() => server.status === 'ready', { what: 'server ready on a new port', describe: () => [server.status, output(), warnings] });
      const moved = server.port!;
      expect(moved).not.toBe(port);
      expect(server.restarts).toBe(0);
      expect(warnings.some((warning) => warning.startsWith(`server: port ${port} was taken before server could bind it (it said: `))).toBe(true);
      await waitFor(() => output().includes(`client | TARGET=http://127.0.0.1:${moved}`), {
        what: 'client restarted with the new port',
        describe: output,
      });
      expect(runner('client').restarts).toBe(0);
    } finally {
      if (existsSync(flag)) process.kill(Number(readFileSync(flag, 'utf8')), 'SIGKILL');
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('is ready on the port a child really uses when it ignores PORT, and says so once', async () => {
    const given = await findFreePorts(2);
    const actual = given + 1;
    const { runner, warnings, output } = await supervise([
      serviceSpec('stubborn', { command: fixtureCommand('ignore-port.mjs', actual), ports: [{ name: 'default', preferred: given }] }),
    ]);
    const stubborn = runner('stubborn');
    await waitFor(() => stubborn.status === 'ready', { what: 'stubborn ready', describe: () => [stubborn.status, output(), warnings] });
    expect(stubborn.port).toBe(actual);
    expect(stubborn.driftedFrom).toBe(given);
    const said = warnings.filter((warning) => warning.startsWith(`stubborn ignored PORT=${given} and listens on ${actual}`));
    expect(said).toHaveLength(1);
    // Flags that really make each tool use the port: Vite's --strictPort alone does not.
    expect(said[0]).toContain('Vite: `vite --port ${port} --strictPort`');
    expect(said[0]).toContain('Flask: `flask run --port ${port}`');
    expect(said[0]).toContain('`port_env` (gradio: GRADIO_SERVER_PORT)');
  });

  it.runIf(process.platform !== 'win32')('hands a socket: true service its listening socket as fd 3, with LISTEN_PID its own pid', async () => {
    const port = await findFreePorts(1);
    const example = fileURLToPath(new URL('../../examples/socket-server.js', import.meta.url));
    const { runner, output } = await supervise([
      serviceSpec('web', {
        command: [process.execPath, example],
        ports: [{ name: 'default', preferred: port }],
        socket: true,
        ready: { kind: 'http', path: '/' },
      }),
    ]);
    const web = runner('web');
    await waitFor(() => web.status === 'ready', { what: 'web ready', describe: () => [web.status, web.detail, output()] });
    expect(output()).toContain('web | serving on the socket devsup handed over (fd 3, web)');
    const answer = (await (await fetch(`http://127.0.0.1:${port}/hello`)).json()) as { pid: number; path: string };
    expect(answer).toEqual({ service: 'socket-server', pid: web.pid, path: '/hello' });

    // A restart binds the port again and hands it over again.
    const firstPid = web.pid;
    process.kill(firstPid!, 'SIGKILL');
    await waitFor(() => web.status === 'ready' && web.pid !== firstPid, {
      what: 'web ready again',
      describe: () => [web.status, web.detail, output()],
    });
    expect(((await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { pid: number }).pid).toBe(web.pid);
  });

  it('says what a slow readiness check sees while it waits, and why it gave up', async () => {
    const port = await findFreePorts(1);
    const { runner, warnings, output } = await supervise([
      serviceSpec('slow', {
        command: fixtureCommand('crash-after.mjs', 600_000, 0),
        ports: [{ name: 'default', preferred: port }],
        readyTimeoutMs: 2_500,
        restart: 'never',
      }),
    ]);
    const slow = runner('slow');
    await waitFor(() => slow.detail === `127.0.0.1:${port} refused the connection, 1 s`, {
      what: 'progress detail',
      describe: () => [slow.status, slow.detail],
    });
    expect(slow.status).toBe('starting');
    await waitFor(() => slow.status === 'crashed', { what: 'slow given up', describe: () => [slow.status, slow.detail, output()] });
    const why = `not ready within ready_timeout (2.5 s): 127.0.0.1:${port} refused the connection`;
    expect(warnings[0]).toBe(`slow: ${why}`);
    // The crash is the readiness failure, not the SIGTERM devsup sent to stop it.
    expect(slow.detail).toBe(why);
    expect(warnings[1]).toMatch(new RegExp(`^slow crashed: it was ${why.replace(/[()]/g, '\\$&')}; devsup gives up on it\\.`));
  });

  it('a failure in its own background work is said and stops everything with exit 1, never an unhandled rejection', async () => {
    const port = await findFreePorts(2);
    let breakStops = false;
    const seams: RunnerSeams = {
      ...REAL_SEAMS,
      stopTree: (pid, options) => (breakStops ? Promise.reject(new Error('the process table cannot be read')) : stopServiceTree(pid, options)),
    };
    const { supervisor, runner, warnings } = await supervise(
      [
        serviceSpec('web', { command: fixtureCommand('http-server.mjs'), ports: [{ name: 'default', preferred: port }] }),
        serviceSpec('client', { command: fixtureCommand('crash-after.mjs', 600_000, 0), env: { WEB: 'http://localhost:${web.port}' } }),
      ],
      seams,
    );
    await waitFor(() => runner('web').status === 'ready' && runner('client').status === 'running', { what: 'both up' });
    const pids = [runner('web').pid!, runner('client').pid!];
    breakStops = true;
    // web moves: client, which uses its port, must restart, and its stop fails.
    runner('web').moveTo([{ ...runner('web').ports[0]!, port: port + 1 }]);
    expect(await supervisor.done).toBe(1);
    expect(warnings).toContain('restarting the services that use a moved port failed, so devsup stops everything: the process table cannot be read');
    // Its stops could not run: the test ends the processes itself.
    for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
  });

  it('starts nothing again once shutdown has begun, even for a restart under way', async () => {
    const { supervisor, runner } = await supervise([
      serviceSpec('web', { command: fixtureCommand('crash-after.mjs', 600_000, 0), stopTimeoutMs: 5_000 }),
    ]);
    await waitFor(() => runner('web').status === 'running' && runner('web').pid !== null, { what: 'web running' });
    const firstPid = runner('web').pid!;
    const restarting = supervisor.restartService('web');
    await supervisor.shutdown();
    await restarting;
    expect(runner('web').status).toBe('stopped');
    expect(runner('web').pid).toBeNull();
    expect(isAlive(firstPid)).toBe(false);
  });
});
