import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseProcStat, readProcOwner, readProcStat } from './proc-stat.js';

/** A real line's shape: pid (comm) state ppid pgrp session tty tpgid flags … utime stime … starttime … */
const line = (comm: string, state = 'S') =>
  `4242 (${comm}) ${state} 4200 4242 4200 34817 4242 4194560 120 0 0 0 17 5 0 0 20 0 1 0 987654 10000000 1000 18446744073709551615`;

describe('parseProcStat', () => {
  it('counts fields after the last parenthesis, whatever the command name holds', () => {
    const expected = {
      pid: 4242,
      state: 'S',
      ppid: 4200,
      pgid: 4242,
      session: 4200,
      tpgid: 4242,
      utimeTicks: 17,
      stimeTicks: 5,
      startTicks: '987654',
    };
    expect(parseProcStat(line('node'))).toEqual(expected);
    expect(parseProcStat(line('my (odd) name) R 1'))).toEqual(expected);
    expect(parseProcStat(line('node', 'Z'))).toMatchObject({ state: 'Z' });
  });

  it('says nothing for a line it cannot read', () => {
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseProcStat('77 (node) R 1 70')).toBeUndefined(); // cut short: no start time
  });
});

describe.runIf(process.platform === 'linux')('readProcStat', () => {
  it("reads this process's own line and a child's, and nothing for a pid that does not exist", async () => {
    expect(readProcStat('self')).toMatchObject({ pid: process.pid, ppid: process.ppid, state: 'R' });
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore', detached: true });
    try {
      expect(readProcStat(child.pid!)).toMatchObject({ pid: child.pid, ppid: process.pid, pgid: child.pid });
      expect(readProcOwner(child.pid!)).toBe(process.getuid!());
    } finally {
      child.kill('SIGKILL');
    }
    expect(readProcStat(2 ** 22 + 1)).toBeUndefined();
    expect(readProcOwner(2 ** 22 + 1)).toBeUndefined();
  });
});
