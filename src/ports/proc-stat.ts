import { readFileSync, statSync } from 'node:fs';

/**
 * The fields of Linux's /proc/PID/stat that devsup reads. Every read of that file goes through
 * here: the command name (field 2) may hold spaces and parentheses, so fields are counted from
 * the last `)`, and a hand-written parse elsewhere would get that wrong sooner or later.
 */
export interface ProcStat {
  pid: number;
  state: string; // R, S, D, Z (zombie), T…
  ppid: number;
  pgid: number;
  session: number;
  tpgid: number; // the terminal's foreground process group
  utimeTicks: number;
  stimeTicks: number;
  startTicks: string; // clock ticks after boot, as written: with the pid, it names one process for good
}

export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields 3 onwards; field N is at index N - 3.
  const fields = text.slice(close + 2).split(' ');
  const number = (field: number) => Number(fields[field - 3]);
  const stat = {
    pid: Number.parseInt(text, 10),
    state: fields[0] ?? '',
    ppid: number(4),
    pgid: number(5),
    session: number(6),
    tpgid: number(8),
    utimeTicks: number(14),
    stimeTicks: number(15),
    startTicks: fields[22 - 3] ?? '',
  };
  const numbers = [stat.pid, stat.ppid, stat.pgid, stat.session, stat.tpgid];
  return numbers.every(Number.isInteger) && stat.state !== '' && stat.startTicks !== '' ? stat : undefined;
}

/** /proc/PID/stat (or /proc/self/stat), parsed; undefined where there is no /proc or no such process. */
export function readProcStat(pid: number | 'self'): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The uid a process runs as, from its /proc folder; undefined where there is none. */
export function readProcOwner(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}
