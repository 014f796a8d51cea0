// The rows that measure what only devsup does (its CLI, file watching, port allocation, `who`),
// each beside a baseline measured in the same run.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WATCH_DEBOUNCE_MS } from '../dist/supervisor/restart-on-change.js';
import { loadManifest } from '../dist/manifest/load-manifest.js';
import { allocatePorts } from '../dist/ports/allocate-ports.js';
import { inspectPort } from '../dist/ports/inspect-port.js';
import { releaseLeases, startLeasing } from '../dist/ports/port-lease.js';
import {
  CLI,
  ROOT,
  TINY_HTTP,
  freePorts,
  holdPorts,
  httpBody,
  median,
  project,
  sleep,
  startDevsup,
  tempFolder,
  timeCommand,
  usage,
  waitForStatus,
} from './lib.mjs';
import { launchDirect } from './tools.mjs';

const tinyProject = (ports, fields = () => ({})) =>
  project(Object.fromEntries(ports.map((port, i) => [`s${i}`, { command: `node ${TINY_HTTP}`, port, ...fields(i) }])));

/** Stops a `devsup up` started by the bench and removes its project folder. */
async function stopDevsup(devsup, dir) {
  devsup.kill('SIGINT');
  await devsup.exited;
  rmSync(dir, { recursive: true, force: true });
}

export async function helpStart(report, runs) {
  const devsup = [],
    node = [];
  for (let i = 0; i < runs * 3; i++) {
    node.push(await timeCommand([process.execPath, '-e', '0']));
    devsup.push(await timeCommand([process.execPath, CLI, '--help']));
  }
  report.single({
    id: 'help',
    title: 'devsup --help (cold)',
    value: median(devsup),
    unit: 'ms',
    baseline: median(node),
    target: { text: '≤ 1.3× node -e 0', ok: (v, b) => v <= 1.3 * b },
  });
}

