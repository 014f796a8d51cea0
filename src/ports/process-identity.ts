import { execFileSync } from 'node:child_process';
import { readProcStat } from './proc-stat.js';

/**
 * A pid plus something that changes when the pid is reused, so a stale state file can never make
 * devsup signal or trust an unrelated process that happens to have the same pid.
 * Linux: start time in clock ticks since boot (field 22 of /proc/PID/stat); elsewhere `ps -o lstart=`.
 */
export function processStartTime(pid: number): string | undefined {
  const stat = readProcStat(pid);
  if (stat) return stat.startTicks;
  if (process.platform === 'linux' || process.platform === 'win32') return undefined;
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` runs (a zombie does not) and, where the OS tells, is the process that was recorded. */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (isZombie(pid)) return false;
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}

/** Exited but not yet reaped (Linux; elsewhere assumed not). */
function isZombie(pid: number): boolean {
  return readProcStat(pid)?.state === 'Z';
}

let ownStart: string | undefined | null = null;

/** This process's own start time, read once: it does not change while devsup runs. */
export function ownStartTime(): string | undefined {
  if (ownStart === null) ownStart = processStartTime(process.pid);
  return ownStart;
}
