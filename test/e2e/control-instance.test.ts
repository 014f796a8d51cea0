import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const server = (port: number) => ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n');
const mode = (file: string) => statSync(file).mode & 0o777;
const ready = (dir: string, env?: NodeJS.ProcessEnv) =>
  waitFor(
    async () => {
      const result = await runCli(['ports', '--json'], dir, env);
      return result.code === 0 && JSON.parse(result.stdout).services[0].status === 'ready' ? JSON.parse(result.stdout) : undefined;
    },
    { what: 'web ready', timeoutMs: 20_000 },
  );

/** A fake instance on the control socket that answers every request with `reply`. */
async function fakeInstance(dir: string, reply: object): Promise<net.Server> {
  mkdirSync(path.join(dir, '.devsup'), { recursive: true, mode: 0o700 });
  const fake = net.createServer((socket) => socket.once('data', () => socket.end(`${JSON.stringify(reply)}\n`)));
  await new Promise<void>((resolve) => fake.listen(path.join(dir, '.devsup', 'control.sock'), resolve));
  return fake;
}

/** Inodes of the TCP sockets some process listens on (Linux /proc/net/tcp and tcp6, state 0A). */
function listeningTcpInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** All a process has read through read(2) and its kin, sockets included (Linux /proc/PID/io). */
function bytesReadBy(pid: number): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
}

function socketInodesOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return match ? [match[1]!] : [];
    } catch {
      return [];
    }
  });
}

describe('one instance per manifest', () => {
  it('refuses a second up with the pid and what to do instead', async () => {
    const { dir } = session.project({ 'services.yaml': server(await findFreePorts(1)) });
    const first = session.up(dir);
    await ready(dir);
    const second = session.up(dir);
    expect((await exitWithin(second, 20_000)).code).toBe(1);
    expect(second.stderr()).toContain(`devsup is already running for ${path.join(dir, 'services.yaml')} (pid ${first.child.pid}).`);
    expect(second.stderr()).toContain('Use `devsup ports` to see its ports, `devsup logs` for its output, or `devsup down` to stop it.');
    expect(first.child.exitCode).toBeNull();
  });

  it("takes over a SIGKILLed instance's lock and socket silently", async () => {
    const { dir } = session.project({ 'services.yaml': server(await findFreePorts(1)) });
    const first = session.up(dir);
    await ready(dir);
    process.kill(first.child.pid!, 'SIGKILL');
    await exitWithin(first, 5_000);
    expect(existsSync(path.join(dir, '.devsup', 'instance.lock'))).toBe(true);
    expect(existsSync(path.join(dir, '.devsup', 'control.sock'))).toBe(true);
    const gone = await runCli(['ports'], dir);
    expect([gone.code, gone.stderr.trim()]).toEqual([1, `devsup is not running in ${dir}`]);

    const second = session.up(dir);
    const report = await ready(dir);
    expect(report.pid).toBe(second.child.pid);
    expect(second.stderr()).not.toMatch(/lock|socket|already running/);
    expect(readFileSync(path.join(dir, '.devsup', 'instance.lock'), 'utf8')).toMatch(new RegExp(`^${second.child.pid} `));
  });

  it('lets exactly one of three ups started at once over a stale lock run', async () => {
    const { dir } = session.project({ 'services.yaml': server(await findFreePorts(1)) });
    mkdirSync(path.join(dir, '.devsup'), { mode: 0o700 });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(path.join(dir, '.devsup', 'instance.lock'), `${dead} 1\n`);
    const ups = [session.up(dir), session.up(dir), session.up(dir)];
    const report = await ready(dir);
    const winner = ups.find((up) => up.child.pid === report.pid)!;
    expect(winner).toBeDefined();
    for (const loser of ups.filter((up) => up !== winner)) {
      expect((await exitWithin(loser, 20_000)).code, loser.stderr()).toBe(1);
      expect(loser.stderr()).toContain(`(pid ${winner.child.pid})`);
    }
    expect(winner.child.exitCode).toBeNull();
  });
});

