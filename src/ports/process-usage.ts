import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { listPids } from './proc-net.js';
import { readProcStat } from './proc-stat.js';
import { collectTree, type ProcessEntry } from './process-tree.js';
import { readToolOutput } from './run-tool.js';

/** What a service's whole process tree uses: CPU in % of one core (200 = two cores busy), resident memory. */
export interface TreeUsage {
  cpuPercent: number;
  rssBytes: number;
}

/** One process as sampled: its tree links, the CPU time it has used so far, and its memory now. */
export interface UsageEntry extends ProcessEntry {
  /** pid and start time (or pid alone where the start time is unknown): a reused pid is another process. */
  identity: string;
  cpuMs: number;
  /** Read only for the processes of a tree (a file per process on Linux); undefined until then. */
  rssBytes?: number;
}

/** Linux reports CPU time in USER_HZ ticks, 100 a second on every architecture it runs on. */
const MS_PER_TICK = 10;
/** A first request waits this long between two readings: CPU use is a difference over time. */
const BASELINE_MS = 250;
/** An earlier reading older than this is too stale to measure from: a fresh baseline is taken. */
const STALE_MS = 10_000;
/** Requests closer together than this (two clients polling) share one reading. */
const REUSE_MS = 200;

/**
 * CPU % and RSS of process trees, read from /proc on Linux and from `ps` elsewhere. It reads
 * nothing unless asked (`devsup ports --json`, `devsup ui`): the instance's idle cost stays zero.
 * CPU % is the CPU time the tree used since the previous reading over the time between them.
 */
export class UsageSampler {
  private previous: { at: number; cpuMs: Map<string, number> } | undefined;
  private last: { at: number; roots: string; usage: Map<number, TreeUsage> } | undefined;

  constructor(private readonly read: () => Promise<UsageEntry[] | null> = readUsageTable) {}

  /** Usage of each root's tree (the root, its process group and their descendants); a root that is gone is left out. */
  async sample(roots: number[]): Promise<Map<number, TreeUsage>> {
    const key = roots.join(',');
    if (this.last && this.last.roots === key && Date.now() - this.last.at < REUSE_MS) return this.last.usage;
    if (!this.previous || Date.now() - this.previous.at > STALE_MS) {
      const baseline = await this.read();
      if (baseline) this.previous = { at: Date.now(), cpuMs: cpuByIdentity(baseline) };
      await sleep(BASELINE_MS);
    }
    const entries = await this.read();
    const at = Date.now();
    if (!entries) return new Map();
    const before = this.previous;
    this.previous = { at, cpuMs: cpuByIdentity(entries) };
    const usage = treeUsage(entries, roots, before ? { ms: at - before.at, cpuMs: before.cpuMs } : undefined, readRss);
    this.last = { at, roots: key, usage };
    return usage;
  }
}

/**
 * Pure: each root's tree, its CPU time since `before` (a process new since then counts whole)
 * over the elapsed time, and its memory (read per process by `rssOf` where the table lacks it).
 */
export function treeUsage(
  entries: UsageEntry[],
  roots: number[],
  before: { ms: number; cpuMs: Map<string, number> } | undefined,
  rssOf: (entry: UsageEntry) => number | undefined,
): Map<number, TreeUsage> {
  const byPid = new Map(entries.map((entry) => [entry.pid, entry]));
  const usage = new Map<number, TreeUsage>();
  for (const root of roots) {
    if (!byPid.has(root)) continue;
    let cpuMs = 0;
    let rssBytes = 0;
    for (const pid of collectTree(entries, root)) {
      const entry = byPid.get(pid)!;
      cpuMs += Math.max(0, entry.cpuMs - (before?.cpuMs.get(entry.identity) ?? 0));
      rssBytes += entry.rssBytes ?? rssOf(entry) ?? 0;
    }
    const cpuPercent = before && before.ms > 0 ? Math.round((cpuMs / before.ms) * 1000) / 10 : 0;
    usage.set(root, { cpuPercent, rssBytes });
  }
  return usage;
}

function cpuByIdentity(entries: UsageEntry[]): Map<string, number> {
  return new Map(entries.map((entry) => [entry.identity, entry.cpuMs]));
}

/** Every process with its CPU time so far: /proc on Linux, else `ps` (which gives memory too); null when neither works. */
export async function readUsageTable(): Promise<UsageEntry[] | null> {
  const fromProc = readProcUsage();
  if (fromProc) return fromProc;
  const output = await readToolOutput('ps', ['-A', '-o', 'pid=,ppid=,pgid=,rss=,time=']);
  return output === null ? null : parsePsUsage(output);
}

function readProcUsage(): UsageEntry[] | null {
  let pids: number[];
  try {
    pids = listPids();
  } catch {
    return null;
  }
  const entries: UsageEntry[] = [];
  for (const pid of pids) {
    const stat = readProcStat(pid); // undefined: exited during the scan
    if (!stat) continue;
    entries.push({
      pid,
      ppid: stat.ppid,
      pgid: stat.pgid,
      zombie: stat.state === 'Z',
      identity: `${pid}@${stat.startTicks}`,
      cpuMs: (stat.utimeTicks + stat.stimeTicks) * MS_PER_TICK,
    });
  }
  return entries;
}

/** A process's resident memory from /proc/PID/status (VmRSS, in kB); undefined where there is none (exited, a kernel thread). */
function readRss(entry: UsageEntry): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${entry.pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** `ps -A -o pid=,ppid=,pgid=,rss=,time=`: rss in KiB, time as [[DD-]HH:]MM:SS[.hh]. */
export function parsePsUsage(text: string): UsageEntry[] {
  const entries: UsageEntry[] = [];
  for (const line of text.split('\n')) {
    const [pid, ppid, pgid, rss, time] = line.trim().split(/\s+/);
    const numbers = [pid, ppid, pgid, rss].map(Number);
    const cpuMs = parseCpuTime(time ?? '');
    if (!numbers.every(Number.isInteger) || !pid || cpuMs === undefined) continue;
    entries.push({
      pid: numbers[0]!,
      ppid: numbers[1]!,
      pgid: numbers[2]!,
      zombie: false,
      identity: pid,
      cpuMs,
      rssBytes: numbers[3]! * 1024,
    });
  }
  return entries;
}

/** `ps`'s cumulative CPU time: `1-02:03:04`, `02:03:04`, `03:04.56` (macOS) → ms. */
export function parseCpuTime(text: string): number | undefined {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text);
  if (!match) return undefined;
  const [, days = '0', hours = '0', minutes, seconds] = match;
  return Math.round(((Number(days) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000);
}
