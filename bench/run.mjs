// `npm run bench`: devsup's speed and memory, each figure beside a baseline measured in the same run.
// Medians of BENCH_RUNS runs (default 5). Targets come from the issues; a miss is printed, not thrown.
import { spawn } from 'node:child_process';
import { openSync, closeSync, createReadStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { WATCH_DEBOUNCE_MS } from '../dist/supervisor/restart-on-change.js';
import { loadManifest } from '../dist/manifest/load-manifest.js';
import { allocatePorts } from '../dist/ports/allocate-ports.js';
import { inspectPort } from '../dist/ports/inspect-port.js';
import { releaseLeases, startLeasing } from '../dist/ports/port-lease.js';
import {
  CLI,
  FIXTURES,
  accepts,
  freePorts,
  holdPorts,
  liveTree,
  median,
  project,
  sleep,
  startDevsup,
  timeCommand,
  usage,
  waitForPorts,
  waitForStatus,
} from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const results = [];
const record = (name, value, unit, baseline, target) => {
  results.push({ name, value, unit, baseline, target });
  const ratio = baseline ? ` (${(value / baseline).toFixed(2)}× baseline ${baseline.toFixed(1)} ${unit})` : '';
  console.log(
    `${name}: ${value.toFixed(unit === '×' ? 2 : 1)} ${unit}${ratio}  target ${target.text} ${target.ok(value, baseline) ? 'OK' : 'MISSED'}`,
  );
};
const tiny = path.join(FIXTURES, 'tiny-http.mjs');

async function benchHelp() {
  const devsup = [],
    node = [];
  for (let i = 0; i < RUNS * 3; i++) {
    node.push(await timeCommand([process.execPath, '-e', '0']));
    devsup.push(await timeCommand([process.execPath, CLI, '--help']));
  }
  record('devsup --help (cold)', median(devsup), 'ms', median(node), { text: '≤ 1.3× node -e 0', ok: (v, b) => v <= 1.3 * b });
}

async function benchUpToReady(count) {
  const viaDevsup = [],
    direct = [];
  for (let run = 0; run < RUNS; run++) {
    const ports = await freePorts(count);
    // Baseline: the same processes spawned directly, their ports polled the same way.
    let start = performance.now();
    const children = ports.map((port) => spawn(process.execPath, [tiny], { stdio: 'ignore', env: { ...process.env, PORT: String(port) } }));
    await waitForPorts(ports);
    direct.push(performance.now() - start);
    await Promise.all(children.map((child) => new Promise((resolve) => (child.once('close', resolve), child.kill('SIGKILL')))));

    const dir = project(Object.fromEntries(ports.map((port, i) => [`s${i}`, { command: `node ${tiny}`, port }])));
    start = performance.now();
    const devsup = startDevsup(['up'], dir);
    await waitForPorts(ports);
    viaDevsup.push(performance.now() - start);
    devsup.kill('SIGINT');
    await devsup.exited;
    rmSync(dir, { recursive: true, force: true });
  }
  record(`up until ${count} ports accept`, median(viaDevsup), 'ms', median(direct), { text: '≤ 1.15× direct', ok: (v, b) => v <= 1.15 * b });
}

async function countLines(file, key) {
  const prefix = new RegExp(`^${key} +\\| line (\\d+) x+$`);
  let expected = 0,
    bad = 0,
    ansi = 0;
  for await (const line of readline.createInterface({ input: createReadStream(file) })) {
    if (line.includes('\x1b[')) ansi++;
    const match = prefix.exec(line) ?? /^line (\d+) x+$/.exec(line);
    if (!match) continue; // devsup's own lines (status, table)
    if (Number(match[1]) === expected) expected++;
    else bad++;
  }
  return { lines: expected, bad, ansi };
}

async function benchLogThroughput() {
  const LINES = 2_000_000;
  const printer = path.join(process.cwd(), 'test/fixtures/print-lines.mjs');
  const viaDevsup = [],
    direct = [];
  let lost = 0,
    split = 0,
    ansi = 0;
  for (let run = 0; run < Math.max(3, Math.ceil(RUNS / 2)); run++) {
    const dir = project({ flood: { command: `node ${printer} ${LINES} 100`, restart: 'never' } });
    const directFile = path.join(dir, 'direct.log');
    let fd = openSync(directFile, 'w');
    let start = performance.now();
    await new Promise((resolve) =>
      spawn(process.execPath, [printer, String(LINES), '100'], { stdio: ['ignore', fd, 'inherit'] }).once('close', resolve),
    );
    direct.push(performance.now() - start);
    closeSync(fd);

    const file = path.join(dir, 'devsup.log');
    fd = openSync(file, 'w');
    start = performance.now();
    const devsup = startDevsup(['up'], dir, fd);
    await devsup.exited;
    viaDevsup.push(performance.now() - start);
    closeSync(fd);
    const counted = await countLines(file, 'flood');
    lost += LINES - counted.lines;
    split += counted.bad;
    ansi += counted.ansi;
    rmSync(dir, { recursive: true, force: true });
  }
  const speed = median(direct) / median(viaDevsup);
  console.log(
    `  2,000,000 lines × 100 B: devsup ${median(viaDevsup).toFixed(0)} ms, direct ${median(direct).toFixed(0)} ms; lost ${lost}, split ${split}, ANSI ${ansi}`,
  );
  record('log pass-through speed vs direct', speed, '×', undefined, {
    text: '≥ 0.85× with 0 lost, 0 split',
    ok: (v) => v >= 0.85 && lost === 0 && split === 0,
  });
}

async function benchIdle() {
  const ports = await freePorts(10);
  const dir = project(Object.fromEntries(ports.map((port, i) => [`s${i}`, { command: `node ${tiny}`, port }])));
  const devsup = startDevsup(['up'], dir);
  await waitForStatus(dir, 'ready');
  await sleep(2000); // idle means after start-up: the table, state files and V8's first clean-ups are done
  const before = usage(devsup.pid);
  let peakRss = before.rssMb;
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    peakRss = Math.max(peakRss, usage(devsup.pid).rssMb);
  }
  const after = usage(devsup.pid);
  devsup.kill('SIGINT');
  await devsup.exited;
  rmSync(dir, { recursive: true, force: true });
  // Baseline: an idle `node` that has loaded nothing — the floor under any Node supervisor.
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(500);
  const bareRss = usage(bare.pid).rssMb;
  bare.kill('SIGKILL');
  record('RSS with 10 services (peak over 10 s idle)', peakRss, 'MB', bareRss, { text: '≤ 45 MB', ok: (v) => v <= 45 });
  record('CPU over 10 s idle with 10 services', after.cpuMs - before.cpuMs, 'ms', undefined, { text: '≤ 10 ms', ok: (v) => v <= 10 });
}

