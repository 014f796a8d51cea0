// The rows that compare devsup with the tools users would pick instead, and with the same work done
// directly by the bench where that is meaningful. Every run starts each tool afresh, on ports found
// free for it, and visits the tools in a rotated order so none always runs first on a quiet machine.
import { closeSync, createReadStream, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import {
  CLOCK_TICK_MS,
  FIXTURES,
  ROOT,
  TINY_HTTP,
  TREE_HTTP,
  answeringPid,
  freePorts,
  median,
  sleep,
  tempFolder,
  usage,
  waitForAnswers,
} from './lib.mjs';
import { commandWords, identify, spawnMarked, stillRunning } from './processes.mjs';
import { launch, launchDirect } from './tools.mjs';

const DIRECT = { id: 'direct' };
/** bench/fixtures/least-supervisor.mjs, launched as the tools are: the floor under any Node.js supervisor. */
const LEAST_NODE = {
  id: 'least-node',
  label: 'the least Node.js supervisor',
  prepare: (_dir, services) => [
    process.execPath,
    path.join(FIXTURES, 'least-supervisor.mjs'),
    JSON.stringify(services.map(({ name, argv, port }) => ({ name, argv, port }))),
  ],
};

/** What the least Node.js supervisor took, for a row's note. */
function floorNote(leastNode, direct) {
  const floor = figureOf(leastNode);
  return floor.value === null
    ? `the least Node.js supervisor: ${floor.text}`
    : `the least Node.js supervisor (bench/fixtures/least-supervisor.mjs: spawn, prefix, write) took ${floor.value.toFixed(0)} ms, ${(floor.value / direct.value).toFixed(2)}× direct's time`;
}
const UP_TIMEOUT_MS = 30_000;
const RESTART_WAIT_MS = 5000;
// Longer than Ruby foreman's own 5 s grace before it SIGKILLs its process group.
const SHUTDOWN_WAIT_MS = 6000;
const AFTER_SIGKILL_MS = 2000;
const LOG_LINES = 2_000_000;
const LOG_WIDTH = 100;
// Ruby foreman takes 100-150 s for the 2,000,000 lines here; the bound only stops a hung run.
const LOG_TIMEOUT_MS = 300_000;
const PRINTER = path.join(ROOT, 'test/fixtures/print-lines.mjs');

const tinyServices = (ports) => ports.map((port, i) => ({ name: `s${i}`, argv: [process.execPath, TINY_HTTP], port }));
const treeServices = (ports) => ports.map((port, i) => ({ name: `t${i}`, argv: [process.execPath, TREE_HTTP], port }));

/** `measure(contender, run)` for each run and contender; outcomes by contender id, in run order. */
async function eachRun(runs, contenders, measure) {
  const outcomes = Object.fromEntries(contenders.map((contender) => [contender.id, []]));
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + run) % contenders.length];
      outcomes[contender.id].push(await measure(contender, run));
    }
  }
  return outcomes;
}

/**
 * One figure from a contender's outcomes: the median of `valueOf` when every run gave one, else
 * the worst failure's text (an outcome with `failed`; `worse` ranks failures) and in how many runs.
 */
function figureOf(outcomes, valueOf = (outcome) => outcome.ms) {
  const failures = outcomes.filter((outcome) => outcome.failed !== undefined);
  if (failures.length > 0) {
    const worst = failures.reduce((a, b) => ((b.worse ?? 0) > (a.worse ?? 0) ? b : a));
    const share = failures.length < outcomes.length ? ` (${failures.length} of ${outcomes.length} runs)` : '';
    return { value: null, text: `${worst.failed}${share}`, runs: outcomes.map((outcome) => outcome.failed ?? valueOf(outcome)) };
  }
  const values = outcomes.map(valueOf);
  return { value: median(values), runs: values };
}

/** Figures for the tools (by id) from outcomes, with `direct` apart. */
function figuresOf(outcomes, valueOf) {
  const { direct, ...tools } = outcomes;
  return {
    figures: Object.fromEntries(Object.entries(tools).map(([id, list]) => [id, figureOf(list, valueOf)])),
    direct: direct && figureOf(direct, valueOf),
  };
}

/** Why a launch is not answering: it exited (with the last line it wrote to stderr), or time ran out. */
function notAnswering(running, timeoutMs) {
  if (!running.hasExited()) return `not answering after ${timeoutMs / 1000} s`;
  const said = running.stderrText().trim().split('\n').at(-1);
  return `exited before answering${said ? `: ${said.slice(0, 120)}` : ''}`;
}

