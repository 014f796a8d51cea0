import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/wait-for.js';
import { parseCpuTime, parsePsUsage, treeUsage, UsageSampler, type UsageEntry } from './process-usage.js';

const entry = (pid: number, ppid: number, pgid: number, cpuMs: number, rssBytes?: number): UsageEntry => ({
  pid,
  ppid,
  pgid,
  zombie: false,
  identity: `${pid}@1`,
  cpuMs,
  ...(rssBytes !== undefined && { rssBytes }),
});

describe('treeUsage', () => {
  const entries = [entry(10, 1, 10, 1500, 1000), entry(11, 10, 10, 700, 500), entry(12, 11, 12, 50, 10), entry(20, 1, 20, 9000, 7)];

  it('adds the CPU time the whole tree used since the previous reading, over the time between them', () => {
    const before = {
      ms: 1000,
      cpuMs: new Map([
        ['10@1', 1000],
        ['11@1', 600],
      ]),
    }; // 12 is new: counted whole
    expect(treeUsage(entries, [10], before, () => undefined)).toEqual(new Map([[10, { cpuPercent: 65, rssBytes: 1510 }]]));
  });

  it('leaves out roots that are gone, and says 0 % without an earlier reading', () => {
    expect(treeUsage(entries, [20, 99], undefined, () => undefined)).toEqual(new Map([[20, { cpuPercent: 0, rssBytes: 7 }]]));
  });

  it('asks for the memory of a process the table lacks it for', () => {
    const usage = treeUsage([entry(30, 1, 30, 0)], [30], undefined, (process) => process.pid * 2);
    expect(usage.get(30)?.rssBytes).toBe(60);
  });
});

describe('ps output', () => {
  it('reads cumulative CPU time in the forms of procps and of macOS', () => {
    expect(parseCpuTime('00:00:03')).toBe(3000);
    expect(parseCpuTime('1-02:03:04')).toBe(((24 + 2) * 3600 + 3 * 60 + 4) * 1000);
    expect(parseCpuTime('3:04.56')).toBe(184_560);
    expect(parseCpuTime('-')).toBeUndefined();
  });

  it('reads pid, ppid, pgid, rss (KiB) and time columns', () => {
    expect(parsePsUsage('  501     1   501  2048   0:01.50\nbad line\n')).toEqual([
      { pid: 501, ppid: 1, pgid: 501, zombie: false, identity: '501', cpuMs: 1500, rssBytes: 2048 * 1024 },
    ]);
  });
});

describe('UsageSampler on this machine', () => {
  it('sees a busy child use CPU and memory', async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      const sampler = new UsageSampler();
      await waitFor(async () => ((await sampler.sample([child.pid!])).get(child.pid!)?.cpuPercent ?? 0) > 30, {
        what: 'the busy child using CPU',
        timeoutMs: 10_000,
      });
      const usage = (await sampler.sample([child.pid!])).get(child.pid!)!;
      expect(usage.rssBytes).toBeGreaterThan(1024 * 1024);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