async function benchRestart() {
  const times = [];
  const [port] = await freePorts(1);
  const dir = project({ web: { command: `node ${tiny}`, port } });
  for (let run = 0; run < RUNS; run++) {
    // A fresh instance each time: only the first restart after a stable run is immediate.
    const devsup = startDevsup(['up'], dir);
    await waitForPorts([port]);
    const { services } = await waitForStatus(dir, 'ready');
    const start = performance.now();
    process.kill(services[0].pid, 'SIGKILL');
    while (await accepts(port)) await sleep(1); // the old listener is gone…
    while (!(await accepts(port))) await sleep(1); // …and the new one answers
    times.push(performance.now() - start);
    devsup.kill('SIGINT');
    await devsup.exited;
  }
  rmSync(dir, { recursive: true, force: true });
  // Baseline: the same server started directly, until its port accepts — the floor of any restart.
  const direct = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const child = spawn(process.execPath, [tiny], { stdio: 'ignore', env: { ...process.env, PORT: String(port) } });
    await waitForPorts([port]);
    direct.push(performance.now() - start);
    await new Promise((resolve) => (child.once('close', resolve), child.kill('SIGKILL')));
  }
  record('kill -9 → port accepting again', median(times), 'ms', median(direct), { text: '≤ 60 ms', ok: (v) => v <= 60 });
}