/** What a Tab costs: `devsup __complete services` (the completion scripts run it) in a project of 50 services. */
export async function completeServices(report, runs) {
  const dir = project(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`service-${i}`, { command: `node ${TINY_HTTP}` }])));
  const devsup = [],
    node = [];
  try {
    for (let i = 0; i < runs * 3; i++) {
      node.push(await timeCommand([process.execPath, '-e', '0'], dir));
      devsup.push(await timeCommand([process.execPath, CLI, '__complete', 'services'], dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report.single({
    id: 'complete',
    title: 'a Tab: devsup __complete services, 50 services',
    value: median(devsup),
    unit: 'ms',
    baseline: median(node),
    target: { text: '≤ 100 ms', ok: (v) => v <= 100 },
  });
}

export async function idleWatched(report) {
  const dir = tinyProject(await freePorts(10), (i) => ({ ready: { http: '/' }, watch: [`src${i}`] }));
  for (let i = 0; i < 10; i++) mkdirSync(path.join(dir, `src${i}`));
  const devsup = startDevsup(['up'], dir);
  try {
    await waitForStatus(dir, 'ready');
    await sleep(2000);
    const before = usage(devsup.pid);
    await sleep(10_000);
    const after = usage(devsup.pid);
    report.single({
      id: 'idleWatched',
      title: 'CPU over 10 s idle, 10 services with http probes and watched folders',
      value: after.cpuMs - before.cpuMs,
      unit: 'ms',
      target: { text: '≤ 100 ms', ok: (v) => v <= 100 },
    });
  } finally {
    await stopDevsup(devsup, dir);
  }
}

/** The pid an http-server.mjs fixture answers with, or undefined while nothing answers. */
async function serverPid(port) {
  const body = await httpBody(port);
  return body === undefined ? undefined : Number(body);
}

export async function saveToReady(report, runs) {
  const server = path.join(ROOT, 'test/fixtures/http-server.mjs');
  const [port] = await freePorts(1);
  // Baseline: the service's own start, spawned directly, until it answers.
  const own = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const direct = launchDirect([{ argv: [process.execPath, server], port }]);
    try {
      while ((await serverPid(port)) === undefined) await sleep(2);
      own.push(performance.now() - start);
    } finally {
      await direct.close();
    }
  }
  const dir = project({ web: { command: `node ${server}`, port, watch: ['src'] } });
  mkdirSync(path.join(dir, 'src'));
  const devsup = startDevsup(['up'], dir);
  try {
    await waitForStatus(dir, 'ready');
    await sleep(500); // the file watchers start once the stack is up
    const times = [];
    for (let run = 0; run < runs; run++) {
      const before = await serverPid(port);
      const start = performance.now();
      writeFileSync(path.join(dir, 'src/app.js'), String(run));
      for (let pid = before; pid === before || pid === undefined; pid = await serverPid(port)) await sleep(2);
      times.push(performance.now() - start);
      await sleep(300);
    }
    const beyond = median(times) - median(own) - WATCH_DEBOUNCE_MS;
    console.log(
      `\n  save → answering again: ${median(times).toFixed(0)} ms; the service's own start ${median(own).toFixed(0)} ms; debounce ${WATCH_DEBOUNCE_MS} ms`,
    );
    report.single({
      id: 'save',
      title: 'file save → restarted service answering, beyond its start and the debounce',
      value: beyond,
      unit: 'ms',
      target: { text: '≤ 150 ms', ok: (v) => v <= 150 },
    });
  } finally {
    await stopDevsup(devsup, dir);
  }
}

/** About 5 MB of services.yaml in one of two shapes: one service with ~100,000 env keys, or 2,000 services of 70 keys. */
function largeManifest(shape) {
  const lines = ['services:'];
  if (shape === 'keys') {
    lines.push('  web:', '    command: node server.js', '    port: 3000', '    env:');
    for (let i = 0; i < 106_000; i++) lines.push(`      KEY_${i}: value-number-${i}-xxxxxxxxxx`);
  } else {
    for (let s = 0; s < 2000; s++) {
      lines.push(`  svc${s}:`, `    command: node server.js --name svc${s}`, `    port: ${10000 + s}`, '    env:');
      for (let k = 0; k < 70; k++) lines.push(`      VAR_${k}: "value ${s}-${k} lorem"`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function checkLargeManifest(report, runs) {
  // Baselines: a cold node, and a cold node reading the same file with the yaml library alone (its
  // duplicate-key check off: on, it is quadratic in a map's keys).
  const bareParse = `import { readFileSync } from 'node:fs'; import { parseDocument } from 'yaml';
    parseDocument(readFileSync(process.argv[1], 'utf8'), { uniqueKeys: false });`;
  for (const [shape, title] of [
    ['keys', 'one service with 106,000 env keys'],
    ['services', '2,000 services of 70 env keys'],
  ]) {
    const dir = tempFolder('large');
    const file = path.join(dir, 'services.yaml');
    const text = largeManifest(shape);
    writeFileSync(file, text);
    const devsup = [],
      parse = [],
      node = [];
    // 5 MB of environment in one service is over what Linux starts a process with under the usual 8 MiB
    // stack (devsup refuses it at load); with no stack limit the kernel allows 6 MiB, so the check passes.
    // Every command of the row runs the same way, so the shell's share is in the baselines too.
    const unlimitedStack = (argv) => (shape === 'keys' ? ['/bin/sh', '-c', 'ulimit -s unlimited && exec "$@"', 'sh', ...argv] : argv);
    for (let run = 0; run < runs; run++) {
      node.push(await timeCommand(unlimitedStack([process.execPath, '-e', '0']), dir));
      parse.push(await timeCommand(unlimitedStack([process.execPath, '--input-type=module', '-e', bareParse, file]), ROOT));
      devsup.push(await timeCommand(unlimitedStack([process.execPath, CLI, 'check', '-f', file]), dir));
    }
    const megabytes = (Buffer.byteLength(text) / 1e6).toFixed(1);
    console.log(
      `\n  ${megabytes} MB; node -e 0: ${median(node).toFixed(0)} ms; the yaml library's parse alone, cold: ${median(parse).toFixed(0)} ms`,
    );
    report.single({
      id: `check5mb-${shape}`,
      title: `devsup check, 5 MB manifest: ${title} (cold; baseline: the yaml library's parse alone)`,
      value: median(devsup),
      unit: 'ms',
      baseline: median(parse),
      target: { text: 'well under a second (≤ 500 ms)', ok: (v) => v <= 500 },
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function portsJsonRoundTrip(report, runs) {
  const dir = tinyProject(await freePorts(3));
  const devsup = startDevsup(['up'], dir);
  try {
    await waitForStatus(dir, 'ready');
    // Alternated with the baseline, so both see the same load; whole commands, each a cold node.
    const viaSocket = [],
      node = [];
    for (let i = 0; i < runs * 3; i++) {
      node.push(await timeCommand([process.execPath, '-e', '0'], dir));
      viaSocket.push(await timeCommand([process.execPath, CLI, 'ports', '--json'], dir));
    }
    report.single({
      id: 'portsJson',
      title: 'devsup ports --json round trip (cold, 3 services)',
      value: median(viaSocket),
      unit: 'ms',
      baseline: median(node),
      target: { text: '≤ 1.5× node -e 0', ok: (v, b) => v <= 1.5 * b },
    });
  } finally {
    await stopDevsup(devsup, dir);
  }
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

export async function allocateDisplaced(report, runs) {
  // Overlapping ranges: 30 consecutive preferred ports and the 1,000 above each are one block of 1,030
  // listeners, so the helper needs ~1,100 fds rather than 30,030.
  const block = await freePorts(1030);
  const holder = await holdPorts(block);
  const displacedDir = tinyProject(block.slice(0, 30));
  const freeDir = tinyProject(await freePorts(30));
  try {
    const displaced = await loadManifest({ cwd: displacedDir });
    const free = await loadManifest({ cwd: freeDir });
    const times = [],
      baseline = [];
    for (let run = 0; run < runs; run++) {
      // Baseline: the same 30 services when every preferred port is free.
      baseline.push((await timeAllocation(free)).elapsed);
      const { elapsed, allocations } = await timeAllocation(displaced);
      const ports = new Set(allocations.map((allocation) => allocation.ports[0]?.port));
      if (ports.size !== 30 || [...ports].some((port) => port === undefined || (port >= block[0] && port <= block.at(-1)))) {
        throw new Error(`allocation went wrong: ${[...ports].join(' ')}`);
      }
      times.push(elapsed);
    }
    console.log(
      `\n  ${block.length} listeners held by one helper (overlapping ranges: ports ${block[0]}-${block.at(-1)}, preferred ${block[0]}-${block[29]})`,
    );
    report.single({
      id: 'allocate',
      title: 'allocate 30 ports, the 1,000 above each preferred port held',
      value: median(times),
      unit: 'ms',
      baseline: median(baseline),
      target: { text: '≤ 100 ms', ok: (v) => v <= 100 },
    });
  } finally {
    await holder.release();
    rmSync(displacedDir, { recursive: true, force: true });
    rmSync(freeDir, { recursive: true, force: true });
  }
}

export async function whoWithManySockets(report, runs) {
  const block = await freePorts(1000);
  const holder = await holdPorts(block);
  try {
    const port = block.at(-1);
    const viaCli = [],
      node = [],
      inProcess = [];
    for (let i = 0; i < runs * 3; i++) {
      node.push(await timeCommand([process.execPath, '-e', '0']));
      viaCli.push(await timeCommand([process.execPath, CLI, 'who', String(port)]));
      const start = performance.now();
      const { holders } = await inspectPort(port);
      inProcess.push(performance.now() - start);
      if (holders[0]?.pid !== holder.pid) throw new Error(`devsup who named ${holders[0]?.pid}, not the helper ${holder.pid}`);
    }
    console.log(
      `\n  with 1,000 listening sockets: \`devsup who\` ${median(viaCli).toFixed(1)} ms end to end, \`node -e 0\` ${median(node).toFixed(1)} ms; the lookup alone ${median(inProcess).toFixed(1)} ms`,
    );
    report.single({
      id: 'who',
      title: "devsup who with 1,000 open sockets, beyond node's own start",
      value: median(viaCli) - median(node),
      unit: 'ms',
      target: { text: '≤ 50 ms', ok: (v) => v <= 50 },
    });
  } finally {
    await holder.release();
  }
}