/** Runs `body(running)` on a fresh launch of `tool` once all `ports` answer; the launch is closed however it ends. */
async function whileUp(tool, services, body, options = {}) {
  const start = performance.now();
  const running = launch(tool, services, options);
  try {
    const ports = services.map((service) => service.port);
    if (!(await waitForAnswers(ports, { timeoutMs: UP_TIMEOUT_MS, gaveUp: running.exited }))) {
      return { failed: notAnswering(running, UP_TIMEOUT_MS) };
    }
    return await body(running, performance.now() - start);
  } finally {
    await running.close();
  }
}

/** The time until `services`, spawned by the bench itself, all answer. */
async function directUntilAnswering(services) {
  const start = performance.now();
  const direct = launchDirect(services);
  try {
    const up = await waitForAnswers(
      services.map((service) => service.port),
      { timeoutMs: UP_TIMEOUT_MS },
    );
    return up ? { ms: performance.now() - start } : { failed: `not answering after ${UP_TIMEOUT_MS / 1000} s` };
  } finally {
    await direct.close();
  }
}

/** The node processes running the bench's fixtures in a launch (its services and their children). */
const fixtureProcesses = (running) =>
  running.processes().filter((pid) => {
    const [program, script] = commandWords(pid);
    return program === process.execPath && script?.startsWith(`${FIXTURES}/`);
  });

export async function upUntilAnswering(report, tools, runs, count) {
  const { [LEAST_NODE.id]: leastNode, ...outcomes } = await eachRun(runs, [DIRECT, LEAST_NODE, ...tools], async (contender) => {
    const services = tinyServices(await freePorts(count));
    return contender === DIRECT ? directUntilAnswering(services) : whileUp(contender, services, (_running, ms) => ({ ms }));
  });
  const { figures, direct } = figuresOf(outcomes);
  report.compare({
    id: `up${count}`,
    title: `up until ${count} services answer HTTP (direct: the bench spawns the ${count} servers itself)`,
    note: floorNote(leastNode, direct),
    unit: 'ms',
    figures,
    direct,
    target: {
      text: '≤ 1.2× direct, faster than the best peer',
      ok: (devsup, direct, _figures, best) =>
        devsup.value !== null && devsup.value <= 1.2 * direct.value && (best?.value == null || devsup.value < best.value),
    },
  });
}

// A whole line of print-lines.mjs, after whatever prefix the tool adds; and the head of a line cut
// anywhere (`l`, `lin`, `line 12`, `line 12 xx`), after the prefix's separator.
const WHOLE_LINE = /line (\d+) x+$/;
const CUT_LINE = /(?:^|[\s|\]])l(?:i(?:n(?:e(?: \d*(?: x*)?)?)?)?)?$/;

/**
 * Counts a log file's lines of print-lines.mjs: `intact` (each number's whole `line N xxx…` of
 * LOG_WIDTH bytes), `split` (lines cut in pieces: each piece that begins one is counted once),
 * `ansi` (lines with colour codes, stripped before matching). The tools' own lines are not counted.
 */
