import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, watchdogOf } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { parsePortTable } from '../helpers/parse-port-table.js';
import { CLI, runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const me = os.userInfo();

async function who(...args: string[]) {
  return runCli(['who', ...args], os.tmpdir()); // needs no manifest
}

describe('devsup who PORT', () => {
  it.each([
    { label: 'IPv4 127.0.0.1', host: '127.0.0.1', ipv6Only: false, address: '127.0.0.1' },
    { label: 'IPv6 ::1', host: '::1', ipv6Only: false, address: '::1' },
    { label: 'IPv6-only ::', host: '::', ipv6Only: true, address: '::' },
  ])('names a listener on $label: pid, command line, user, since when; exit 0', async ({ host, ipv6Only, address }) => {
    const port = await findFreePorts(1);
    const before = Date.now();
    const holder = await session.holdPort(port, host, ipv6Only);
    const text = await who(String(port));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^port ${port} is held by pid ${holder.pid}: \\S*node -e `, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^  user: +${me.username} \\(uid ${me.uid}\\)$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^  address: +${address.replace(/\./g, '\\.')}$`, 'm'));
    expect(text.stdout).not.toMatch(/devsup:/);

    const json = await who(String(port), '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ port, free: false, timeWait: false, lease: null, hint: null });
    expect(report.holders).toEqual([
      {
        state: 'listen',
        pid: holder.pid,
        command: expect.stringMatching(/node -e /),
        user: me.username,
        uid: me.uid,
        since: expect.any(String),
        addresses: [address],
        devsup: null,
      },
    ]);
    // /proc gives the start in whole seconds since boot plus 10 ms ticks.
    expect(Math.abs(Date.parse(report.holders[0].since) - before)).toBeLessThan(3_000);
  });

  it('recognises a service of a devsup instance: which service, which manifest, which instance', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': ['project: shop', 'services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n'),
    });
    const up = session.up(dir);
    const report = await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');
    const manifest = path.join(dir, 'services.yaml');

    const text = await who(String(port));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^port ${port} is held by pid ${report.services[0]!.pid}: .*http-server\\.mjs$`, 'm'));
    expect(text.stdout).toContain(`  devsup:    service web of ${manifest} (devsup pid ${up.child.pid})`);
    expect(text.stdout).toContain(`  lease:     leased by devsup pid ${up.child.pid} for project shop (service web), ${manifest}`);
    const json = JSON.parse((await who(String(port), '--json')).stdout);
    expect(json.holders[0].devsup).toEqual({ service: 'web', instance: up.child.pid, manifest, running: true });
    expect(json.lease).toEqual({ pid: up.child.pid, project: 'shop', service: 'web', manifest });
  });

  it('says a free port is free and exits 1', async () => {
    const port = await findFreePorts(1);
    const result = await who(String(port));
    expect(result).toMatchObject({ code: 1, stdout: `port ${port} is free\n` });
    const json = await who(String(port), '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ port, free: true, holders: [] });
  });

  it.runIf(process.platform === 'linux')('calls a port with only TIME_WAIT connections free, and says they are there', async () => {
    const server = net.createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    await once(net.connect(port, '127.0.0.1').resume(), 'close'); // the server closed first: its end waits in TIME_WAIT
    await new Promise((resolve) => server.close(resolve));
    const timeWait = () =>
      readFileSync('/proc/net/tcp', 'utf8')
        .split('\n')
        .some((line) => line.includes(`:${port.toString(16).toUpperCase().padStart(4, '0')} `) && / 06 /.test(line));
    await waitFor(timeWait, { what: `a TIME_WAIT entry for port ${port}` });
    const result = await who(String(port));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^port ${port} is free, but only connections in TIME_WAIT remain .*SO_REUSEADDR`));
    expect(JSON.parse((await who(String(port), '--json')).stdout)).toMatchObject({ free: true, timeWait: true, holders: [] });
  });

  it.runIf(process.platform === 'linux' && process.getuid?.() === 0)(
    'says whose process it is when it may not see it, and what shows it',
    async () => {
      const port = await findFreePorts(1);
      await session.holdPort(port, '0.0.0.0'); // root's; `who` runs as nobody below
      const child = spawn(process.execPath, [CLI, 'who', String(port)], {
        cwd: os.tmpdir(),
        uid: 65534,
        gid: 65534,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const [code] = (await once(child, 'close')) as [number];
      expect(code).toBe(0);
      expect(stdout).toBe(
        [
          `port ${port} is held by a process of root (uid 0) that the OS will not name to this user`,
          '  address:   0.0.0.0',
          `  to see it: sudo ss -ltnp 'sport = :${port}'`,
          '',
        ].join('\n'),
      );
    },
  );

  it.each([['0'], ['65536'], ['http'], ['80', '81'], []])('rejects %j with exit 2', async (...args) => {
    const result = await who(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/port number[\s\S]*Usage: devsup who PORT/);
  });
});

describe.runIf(process.platform === 'linux')('a fallback away from a devsup service', () => {
  it('names the service and manifest holding the preferred port', async () => {
    const port = await findFreePorts(2);
    const service = ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n');
    // A service left running by a devsup killed together with its watchdog: no lease any more, still our kind.
    const first = session.project({ 'services.yaml': service });
    const firstUp = session.up(first.dir);
    const { services } = await session.waitForPorts(first.dir, 'web ready', (r) => r.services[0]?.status === 'ready');
    session.track(services[0]!.pid);
    process.kill(watchdogOf(firstUp.child.pid!)!, 'SIGKILL');
    process.kill(firstUp.child.pid!, 'SIGKILL');
    await exitWithin(firstUp, 5_000, 'first devsup dies');

    const second = session.project({ 'services.yaml': service });
    const up = session.up(second.dir);
    await up.waitForOutput(/^! .*$/m, 20_000);
    const mark = `(devsup: service web of ${path.join(first.dir, 'services.yaml')})`;
    expect(up.stderr()).toContain(`web: port ${port} is held by pid ${services[0]!.pid}: `);
    expect(up.stderr()).toContain(`${mark}; using ${port + 1} instead.`);
    const note = new RegExp(`^! ${port} is held by pid ${services[0]!.pid}: .*http-server\\.mjs ${escape(mark)}$`);
    expect(parsePortTable(up.stdout(), 1).notes).toEqual([expect.stringMatching(note)]);
    expect((await session.portsJson(second.dir)).services[0]!.holder).toEqual({
      pid: services[0]!.pid,
      command: expect.stringMatching(/http-server\.mjs$/),
      devsup: { service: 'web', instance: firstUp.child.pid, manifest: path.join(first.dir, 'services.yaml') },
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
