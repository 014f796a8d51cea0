// Helpers for bench/run.mjs: projects in temp folders, port polling, process accounting.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The build's own readers of /proc, so the bench counts processes exactly as devsup does.
import { listPids } from '../dist/ports/proc-net.js';
import { readProcStat } from '../dist/ports/proc-stat.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = path.join(ROOT, 'dist/bin/devsup.js');
export const FIXTURES = path.join(ROOT, 'bench/fixtures');
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function isPortFree(port) {
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

/**
 * Whether the service answers on `port`: an HTTP answer, not just an accepted connection — devsup
 * holds each port's probe socket until the child spawns, and that socket accepts but never answers.
 */
export function accepts(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

/** Polls every port every 5 ms until all accept; resolves with the time it took. */
export async function waitForPorts(ports, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ports);
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`ports never accepted: ${[...pending].join(', ')}`);
    await Promise.all([...pending].map(async (port) => (await accepts(port)) && pending.delete(port)));
    if (pending.size > 0) await sleep(5);
  }
}

export function project(services, extra = '') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-bench-'));
  const lines = ['project: bench', extra, 'services:'];
  for (const [key, spec] of Object.entries(services)) {
    lines.push(`  ${key}:`);
    for (const [field, value] of Object.entries(spec)) lines.push(`    ${field}: ${JSON.stringify(value)}`);
  }
  writeFileSync(path.join(dir, 'services.yaml'), lines.join('\n') + '\n');
  return dir;
}

export function startDevsup(args, cwd, stdout = 'ignore') {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  child.stderrText = () => stderr;
  return child;
}

export function portsJson(cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'ports', '--json'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`ports --json exited ${code}`))));
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

/** Pids of live (non-zombie) processes whose parent is in `roots`, transitively, plus the roots. */
export function liveTree(roots) {
  const table = [];
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (stat) table.push(stat);
  }
  const tree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const entry of table) if (!tree.has(entry.pid) && (tree.has(entry.ppid) || roots.includes(entry.pgid))) (tree.add(entry.pid), (grew = true));
  }
  return table.filter((entry) => tree.has(entry.pid) && entry.state !== 'Z').map((entry) => entry.pid);
}

/** CPU time (ms, from the scheduler's nanosecond count where there is one) and resident memory (MB) of a pid. */
export function usage(pid) {
  let cpuMs;
  try {
    cpuMs = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const stat = readProcStat(pid);
    cpuMs = ((stat.utimeTicks + stat.stimeTicks) * 1000) / CLOCK_TICKS;
  }
  const rssKb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
  return { cpuMs, rssMb: rssKb / 1024 };
}

export function timeCommand(argv, cwd = ROOT) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: 'ignore' });
    child.once('close', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
  });
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
  const child = spawn(
    'sh',
    [
      '-c',
      `n=$(ulimit -n); [ "$n" = unlimited ] || [ "$n" -ge ${want} ] || ulimit -n ${want} 2>/dev/null; exec "$0" -e "$1" "$2"`,
      process.execPath,
      script,
      JSON.stringify(ports),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise((resolve) => {
    child.stdout.once('data', (data) => resolve(data.toString()));
    child.once('exit', (code) => resolve(`exited ${code}`));
  });
  if (!line.startsWith('listening')) throw new Error(`could not hold ${ports.length} ports: ${line.trim()}`);
  child.release = () => new Promise((resolve) => (child.once('close', resolve), child.kill('SIGKILL')));
  return child;
}
