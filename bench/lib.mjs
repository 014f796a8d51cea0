// Helpers for the bench: projects in temp folders, HTTP polling, process accounting, timing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The build's own reader of /proc/PID/stat, so the bench counts CPU exactly as devsup reads it.
import { readProcStat } from '../dist/ports/proc-stat.js';
import { spawnMarked } from './processes.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = path.join(ROOT, 'dist/bin/devsup.cjs');
export const FIXTURES = path.join(ROOT, 'bench/fixtures');
export const TINY_HTTP = path.join(FIXTURES, 'tiny-http.mjs');
export const TREE_HTTP = path.join(FIXTURES, 'tree-http.mjs');
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
export const CLOCK_TICK_MS = 1000 / CLOCK_TICKS;
// What tiny-http.mjs answers; see there.
const TINY_REPLY = /^devsup-bench tiny-http pid (\d+)\n$/;

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isPortFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '::' }, () => server.close(() => resolve(true)));
  });
}

/** A run of `count` free ports below the ephemeral range. */
export async function freePorts(count) {
  for (let base = 20000 + Math.floor(Math.random() * 5000); base < 32000; base += count + 7) {
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isPortFree(base + i)));
    if (free.every(Boolean)) return Array.from({ length: count }, (_, i) => base + i);
  }
  throw new Error('no free ports');
}

/** The body of a GET / on 127.0.0.1:`port`, or undefined while nothing answers there with a 200. */
export function httpBody(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
      response.once('error', () => resolve(undefined));
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(undefined));
  });
}

/**
 * The pid of the tiny-http.mjs fixture answering on `port`, or undefined while none does. An HTTP
 * answer with the fixture's own reply, never a bare accepted connection: devsup holds each port's
 * probe socket until the child spawns, and that socket accepts but never answers.
 */
export async function answeringPid(port) {
  const match = TINY_REPLY.exec((await httpBody(port)) ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * Polls every port every 5 ms until the fixture answers on each. Resolves true then, false when
 * `timeoutMs` passes or `gaveUp` (a promise: the supervisor exited) settles first.
 */
export async function waitForAnswers(ports, { timeoutMs = 60_000, gaveUp } = {}) {
  let over = false;
  void gaveUp?.then(() => (over = true));
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ports);
  while (pending.size > 0) {
    if (over || Date.now() > deadline) return false;
    await Promise.all([...pending].map(async (port) => (await answeringPid(port)) !== undefined && pending.delete(port)));
    if (pending.size > 0) await sleep(5);
  }
  return true;
}

/** Writes `dir`/services.yaml naming `services` (key → fields, each written as JSON, which YAML reads). */
export function writeManifest(dir, services, extra = '') {
  const lines = ['project: bench', extra, 'services:'];
  for (const [key, spec] of Object.entries(services)) {
    lines.push(`  ${key}:`);
    for (const [field, value] of Object.entries(spec)) lines.push(`    ${field}: ${JSON.stringify(value)}`);
  }
  writeFileSync(path.join(dir, 'services.yaml'), lines.join('\n') + '\n');
}

let tempRoot;

/** A new folder for one measurement, inside this run's own temp folder (see `removeTempFolders`). */
export function tempFolder(prefix) {
  tempRoot ??= mkdtempSync(path.join(os.tmpdir(), 'devsup-bench-'));
  return mkdtempSync(path.join(tempRoot, `${prefix}-`));
}

/** Removes every folder `tempFolder` made: as the bench exits, so a run stopped midway leaves none. */
export function removeTempFolders() {
  if (tempRoot) rmSync(tempRoot, { recursive: true, force: true });
}

/** A temp folder with a services.yaml naming `services`. */
export function project(services, extra = '') {
  const dir = tempFolder('project');
  writeManifest(dir, services, extra);
  return dir;
}

export function startDevsup(args, cwd, stdout = 'ignore') {
  const child = spawnMarked([process.execPath, CLI, ...args], { cwd, stdio: ['ignore', stdout, 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stderrText = () => stderr;
  return child;
}

export function portsJson(cwd) {
  return new Promise((resolve, reject) => {
    const child = spawnMarked([process.execPath, CLI, 'ports', '--json'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    void child.exited.then((code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`ports --json exited ${code}`))));
  });
}

/** Polls `devsup ports --json` until every service has `status`; resolves with the report. */
export async function waitForStatus(cwd, status) {
  for (;;) {
    const report = await portsJson(cwd).catch(() => undefined);
    if (report?.services.every((service) => service.status === status)) return report;
    await sleep(20);
  }
}

/**
 * CPU time (ms: utime + stime of /proc/PID/stat, which counts every thread, in clock ticks) and
 * resident memory (MB) of a pid.
 */
export function usage(pid) {
  const stat = readProcStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone`);
  const rssKb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
  return { cpuMs: (stat.utimeTicks + stat.stimeTicks) * CLOCK_TICK_MS, rssMb: rssKb / 1024 };
}

/**
 * Runs npm with `args` in `cwd` (no audit, no funding notes, no lifecycle scripts); returns
 * its stdout, or throws with npm's own first error line.
 */
export function npm(args, cwd) {
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status === 0) return result.stdout;
  const said = result.stderr?.split('\n').find((line) => line.startsWith('npm error') && !line.includes('complete log'));
  throw new Error(`npm ${args[0]} failed: ${result.error?.message ?? said ?? `exit code ${result.status}`}`);
}

/** Wall time of `argv` from spawn to exit, in ms; a command that fails throws. */
export async function timeCommand(argv, cwd = ROOT) {
  const start = process.hrtime.bigint();
  const exit = await spawnMarked(argv, { cwd }).exited;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  // A command that failed did less than the row means to time.
  if (exit !== 0) throw new Error(`${argv.join(' ').slice(0, 200)} exited with ${exit}`);
  return elapsed;
}

/**
 * A helper process listening on every port in `ports` (one socket each), for benchmarks that need
 * many held ports; resolves once all listen. Its fd limit is raised with `ulimit -n` in a shell; where
 * the hard limit forbids that, the helper fails with EMFILE and says so.
 */
export async function holdPorts(ports) {
  const script = `const net = require('node:net'); const ports = JSON.parse(process.argv[1]); let pending = ports.length;
for (const port of ports) net.createServer().once('error', (e) => { console.log('error ' + port + ' ' + e.code); process.exit(1); })
  .listen({ port, host: '::' }, () => { if (--pending === 0) console.log('listening'); });`;
  const want = ports.length + 64;
  const child = spawnMarked(
    [
      'sh',
      '-c',
      `n=$(ulimit -n); [ "$n" = unlimited ] || [ "$n" -ge ${want} ] || ulimit -n ${want} 2>/dev/null; exec "$0" -e "$1" "$2"`,
      process.execPath,
      script,
      JSON.stringify(ports),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise((resolve) => {
    child.stdout.once('data', (data) => resolve(data.toString()));
    void child.exited.then((code) => resolve(`exited ${code}`));
  });
  if (!line.startsWith('listening')) throw new Error(`could not hold ${ports.length} ports: ${line.trim()}`);
  child.release = () => (child.kill('SIGKILL'), child.exited);
  return child;
}
