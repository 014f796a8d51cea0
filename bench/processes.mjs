// Every process the bench starts, and the means to end each one by pid however the run ends.
//
// Each spawn carries a mark in its environment (DEVSUP_BENCH_RUN=<bench pid>-<launch>), which every
// process it starts inherits: a supervisor's children, their grandchildren, devsup's watchdog. Ending
// a launch is a scan of /proc for its mark and a SIGKILL to each pid found, so a service that left
// its process group, or was orphaned when its supervisor died, is ended all the same.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { listPids } from '../dist/ports/proc-net.js';
import { readProcStat } from '../dist/ports/proc-stat.js';

const MARK = 'DEVSUP_BENCH_RUN';
const RUN_PREFIX = `${process.pid}-`;
let launches = 0;

/**
 * Spawns `argv` in a process group of its own (so a signal to the bench's group does not reach it,
 * and a group kill reaches all it started there), marked as a new launch. The child gets `exited`
 * (its exit code) and `mark` (for `killMarked`).
 */
export function spawnMarked(argv, { env, ...options } = {}) {
  const mark = `${RUN_PREFIX}${++launches}`;
  const child = spawn(argv[0], argv.slice(1), {
    stdio: 'ignore',
    ...options,
    detached: true,
    env: { ...process.env, NO_COLOR: '1', ...env, [MARK]: mark },
  });
  child.mark = mark;
  child.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  child.once('error', () => undefined); // a missing program shows as a close with no answer
  return child;
}

function markOf(pid) {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .find((variable) => variable.startsWith(`${MARK}=`));
    return entry?.slice(MARK.length + 1);
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** Live pids carrying `mark`, or any mark of this bench run when `mark` is omitted. */
export function markedPids(mark) {
  const wanted = (value) => value !== undefined && (mark === undefined ? value.startsWith(RUN_PREFIX) : value === mark);
  return listPids().filter((pid) => pid !== process.pid && wanted(markOf(pid)) && isLive(pid));
}

/** SIGKILLs every live process carrying `mark` (or any mark of this run), by pid; returns how many. */
export function killMarked(mark) {
  const pids = markedPids(mark);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}

/** Whether `pid` is a process that has not exited (a zombie has). */
function isLive(pid) {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** A pid with its start time, so a later check never mistakes a reused pid for it. */
export function identify(pid) {
  const stat = readProcStat(pid);
  return stat && { pid, startTicks: stat.startTicks };
}

export function stillRunning(identity) {
  const stat = readProcStat(identity.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTicks === identity.startTicks;
}

/** The words of `pid`'s command line; none once it is gone. */
export function commandWords(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Ends whatever the bench left running when it exits — a finished run, a thrown error, Ctrl-C or
 * SIGTERM alike — then runs `alsoOnExit` (synchronous, as everything in an 'exit' handler must be).
 */
export function endEverythingOnExit(alsoOnExit) {
  process.on('exit', () => {
    killMarked();
    alsoOnExit();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => process.exit(130));
}
