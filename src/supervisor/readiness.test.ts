import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES } from '../../test/helpers/temp-project.js';
import { findFreePorts } from '../../test/helpers/free-port.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { ReadinessTimeout, waitUntilReady, type ReadinessTarget } from './readiness.js';

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((fn) => fn()));

function startServer(port: number, listenHost?: string): ChildProcess {
  const env = { ...process.env, PORT: String(port), ...(listenHost ? { LISTEN_HOST: listenHost } : {}) };
  const child = spawn(process.execPath, [path.join(FIXTURES, 'http-server.mjs')], { env, stdio: 'ignore' });
  cleanup.push(() => child.kill('SIGKILL'));
  return child;
}

function target(pid: number, port?: number): ReadinessTarget & { lines: EventEmitter } {
  const lines = new EventEmitter();
  return {
    pid,
    port,
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH! },
    lines,
    onLine: (listener) => {
      lines.on('line', listener);
      return () => lines.off('line', listener);
    },
  };
}

const never = new AbortController().signal;

describe('waitUntilReady', () => {
  it('tcp: ready once the service itself listens on its port', async () => {
    const port = await findFreePorts(1);
    const child = startServer(port);
    await expect(waitUntilReady({ kind: 'tcp' }, target(child.pid!, port), 10_000, never)).resolves.toEqual({});
  });

  // Node's `localhost` is ::1 first on many systems: Vite and others then listen there alone.
  it('tcp and http: ready when the service listens on ::1 alone', async () => {
    const port = await findFreePorts(1);
    const child = startServer(port, '::1');
    await expect(waitUntilReady({ kind: 'tcp' }, target(child.pid!, port), 10_000, never)).resolves.toEqual({});
    await expect(waitUntilReady({ kind: 'http', path: '/' }, target(child.pid!, port), 10_000, never)).resolves.toEqual({});
  });

  it('tcp: a foreign listener on the port does not make the service ready', async () => {
    const port = await findFreePorts(1);
    const foreign = net.createServer().listen(port);
    cleanup.push(() => foreign.close());
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    cleanup.push(() => idle.kill('SIGKILL'));
    await expect(waitUntilReady({ kind: 'tcp' }, target(idle.pid!, port), 600, never)).rejects.toThrow(
      new RegExp(`^not ready within ready_timeout \\(0\\.6 s\\): port ${port} answers, but not from this service's processes$`),
    );
  });

  it('http: passes on a 2xx answer, and says what it got when the status is not the expected one', async () => {
    const port = await findFreePorts(1);
    const child = startServer(port);
    await waitUntilReady({ kind: 'http', path: '/health' }, target(child.pid!, port), 10_000, never);
    await expect(waitUntilReady({ kind: 'http', path: '/health', status: 204 }, target(child.pid!, port), 500, never)).rejects.toThrow(
      /^not ready within ready_timeout \(0\.\d s\): http \/health → 200$/,
    );
    await expect(waitUntilReady({ kind: 'http', path: '/health?token=s3cret', status: 204 }, target(child.pid!, port), 500, never)).rejects.toThrow(
      /^not ready within ready_timeout \(0\.\d s\): http \/health\?token=•••••• → 200$/,
    );
  });

  it('tcp: a child that ignores PORT is ready on the port it really listens on', async () => {
    const port = await findFreePorts(2);
    const child = startServer(port + 1);
    await expect(waitUntilReady({ kind: 'tcp' }, target(child.pid!, port), 10_000, never)).resolves.toEqual({ driftedTo: port + 1 });
  });

  it('http: a full URL is asked as it is, whoever answers it', async () => {
    const port = await findFreePorts(1);
    const child = startServer(port);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    cleanup.push(() => other.kill('SIGKILL'));
    await expect(waitUntilReady({ kind: 'http', path: `http://127.0.0.1:${port}/health` }, target(other.pid!), 10_000, never)).resolves.toEqual({});
    // The same server does not make `other` ready by port: there the listener must be its own.
    await expect(waitUntilReady({ kind: 'tcp' }, target(other.pid!, port), 300, never)).rejects.toThrow(ReadinessTimeout);
    expect(child.exitCode).toBeNull();
  });

  it('log: passes on the first matching line and stops listening', async () => {
    const probe = target(process.pid);
    const ready = waitUntilReady({ kind: 'log', pattern: /listening on \d+/ }, probe, 5_000, never);
    probe.lines.emit('line', 'booting');
    probe.lines.emit('line', 'listening on 8080');
    await expect(ready).resolves.toEqual({});
    expect(probe.lines.listenerCount('line')).toBe(0);
  });

  it('exec: passes once the command exits 0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-ready-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const flag = path.join(dir, 'ready');
    const probes = path.join(dir, 'probes');
    const ready = waitUntilReady({ kind: 'exec', command: `echo probe >> ${probes}; test -f ${flag}` }, target(process.pid), 10_000, never);
    let settled = false;
    void ready.then(() => (settled = true));
    // Two probes have run and failed: the wait must still be on.
    await waitFor(() => existsSync(probes) && readFileSync(probes, 'utf8').split('\n').length > 2, { what: 'two probe rounds' });
    expect(settled).toBe(false);
    writeFileSync(flag, '');
    await ready;
    expect(settled).toBe(true);
  });

  it('log and exec: time out saying what they waited for', async () => {
    const probe = target(process.pid);
    const waiting = waitUntilReady({ kind: 'log', pattern: /ready/ }, probe, 300, never);
    probe.lines.emit('line', 'still booting');
    await expect(waiting).rejects.toThrow(new ReadinessTimeout('not ready within ready_timeout (0.3 s): no output line matched /ready/'));
    await expect(waitUntilReady({ kind: 'exec', command: 'exit 3' }, target(process.pid), 300, never)).rejects.toThrow(
      /^not ready within ready_timeout \(0\.\d s\): `exit 3` exited with code 3$/,
    );
    // A command line it quotes shows no secret.
    await expect(waitUntilReady({ kind: 'exec', command: "API_TOKEN=s3cret sh -c 'exit 3'" }, target(process.pid), 300, never)).rejects.toThrow(
      /^not ready within ready_timeout \(0\.\d s\): `API_TOKEN=•••••• sh -c 'exit 3'` exited with code 3$/,
    );
  });

  it('stops waiting when aborted', async () => {
    const port = await findFreePorts(1);
    const abort = new AbortController();
    const waiting = waitUntilReady({ kind: 'tcp' }, target(process.pid, port), 60_000, abort.signal);
    abort.abort(new Error('the child exited'));
    await expect(waiting).rejects.toThrow();
  });
});
