import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const serviceOf = (report: PortsJson, key: string) => report.services.find((entry) => entry.service === key)!;

/** Whether a TCP connection to 127.0.0.1:port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** gate (ready once the file `go` exists) ← web on `port`. */
function gatedWeb(port: number): Record<string, string> {
  return {
    'services.yaml': [
      'services:',
      '  gate:',
      `    command: ${fixtureArgv('crash-after.mjs', 600_000, 0)}`,
      '    ready: { exec: "test -f go" }',
      '  web:',
      `    command: ${fixtureArgv('http-server.mjs')}`,
      `    port: ${port}`,
      '    depends_on: [gate]',
      '',
    ].join('\n'),
  };
}

describe('the port of a service that is not running', () => {
  it('refuses connections while the service waits for a dependency, as a free port does', async () => {
    const port = await findFreePorts(2);
    const project = session.project(gatedWeb(port));
    session.up(project.dir);
    const waiting = await session.waitForPorts(
      project.dir,
      'web pending',
      (r) => serviceOf(r, 'web').status === 'pending' && serviceOf(r, 'gate').status === 'starting',
    );
    expect(serviceOf(waiting, 'web').port).toBe(port);
    expect(await accepts(port)).toBe(false);
    project.write('go', '');
    const ready = await session.waitForPorts(project.dir, 'web ready', (r) => serviceOf(r, 'web').status === 'ready');
    expect(serviceOf(ready, 'web').port).toBe(port);
    expect(await accepts(port)).toBe(true);
  });

  it('is probed again before the service starts: taken meanwhile, it moves and says who took it', async () => {
    const port = await findFreePorts(2);
    const project = session.project(gatedWeb(port));
    const up = session.up(project.dir);
    await session.waitForPorts(project.dir, 'web pending', (r) => serviceOf(r, 'web').status === 'pending');
    const stranger = await session.holdPort(port, '127.0.0.1');
    project.write('go', '');
    const ready = await session.waitForPorts(project.dir, 'web ready elsewhere', (r) => serviceOf(r, 'web').status === 'ready');
    const web = serviceOf(ready, 'web');
    expect(web.port).toBe(port + 1);
    expect(web.restarts).toBe(0);
    expect(web.holder).toMatchObject({ pid: stranger.pid });
    expect(up.stderr()).toMatch(new RegExp(`web: port ${port} .*pid ${stranger.pid}.*\\b${port + 1}\\b`));
  });
});

/** A server that binds without SO_REUSEADDR, as plain Python sockets do: TIME_WAIT on its port makes it fail. */
const PLAIN_BIND = [
  'import os, socket, sys, time',
  's = socket.socket()',
  "s.bind(('127.0.0.1', int(os.environ['PORT'])))",
  's.listen()',
  "print('listening on', os.environ['PORT'], flush=True)",
  'while True: s.accept()[0].close()',
].join('\n');

/** Leaves TIME_WAIT connections on `port` (the server side closes first), and nothing listening. */
async function leaveTimeWait(port: number): Promise<void> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => {
      const client = net.connect(port, '127.0.0.1');
      client.once('close', () => resolve());
      client.once('error', () => resolve());
    });
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('a program that cannot bind a port in TIME_WAIT', () => {
  it('is moved to another port, never to the one that just failed', async () => {
    const port = await findFreePorts(3);
    await leaveTimeWait(port);
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${JSON.stringify(['python3', '-c', PLAIN_BIND])}`, `    port: ${port}`, ''].join('\n'),
    });
    const up = session.up(dir);
    const report = await session.waitForPorts(dir, 'web ready on another port', (r) => serviceOf(r, 'web').status === 'ready');
    expect(serviceOf(report, 'web').port).not.toBe(port);
    expect(serviceOf(report, 'web').restarts).toBe(0);
    await waitFor(() => /TIME_WAIT/.test(up.stderr()), { what: 'the move explained', describe: () => up.stderr() });
  });
});

describe('the holder of a preferred port', () => {
  async function displacedWeb() {
    const port = await findFreePorts(3);
    const holder = await session.holdPort(port, '127.0.0.1');
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n'),
    });
    session.up(dir);
    await session.waitForPorts(
      dir,
      'web ready on a fallback',
      (r) => serviceOf(r, 'web').status === 'ready' && serviceOf(r, 'web').port === port + 1,
    );
    return { dir, port, holder };
  }

  it('is reported as it is now once it has exited, and restart --preferred moves the service back', async () => {
    const { dir, port, holder } = await displacedWeb();
    process.kill(holder.pid, 'SIGKILL');
    await waitFor(async () => (await runCli(['ports'], dir)).stdout.includes(`! ${port} was held by pid ${holder.pid}`), {
      what: 'the note says the holder is gone',
    });
    const table = (await runCli(['ports'], dir)).stdout;
    expect(table).toMatch(new RegExp(`^! ${port} was held by pid ${holder.pid}: .* at start; free now .*devsup restart web --preferred`, 'm'));
    expect(serviceOf(await session.portsJson(dir), 'web').holder).toMatchObject({ pid: holder.pid, exited: true, freeNow: true });

    const restart = await runCli(['restart', 'web', '--preferred'], dir);
    expect(restart).toMatchObject({ code: 0 });
    expect(restart.stdout).toContain(`web: restarted on its preferred port ${port}`);
    const back = await session.waitForPorts(dir, 'web ready on its preferred port', (r) => serviceOf(r, 'web').status === 'ready');
    expect(serviceOf(back, 'web')).toMatchObject({ port, preferred: port });
    expect(serviceOf(back, 'web').holder).toBeUndefined();
    expect((await runCli(['ports'], dir)).stdout).not.toMatch(/^!/m);
  });

  it('restart --preferred keeps the port it has while the preferred one is still held, and says by whom', async () => {
    const { dir, port, holder } = await displacedWeb();
    const restart = await runCli(['restart', 'web', '--preferred'], dir);
    expect(restart.code).toBe(0);
    expect(restart.stdout).toMatch(new RegExp(`web: restarted on port ${port + 1}: its preferred port ${port} is held by pid ${holder.pid}`));
    const after = await session.waitForPorts(dir, 'web ready again', (r) => serviceOf(r, 'web').status === 'ready');
    expect(serviceOf(after, 'web').port).toBe(port + 1);
  });
});