async function benchShutdown() {
  const times = [];
  let orphans = 0;
  for (let run = 0; run < RUNS; run++) {
    const ports = await freePorts(5);
    const dir = project(Object.fromEntries(ports.map((port, i) => [`t${i}`, { command: `node ${path.join(FIXTURES, 'tree-http.mjs')}`, port }])));
    const devsup = startDevsup(['up'], dir);
    await waitForPorts(ports);
    await waitForStatus(dir, 'ready');
    const tree = liveTree([devsup.pid]).filter((pid) => pid !== devsup.pid);
    const start = performance.now();
    devsup.kill('SIGINT');
    while (liveTree(tree).some((pid) => tree.includes(pid))) await sleep(1);
    times.push(performance.now() - start);
    await devsup.exited;
    orphans += liveTree(tree).filter((pid) => tree.includes(pid)).length;
    rmSync(dir, { recursive: true, force: true });
  }
  record('SIGINT → every child and grandchild gone (5 services)', median(times), 'ms', undefined, {
    text: '≤ 150 ms, no orphan',
    ok: (v) => v <= 150 && orphans === 0,
  });
}

async function benchIdleWatched() {
  const ports = await freePorts(10);
  const dir = project(
    Object.fromEntries(ports.map((port, i) => [`s${i}`, { command: `node ${tiny}`, port, ready: { http: '/' }, watch: [`src${i}`] }])),
  );
  for (let i = 0; i < 10; i++) mkdirSync(path.join(dir, `src${i}`));
  const devsup = startDevsup(['up'], dir);
  await waitForStatus(dir, 'ready');
  await sleep(2000);
  const before = usage(devsup.pid);
  await sleep(10_000);
  const after = usage(devsup.pid);
  devsup.kill('SIGINT');
  await devsup.exited;
  rmSync(dir, { recursive: true, force: true });
  record('CPU over 10 s idle, 10 services with http probes and watched folders', after.cpuMs - before.cpuMs, 'ms', undefined, {
    text: '≤ 100 ms',
    ok: (v) => v <= 100,
  });
}

/** The pid an http-server.mjs fixture answers with, or undefined while nothing answers. */
function answeringPid(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(Number(body)));
    });
    request.once('error', () => resolve(undefined));
  });
}

async function benchSaveToReady() {
  const server = path.join(process.cwd(), 'test/fixtures/http-server.mjs');
  const [port] = await freePorts(1);
  // Baseline: the service's own start, spawned directly, until it answers.
  const own = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const child = spawn(process.execPath, [server], { stdio: 'ignore', env: { ...process.env, PORT: String(port) } });
    while ((await answeringPid(port)) === undefined) await sleep(2);
    own.push(performance.now() - start);
    await new Promise((resolve) => (child.once('close', resolve), child.kill('SIGKILL')));
  }
  const dir = project({ web: { command: `node ${server}`, port, watch: ['src'] } });
  mkdirSync(path.join(dir, 'src'));
  const devsup = startDevsup(['up'], dir);
  await waitForStatus(dir, 'ready');
  await sleep(500); // the file watchers start once the stack is up
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const before = await answeringPid(port);
    const start = performance.now();
    writeFileSync(path.join(dir, 'src/app.js'), String(run));
    for (let pid = before; pid === before || pid === undefined; pid = await answeringPid(port)) await sleep(2);
    times.push(performance.now() - start);
    await sleep(300);
  }
  devsup.kill('SIGINT');
  await devsup.exited;
  rmSync(dir, { recursive: true, force: true });
  const beyond = median(times) - median(own) - WATCH_DEBOUNCE_MS;
  console.log(
    `  save → answering again: ${median(times).toFixed(0)} ms; the service's own start ${median(own).toFixed(0)} ms; debounce ${WATCH_DEBOUNCE_MS} ms`,
  );
  record('file save → restarted service answering, beyond its start and the debounce', beyond, 'ms', undefined, {
    text: '≤ 150 ms',
    ok: (v) => v <= 150,
  });
}

async function benchPortsJson() {
  const ports = await freePorts(3);
  const dir = project(Object.fromEntries(ports.map((port, i) => [`s${i}`, { command: `node ${tiny}`, port }])));
  const devsup = startDevsup(['up'], dir);
  await waitForStatus(dir, 'ready');
  // Alternated with the baseline, so both see the same load; whole commands, each a cold node.
  const viaSocket = [],
    node = [];
  for (let i = 0; i < RUNS * 3; i++) {
    node.push(await timeCommand([process.execPath, '-e', '0'], dir));
    viaSocket.push(await timeCommand([process.execPath, CLI, 'ports', '--json'], dir));
  }
  devsup.kill('SIGINT');
  await devsup.exited;
  rmSync(dir, { recursive: true, force: true });
  record('devsup ports --json round trip (cold, 3 services)', median(viaSocket), 'ms', median(node), {
    text: '≤ 1.5× node -e 0',
    ok: (v, b) => v <= 1.5 * b,
  });
}

