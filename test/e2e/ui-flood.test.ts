import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { PtySession } from '../helpers/pty-session.js';
import { runCli } from '../helpers/run-cli.js';
import { listPids, readCommandLine } from '../../src/ports/proc-net.js';
import { readProcStat } from '../../src/ports/proc-stat.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const SERVICES = 5;
const LINES = 10_000;
const PER_SECOND = 2_000;
/** Linux's USER_HZ. */
const MS_PER_TICK = 10;

const session = new E2ESession();
let pty: PtySession | undefined;
afterEach(async () => {
  pty?.kill();
  await pty?.exited;
  await session.cleanup();
});

function cpuMs(pid: number): number {
  const stat = readProcStat(pid);
  return stat ? (stat.utimeTicks + stat.stimeTicks) * MS_PER_TICK : 0;
}

/** The `devsup up --ui` process the pty host runs (its child). */
function uiProcess(hostPid: number): number | undefined {
  return listPids().find((pid) => readProcStat(pid)?.ppid === hostPid && readCommandLine(pid)?.includes('--ui'));
}

describe('devsup up --ui under a flood', () => {
  it(`five services × ${PER_SECOND} lines/s: devsup stays under one core, and devsup logs has every line`, async () => {
    const services = Array.from({ length: SERVICES }, (_, index) => [
      `  s${index}:`,
      // Three seconds of quiet first: the view is up and measured from before the flood.
      `    command: ${fixtureArgv('print-at-rate.mjs', LINES, PER_SECOND, 3_000)}`,
      '    ready: none',
    ]);
    const { dir } = session.project({ 'services.yaml': ['project: flood', 'services:', ...services.flat(), ''].join('\n') });
    session.expectBackground(dir);
    pty = new PtySession(['up', '--ui'], dir, { columns: 120, rows: 40 });
    await pty.waitForScreen('every service running', (text) => (text.match(/ running /g) ?? []).length === SERVICES);
    const report = await session.portsJson(dir);
    const ui = uiProcess(pty.child.pid!)!;
    expect(ui).toBeDefined();
    const devsup = [report.pid, ui];
    const logFiles = report.services.map((service) => `${dir}/.devsup/logs/${service.service}.log`);
    // Measured from the first lines on: the quiet start-up is not part of the flood.
    await waitFor(() => logFiles.some((file) => existsSync(file)), { what: 'the first lines', timeoutMs: 10_000, intervalMs: 5 });
    const before = devsup.map(cpuMs);
    const startedAt = Date.now();
    await waitFor(() => logFiles.every((file) => existsSync(file) && readFileSync(file, 'utf8').endsWith('done\n')), {
      what: 'every service done',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const elapsedMs = Date.now() - startedAt;
    const used = devsup.map((pid, index) => cpuMs(pid) - before[index]!);
    const percent = used.map((ms) => Math.round((ms / elapsedMs) * 100));
    console.log(
      `flood: ${SERVICES}×${PER_SECOND} lines/s for ${elapsedMs} ms: instance ${percent[0]}% of a core, view ${percent[1]}%, together ${percent[0]! + percent[1]!}%`,
    );
    expect(percent[0]! + percent[1]!).toBeLessThan(100);

    for (const service of report.services) {
      const logs = await runCli(['logs', service.service, '-n', String(LINES + 10)], dir);
      const numbers = logs.stdout
        .split('\n')
        .map((line) => /line (\d+) \.+$/.exec(line)?.[1])
        .filter((n) => n !== undefined)
        .map(Number);
      expect(numbers.length, service.service).toBe(LINES);
      expect(numbers.every((n, index) => n === index)).toBe(true);
    }
    // The view is still drawing, and has the last lines.
    await pty.waitForScreen('the newest lines shown', (text) => text.includes('| done'));
    expect(pty.output).not.toContain('lines left out');

    pty.press('q');
    expect(await pty.exited).toBe(0);
    await waitFor(() => devsup.every((pid) => !isAlive(pid)), { what: 'devsup gone', timeoutMs: 10_000 });
  });
});