async function countLogLines(file) {
  const seen = new Uint8Array(LOG_LINES);
  let intact = 0,
    split = 0,
    ansi = 0;
  for await (const raw of readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    // eslint-disable-next-line no-control-regex -- colour codes start with ESC
    const line = raw.includes('\x1b[') ? (ansi++, raw.replace(/\x1b\[[0-9;]*m/g, '')) : raw;
    const whole = WHOLE_LINE.exec(line);
    const number = Number(whole?.[1]);
    if (whole && whole[0].length === LOG_WIDTH - 1 && number < LOG_LINES) {
      if (!seen[number]) ((seen[number] = 1), intact++);
    } else if (CUT_LINE.test(line)) split++;
  }
  return { intact, split, ansi };
}

export async function logThroughput(report, tools, runs) {
  const { [LEAST_NODE.id]: leastNode, ...outcomes } = await eachRun(
    Math.max(3, Math.ceil(runs / 2)),
    [DIRECT, LEAST_NODE, ...tools],
    async (contender) => {
      const dir = tempFolder('log');
      const file = path.join(dir, 'out.log');
      const argv = [process.execPath, PRINTER, String(LOG_LINES), String(LOG_WIDTH)];
      const fd = openSync(file, 'w');
      const start = performance.now();
      let running;
      try {
        // The child writes through its own copy of the descriptor.
        const service = { name: 'flood', argv, once: true };
        running = contender === DIRECT ? launchDirect([service], { stdout: fd }) : launch(contender, [service], { stdout: fd });
      } finally {
        closeSync(fd);
      }
      try {
        const done = await Promise.race([running.exited.then(() => true), sleep(LOG_TIMEOUT_MS).then(() => false)]);
        const ms = performance.now() - start;
        if (!done) return { failed: `not finished after ${LOG_TIMEOUT_MS / 1000} s` };
        const { intact, split, ansi } = await countLogLines(file);
        return { ms, lost: Math.max(0, LOG_LINES - intact - split), split, ansi };
      } finally {
        await running.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
  const { figures, direct } = figuresOf(outcomes);
  for (const [id, list] of Object.entries(outcomes)) {
    const figure = id === 'direct' ? direct : figures[id];
    const finished = list.filter((outcome) => outcome.failed === undefined);
    const total = (key) => finished.reduce((sum, outcome) => sum + outcome[key], 0);
    Object.assign(figure, { lost: total('lost'), split: total('split'), ansi: total('ansi') });
    figure.detail = `lost ${figure.lost}, split ${figure.split}${figure.ansi ? `, ${figure.ansi} with colour codes` : ''} over ${finished.length} finished runs`;
  }
  report.compare({
    id: 'logs',
    title: `${LOG_LINES.toLocaleString('en')} lines of ${LOG_WIDTH} B through each tool to a file, until it exits`,
    note: floorNote(leastNode, direct),
    unit: 'ms',
    figures,
    direct,
    target: {
      text: '≥ 0.9× direct speed (≤ 1.11× its time), 0 lost, 0 split',
      ok: (devsup, baseline) => devsup.value !== null && devsup.value <= baseline.value / 0.9 && devsup.lost === 0 && devsup.split === 0,
    },
  });
}

/** devsup's watchdog (an `sh` whose command names it), or undefined. */
const watchdogOf = (running) => running.processes().find((pid) => commandWords(pid).includes('devsup-watchdog'));

export async function idleCost(report, tools, runs) {
  const outcomes = await eachRun(runs, [DIRECT, ...tools], async (contender) => {
    if (contender === DIRECT) {
      // An idle `node` that has loaded nothing: the floor under any Node supervisor's memory.
      const bare = spawnMarked([process.execPath, '-e', 'setInterval(() => {}, 1000)']);
      try {
        await sleep(500);
        return { rssMb: usage(bare.pid).rssMb };
      } finally {
        bare.kill('SIGKILL');
        await bare.exited;
      }
    }
    return whileUp(contender, tinyServices(await freePorts(10)), async (running) => {
      await sleep(2000); // idle means after start-up: tables, state files and the runtime's first clean-ups are done
      const before = usage(running.pid);
      const start = performance.now();
      let peak = before.rssMb;
      while (performance.now() - start < 10_000) {
        await sleep(500);
        if (running.hasExited()) return { failed: 'exited while idle' };
        peak = Math.max(peak, usage(running.pid).rssMb);
      }
      const cpuMs = ((usage(running.pid).cpuMs - before.cpuMs) * 10_000) / (performance.now() - start);
      const watchdog = watchdogOf(running);
      return { rssMb: peak, cpuMs, watchdogRssMb: watchdog && usage(watchdog).rssMb };
    });
  });
  const rss = figuresOf(outcomes, (outcome) => outcome.rssMb);
  const watchdogRss = outcomes.devsup.map((outcome) => outcome.watchdogRssMb).filter((value) => value !== undefined);
  if (watchdogRss.length > 0) rss.figures.devsup.detail = `its watchdog sh ${median(watchdogRss).toFixed(1)} MB more`;
  report.compare({
    id: 'idleRss',
    title: 'RSS of the supervisor process with 10 services, peak over 10 s idle (direct: a bare idle node)',
    unit: 'MB',
    ...rss,
    target: {
      text: '≤ 50 MB, below concurrently',
      ok: (devsup, _direct, figures) =>
        devsup.value !== null && devsup.value <= 50 && (figures.concurrently?.value == null || devsup.value < figures.concurrently.value),
    },
  });
  const toolOutcomes = Object.fromEntries(Object.entries(outcomes).filter(([id]) => id !== 'direct')); // a bare node has no CPU row
  report.compare({
    id: 'idleCpu',
    title: 'CPU of the supervisor process per 10 s idle with 10 services (utime + stime, all threads)',
    note: `/proc/PID/stat counts whole clock ticks of ${CLOCK_TICK_MS} ms: 0 is less than one tick`,
    unit: 'ms',
    decimals: 0,
    ...figuresOf(toolOutcomes, (outcome) => outcome.cpuMs),
    target: { text: '≤ 10 ms', ok: (devsup) => devsup.value !== null && devsup.value <= 10 },
  });
}

export async function restartAfterKill(report, tools, runs) {
  const outcomes = await eachRun(runs, [DIRECT, ...tools], async (contender) => {
    const services = tinyServices(await freePorts(1));
    const [port] = services.map((service) => service.port);
    // Direct: the same server started by the bench, until it answers: the floor of any restart.
    if (contender === DIRECT) return directUntilAnswering(services);
    // A fresh instance each run: only the first restart after a stable run is immediate.
    return whileUp(
      contender,
      services,
      async () => {
        const old = await answeringPid(port);
        if (old === undefined) return { failed: 'stopped answering before the kill' };
        const start = performance.now();
        process.kill(old, 'SIGKILL');
        while (performance.now() - start < RESTART_WAIT_MS) {
          const pid = await answeringPid(port);
          if (pid !== undefined && pid !== old) return { ms: performance.now() - start };
          await sleep(1);
        }
        return { failed: `never (nothing answered within ${RESTART_WAIT_MS / 1000} s)` };
      },
      { restart: true },
    );
  });
  report.compare({
    id: 'restart',
    title: 'kill -9 of a service → it answers HTTP again (direct: the server started by the bench; concurrently with --restart-tries -1)',
    unit: 'ms',
    ...figuresOf(outcomes),
    target: {
      text: 'no slower than concurrently',
      ok: (devsup, _direct, figures) => devsup.value !== null && (figures.concurrently?.value == null || devsup.value <= figures.concurrently.value),
    },
  });
}

/** Starts `tool` on 10 services that each have a child, and hands `body` the 20 processes' identities. */
async function withTwentyProcesses(tool, body) {
  return whileUp(tool, treeServices(await freePorts(10)), async (running) => {
    const processes = fixtureProcesses(running).map(identify).filter(Boolean);
    if (processes.length !== 20) return { failed: `found ${processes.length} service processes, not 20` };
    return body(running, processes);
  });
}

export async function stopOnSigint(report, tools, runs) {
  const outcomes = await eachRun(runs, tools, (tool) =>
    withTwentyProcesses(tool, async (running, processes) => {
      const start = performance.now();
      running.signal('SIGINT');
      for (;;) {
        const left = processes.filter(stillRunning).length;
        if (left === 0) return { ms: performance.now() - start };
        if (performance.now() - start > SHUTDOWN_WAIT_MS) {
          const failed = running.hasExited()
            ? `orphans: ${left} of 20 left running by the exited supervisor`
            : `${left} of 20 still running after ${SHUTDOWN_WAIT_MS / 1000} s, the supervisor too`;
          return { failed, worse: left };
        }
        await sleep(2);
      }
    }),
  );
  report.compare({
    id: 'sigint',
    title: 'SIGINT to the supervisor → all 20 processes gone (10 services, each with a child)',
    note: "the signal goes to the supervisor's pid alone, as `kill -INT` sends it; a terminal's Ctrl-C also reaches every process still in the foreground process group",
    unit: 'ms',
    ...figuresOf(outcomes),
    target: { text: '≤ 150 ms, no orphan', ok: (devsup) => devsup.value !== null && devsup.value <= 150 },
  });
}

export async function survivorsOfSigkill(report, tools, runs) {
  const outcomes = await eachRun(runs, tools, (tool) =>
    withTwentyProcesses(tool, async (running, processes) => {
      running.signal('SIGKILL');
      await sleep(AFTER_SIGKILL_MS);
      return { alive: processes.filter(stillRunning).length };
    }),
  );
  report.compare({
    id: 'sigkill',
    title: `SIGKILL of the supervisor → processes of the 20 still alive ${AFTER_SIGKILL_MS / 1000} s later`,
    unit: 'of 20 alive',
    decimals: 0,
    ratios: false,
    ...figuresOf(outcomes, (outcome) => outcome.alive),
  });
}