/** One allocation of `manifest` as `devsup up` makes it (leases included), timed; everything is given back after. */
async function timeAllocation(manifest) {
  startLeasing();
  const start = performance.now();
  const allocations = await allocatePorts(manifest);
  const elapsed = performance.now() - start;
  releaseLeases();
  return { elapsed, allocations };
}

async function benchAllocateDisplaced() {
  // Overlapping ranges: 30 consecutive preferred ports and the 1,000 above each are one block of 1,030
  // listeners, so the helper needs ~1,100 fds rather than 30,030.
  const block = await freePorts(1030);
  const holder = await holdPorts(block);
  const tiny30 = (ports) => Object.fromEntries(ports.map((port, i) => [`s${i}`, { command: `node ${tiny}`, port }]));
  const displacedDir = project(tiny30(block.slice(0, 30)));
  const freeDir = project(tiny30(await freePorts(30)));
  const displaced = await loadManifest({ cwd: displacedDir });
  const free = await loadManifest({ cwd: freeDir });
  const times = [],
    baseline = [];
  for (let run = 0; run < RUNS; run++) {
    // Baseline: the same 30 services when every preferred port is free.
    baseline.push((await timeAllocation(free)).elapsed);
    const { elapsed, allocations } = await timeAllocation(displaced);
    const ports = new Set(allocations.map((allocation) => allocation.ports[0]?.port));
    if (ports.size !== 30 || [...ports].some((port) => port === undefined || (port >= block[0] && port <= block.at(-1)))) {
      throw new Error(`allocation went wrong: ${[...ports].join(' ')}`);
    }
    times.push(elapsed);
  }
  await holder.release();
  rmSync(displacedDir, { recursive: true, force: true });
  rmSync(freeDir, { recursive: true, force: true });
  console.log(
    `  ${block.length} listeners held by one helper (overlapping ranges: ports ${block[0]}-${block.at(-1)}, preferred ${block[0]}-${block[29]})`,
  );
  record('allocate 30 ports, the 1,000 above each preferred port held', median(times), 'ms', median(baseline), {
    text: '≤ 100 ms',
    ok: (v) => v <= 100,
  });
}

async function benchWho() {
  const block = await freePorts(1000);
  const holder = await holdPorts(block);
  const port = block.at(-1);
  const viaCli = [],
    node = [],
    inProcess = [];
  for (let i = 0; i < RUNS * 3; i++) {
    node.push(await timeCommand([process.execPath, '-e', '0']));
    viaCli.push(await timeCommand([process.execPath, CLI, 'who', String(port)]));
    const start = performance.now();
    const { holders } = await inspectPort(port);
    inProcess.push(performance.now() - start);
    if (holders[0]?.pid !== holder.pid) throw new Error(`devsup who named ${holders[0]?.pid}, not the helper ${holder.pid}`);
  }
  await holder.release();
  console.log(
    `  with 1,000 listening sockets: \`devsup who\` ${median(viaCli).toFixed(1)} ms end to end, \`node -e 0\` ${median(node).toFixed(1)} ms; the lookup alone ${median(inProcess).toFixed(1)} ms`,
  );
  record("devsup who with 1,000 open sockets, beyond node's own start", median(viaCli) - median(node), 'ms', undefined, {
    text: '≤ 50 ms',
    ok: (v) => v <= 50,
  });
}

const only = process.argv.slice(2);
const benches = {
  help: benchHelp,
  up10: () => benchUpToReady(10),
  up30: () => benchUpToReady(30),
  logs: benchLogThroughput,
  idle: benchIdle,
  restart: benchRestart,
  shutdown: benchShutdown,
  idleWatched: benchIdleWatched,
  save: benchSaveToReady,
  portsJson: benchPortsJson,
  allocate: benchAllocateDisplaced,
  who: benchWho,
};
console.log(`devsup benchmark — ${RUNS} runs each, medians; node ${process.version}, ${process.platform}, ${os.cpus().length} cores`);
for (const [name, bench] of Object.entries(benches)) if (only.length === 0 || only.includes(name)) await bench();
const missed = results.filter((result) => !result.target.ok(result.value, result.baseline));
console.log(missed.length === 0 ? 'every target met' : `targets missed: ${missed.map((result) => result.name).join('; ')}`);
