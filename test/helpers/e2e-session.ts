import { spawn } from 'node:child_process';
import { readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TABLE_HEADER } from './parse-port-table.js';
import { runCli, startCli, type CliRun } from './run-cli.js';
import { tempProject } from './temp-project.js';
import { isAlive, waitFor } from './wait-for.js';
import { listPids, readCommandLine } from '../../src/ports/proc-net.js';
import { readProcStat } from '../../src/ports/proc-stat.js';

/** One service of `devsup ports --json` (README: the table). */
export interface ServiceJson {
  service: string;
  title: string;
  port: number | null;
  ports: Record<string, number>;
  preferred: number | null;
  status: string;
  pid: number | null;
  restarts: number;
  url: string | null;
  holder?: { pid: number | null; command: string | null };
  [extra: string]: unknown;
}

export interface PortsJson {
  project: string;
  pid: number;
  manifest: string;
  detached?: boolean;
  services: ServiceJson[];
}

export interface PortHolderProcess {
  pid: number;
  port: number;
}

/** Resolves with a run's exit once it ends, or fails after `timeoutMs` showing the tail of its output. */
export async function exitWithin(
  run: CliRun,
  timeoutMs: number,
  what = 'devsup exits',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`${what}: still running after ${timeoutMs} ms\nstdout: ${run.stdout().slice(-2000)}\nstderr: ${run.stderr().slice(-2000)}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `[node, <fixtures>/NAME, args…]` as a YAML flow list: a command that runs without a shell, so its pid is the program's. */
export function fixtureArgv(name: string, ...args: (string | number)[]): string {
  const fixture = new URL(`../fixtures/${name}`, import.meta.url).pathname;
  return JSON.stringify([process.execPath, fixture, ...args.map(String)]);
}

/**
 * services.yaml with one service, api, on `port`, checked by `health` every `interval`: its /health
 * answers 503 once `makeSick` wrote its pid into the project (fixtures/health-server.mjs).
 */
export function sickableApi(port: number, interval: string): string {
  return [
    'services:',
    '  api:',
    `    command: ${fixtureArgv('health-server.mjs', 'sick.pid')}`,
    `    port: ${port}`,
    `    health: { http: /health, interval: ${interval}, timeout: 1s, failures: 3 }`,
    '',
  ].join('\n');
}

/** The run of api with this pid fails its health checks from now on; the next run passes them. */
export function makeSick(dir: string, pid: number): void {
  writeFileSync(path.join(dir, 'sick.pid'), String(pid));
}

/** The watchdog devsup started: a child of `devsupPid` whose command line names it (Linux /proc). */
export function watchdogOf(devsupPid: number): number | undefined {
  for (const pid of listPids()) {
    if (readProcStat(pid)?.ppid === devsupPid && readCommandLine(pid)?.includes('devsup-watchdog')) return pid;
  }
  return undefined;
}

/**
 * Everything one e2e test starts — temp projects, `devsup up` runs, port holders — and its cleanup:
 * every devsup process group and every process whose working folder lies in one of the test's temp
 * folders (services and their grandchildren run there) is SIGKILLed by pid, then the folders go.
 */
export class E2ESession {
  private readonly dirs: string[] = [];
  private readonly runs: CliRun[] = [];
  private readonly pids = new Set<number>();
  private readonly holders = new Set<number>();
  /** The first `up` started in each folder: polling its state stops early once it has exited. */
  private readonly upByDir = new Map<string, CliRun>();
  /** Folders where a devsup may run in the background (`up -d`, `run --up`): the cleanup stops it. */
  private readonly background = new Set<string>();

  project(files: Record<string, string>): { dir: string; write(name: string, text: string): void } {
    const project = tempProject(files);
    const dir = realpathSync(project.dir);
    this.dirs.push(dir);
    return { dir, write: project.write };
  }

  /** `devsup up ARGS…` in its own process group, as a terminal runs a foreground job. */
  up(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): CliRun {
    const run = startCli(['up', ...args], dir, env, { detached: true });
    this.runs.push(run);
    if (!this.upByDir.has(dir)) this.upByDir.set(dir, run);
    return run;
  }

  /**
   * `devsup up -d ARGS…` in its own process group; the instance it leaves in the background is
   * stopped by the cleanup (see expectBackground).
   */
  upDetached(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): CliRun {
    this.expectBackground(dir);
    const run = startCli(['up', '-d', ...args], dir, env, { detached: true });
    this.runs.push(run);
    return run;
  }

  /**
   * A devsup may run in the background in `dir` (started through a shell, or by `devsup run --up`):
   * the cleanup asks it to stop (`devsup down`, bounded), then SIGKILLs whatever still runs there.
   */
  expectBackground(dir: string): void {
    this.background.add(dir);
  }

  /**
   * `devsup up` of one service `tree` whose child spawns a grandchild; resolves once the table is
   * shown, with the two pids (tracked for the cleanup).
   */
  async upTree(port: number): Promise<{ dir: string; up: CliRun; pids: number[] }> {
    const { dir } = this.project({
      'services.yaml': ['services:', '  tree:', `    command: ${fixtureArgv('spawn-grandchild.mjs')}`, `    port: ${port}`, ''].join('\n'),
    });
    const up = this.up(dir);
    const [, parent, grandchild] = await up.waitForOutput(/^tree +\| parent (\d+) grandchild (\d+)$/m, 20_000);
    const pids = [Number(parent), Number(grandchild)];
    pids.forEach((pid) => this.track(pid));
    await up.waitForOutput(TABLE_HEADER, 20_000);
    return { dir, up, pids };
  }

  /** Sends SIGINT to the process group of a run, as a terminal's Ctrl-C does. */
  interrupt(run: CliRun): void {
    process.kill(-run.child.pid!, 'SIGINT');
  }

  /**
   * Records a pid the cleanup must kill (e.g. one learnt from `devsup ports --json`). On Linux the
   * cleanup kills it only if it still runs in one of the test's folders, so a pid reused by an
   * unrelated process is never signalled.
   */
  track(pid: number | null | undefined): void {
    if (pid) this.pids.add(pid);
  }

  /**
   * A process outside devsup listening on `port` at `host` (`0.0.0.0`, `127.0.0.1`, `::`), with
   * `ipv6Only` for an IPv6-only socket; resolves once it listens.
   */
  async holdPort(port: number, host: string, ipv6Only = false): Promise<PortHolderProcess> {
    const script = [
      "const net = require('node:net');",
      'const [port, host, v6] = process.argv.slice(1);',
      'const server = net.createServer((socket) => socket.end());',
      "server.on('error', (error) => { console.log('error ' + error.code); process.exit(3); });",
      "server.listen({ port: Number(port), host, ipv6Only: v6 === 'v6only' }, () => console.log('holding ' + port));",
    ].join('\n');
    const child = spawn(process.execPath, ['-e', script, String(port), host, ipv6Only ? 'v6only' : 'dual'], {
      cwd: os.tmpdir(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.pid) this.holders.add(child.pid);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await waitFor(() => out.includes('\n'), { what: `holder of ${host} port ${port} listening`, timeoutMs: 10_000 });
    if (!out.startsWith('holding')) throw new Error(`could not hold ${host} port ${port}: ${out}`);
    return { pid: child.pid!, port };
  }

  /** `devsup ports --json` in `dir`, parsed; fails the test unless it exits 0. */
  async portsJson(dir: string): Promise<PortsJson> {
    const result = await runCli(['ports', '--json'], dir);
    if (result.code !== 0) throw new Error(`devsup ports --json exited ${result.code}: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as PortsJson;
    for (const service of report.services) this.track(service.pid);
    return report;
  }

  /** Polls `devsup ports --json` until `accept` holds; returns that report. */
  async waitForPorts(dir: string, what: string, accept: (report: PortsJson) => boolean, timeoutMs = 20_000): Promise<PortsJson> {
    let last: PortsJson | string | undefined;
    const up = this.upByDir.get(dir);
    return waitFor(
      async () => {
        if (up && (up.child.exitCode !== null || up.child.signalCode !== null)) {
          throw new Error(
            `${what}: devsup up exited (${up.child.exitCode ?? up.child.signalCode}) first\nstdout: ${up.stdout().slice(-2000)}\nstderr: ${up.stderr().slice(-2000)}`,
          );
        }
        const result = await runCli(['ports', '--json'], dir);
        if (result.code !== 0) {
          last = `exit ${result.code}: ${result.stderr.trim()}`;
          return undefined;
        }
        const report = JSON.parse(result.stdout) as PortsJson;
        for (const service of report.services) this.track(service.pid);
        last = report;
        return accept(report) ? report : undefined;
      },
      { what, timeoutMs, intervalMs: 100, describe: () => last },
    );
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.background].map((dir) => downQuietly(dir)));
    const victims = new Set([...this.holders, ...(process.platform === 'linux' ? [] : this.pids)]);
    for (const run of this.runs) {
      if (run.child.exitCode !== null || run.child.signalCode !== null) continue;
      try {
        process.kill(-run.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      victims.add(run.child.pid!);
    }
    for (const pid of processesIn(this.dirs)) victims.add(pid);
    for (const pid of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitFor(() => [...victims].every((pid) => !isAlive(pid)), { what: 'test processes gone', timeoutMs: 10_000 }).catch(() => undefined);
    await Promise.all(this.runs.map((run) => run.exited));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.length = 0;
    this.runs.length = 0;
    this.pids.clear();
    this.holders.clear();
    this.upByDir.clear();
    this.background.clear();
  }
}

/** `devsup down` in `dir`, given 10 s; a background instance that does not stop is then killed with the rest. */
async function downQuietly(dir: string): Promise<void> {
  const down = startCli(['down'], dir);
  try {
    await exitWithin(down, 10_000, 'devsup down in the cleanup');
  } catch {
    down.child.kill('SIGKILL');
    await down.exited;
  }
}

/** Pids whose working folder is inside one of `dirs` (Linux: /proc/PID/cwd); none elsewhere. */
export function processesIn(dirs: string[]): number[] {
  if (dirs.length === 0 || process.platform !== 'linux') return [];
  const pids: number[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (dirs.some((dir) => cwd === dir || cwd.startsWith(`${dir}${path.sep}`))) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