describe('the control socket', () => {
  it('lives in .devsup/ (0700) as a socket of mode 0600, beside a 0600 lock and 0600 logs; devsup listens on no TCP port', async () => {
    const { dir } = session.project({ 'services.yaml': server(await findFreePorts(1)) });
    const up = session.up(dir);
    await ready(dir);
    const folder = path.join(dir, '.devsup');
    expect(mode(folder)).toBe(0o700);
    expect(lstatSync(path.join(folder, 'control.sock')).isSocket()).toBe(true);
    expect(mode(path.join(folder, 'control.sock'))).toBe(0o600);
    expect(mode(path.join(folder, 'instance.lock'))).toBe(0o600);
    expect(mode(path.join(folder, 'logs'))).toBe(0o700);
    await waitFor(() => existsSync(path.join(folder, 'logs', 'web.log')), { what: 'web.log written' });
    expect(mode(path.join(folder, 'logs', 'web.log'))).toBe(0o600);
    if (process.platform === 'linux') {
      const listening = listeningTcpInodes();
      expect(socketInodesOf(up.child.pid!).filter((inode) => listening.has(inode))).toEqual([]);
    }
  });

  it('moves to a per-user runtime folder (0700) when the path is too long for a socket, and every command finds it', async () => {
    const deep = Array.from({ length: 4 }, (_, i) => `a-rather-long-folder-name-number-${i}`).join('/');
    const port = await findFreePorts(1);
    const { dir } = session.project({ [`${deep}/services.yaml`]: server(port), 'run/.keep': '' });
    const project = path.join(dir, deep);
    expect(Buffer.byteLength(path.join(project, '.devsup', 'control.sock'))).toBeGreaterThan(108);
    const env = { XDG_RUNTIME_DIR: path.join(dir, 'run') };
    const up = session.up(project, [], env);
    const report = await ready(project, env);
    expect(report.pid).toBe(up.child.pid);
    const runtime = path.join(dir, 'run', 'devsup');
    const [socket] = readdirSync(runtime).filter((name) => name !== 'instances'); // instances/: the registry `devsup ls` reads
    expect(socket).toMatch(/^[0-9a-f]{24}\.sock$/);
    expect(mode(runtime)).toBe(0o700);
    expect(mode(path.join(runtime, socket!))).toBe(0o600);
    expect(existsSync(path.join(project, '.devsup', 'control.sock'))).toBe(false);
    expect(await runCli(['port', 'web'], project, env)).toMatchObject({ code: 0, stdout: `${port}\n` });
    expect((await runCli(['down'], project, env)).code).toBe(0);
    expect(readdirSync(runtime)).toEqual(['instances']);
    expect(readdirSync(path.join(runtime, 'instances'))).toEqual([]);
  });

  it('a client and an instance of different protocol versions say so clearly, both ways', async () => {
    const { dir } = session.project({ 'services.yaml': server(await findFreePorts(1)) });
    // An older or newer client, speaking to this instance.
    const up = session.up(dir);
    await ready(dir);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(path.join(dir, '.devsup', 'control.sock'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.once('close', () => resolve(text));
      socket.once('error', reject);
      socket.write('{"v":99,"type":"ports"}\n');
    });
    expect(JSON.parse(answer)).toEqual({
      v: 1,
      type: 'error',
      message: `the running devsup (pid ${up.child.pid}) speaks control protocol 1, but this devsup speaks 99.`,
      hint: expect.stringContaining('Run the same devsup version in both terminals'),
      exitCode: 1,
    });
    session.interrupt(up);
    await exitWithin(up, 15_000);

    // This client, speaking to an instance of another version.
    const newer = await fakeInstance(dir, { v: 99, type: 'report', report: {} });
    try {
      const result = await runCli(['ports', '--json'], dir);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('the running devsup speaks control protocol 99, but this devsup speaks 1.');
      expect(result.stderr).toContain('Run the same devsup version in both terminals');
    } finally {
      await new Promise((resolve) => newer.close(resolve));
    }
  });

  it('answers 8 MiB without a newline with an error and closes before reading them all; devsup stays small and serves the next', async () => {
    const { dir } = session.project({ 'services.yaml': server(await findFreePorts(1)) });
    const up = session.up(dir);
    await ready(dir);
    const pid = up.child.pid!;
    const readBefore = bytesReadBy(pid);
    const socket = net.connect(path.join(dir, '.devsup', 'control.sock'));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => undefined); // the write fails once devsup has closed the connection: that is the point
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // One write: the OS takes what devsup reads and holds the rest, so the answer is read before the write fails.
    socket.write(Buffer.alloc(8 * 1024 * 1024, '{'));
    await closed;
    expect(answer).toBe(`${JSON.stringify({ v: 1, type: 'error', message: 'request too large: at most 1 MiB per line.', exitCode: 2 })}\n`);
    expect(bytesReadBy(pid) - readBefore).toBeLessThan(4 * 1024 * 1024); // about 1 MiB of the 8
    const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    expect(rssKb).toBeLessThan(200 * 1024);
    const ports = await runCli(['ports'], dir);
    expect(ports.code, ports.stderr).toBe(0);
    expect(ports.stdout).toMatch(/^web +\d+ /m);
  });
});

describe('.gitignore', () => {
  it('gets .devsup/ when the repository has one that lacks it, and devsup says so once', async () => {
    const { dir } = session.project({
      'services.yaml': server(await findFreePorts(1)),
      '.gitignore': 'node_modules\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
    });
    const first = session.up(dir);
    await ready(dir);
    expect(first.stderr()).toContain(`devsup: added .devsup/ to ${path.join(dir, '.gitignore')}`);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.devsup/\n');
    session.interrupt(first);
    await exitWithin(first, 15_000);
    const second = session.up(dir);
    await ready(dir);
    expect(second.stderr()).not.toContain('.gitignore');
  });
});
