import type { PortsReport } from '../output/ports-report.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { WriteTrouble } from '../files/write-trouble.js';
import { ownStartTime, processStartTime } from '../ports/process-identity.js';
import { writeState, type ChildRecord } from './state-folder.js';

const THROTTLE_MS = 50;
/** After a failed write (a full disk), the next try: state.json must catch up even if nothing changes. */
const RETRY_MS = 1_000;

/**
 * Keeps `.devsup/state.json`, `ports.json` and `ports.env` in step with the supervisor: written at
 * once, then on every change, at most every 50 ms (a crash loop must not become a write loop).
 * A failed write is said once per file and tried again every second until it works.
 * Returns `flush`, which writes the final state synchronously.
 */
export function keepStateWritten(folder: string, supervisor: Supervisor, report: () => PortsReport, warn: (message: string) => void): () => void {
  const base = { version: 1 as const, pid: process.pid, startTime: ownStartTime(), startedAt: new Date().toISOString() };
  const trouble = new WriteTrouble(warn);
  let timer: NodeJS.Timeout | undefined;
  const startTimes = new Map<number, string | undefined>();
  const children = (): ChildRecord[] =>
    [...supervisor.runners.values()].flatMap(({ spec, pid }) => {
      if (pid === null) return [];
      if (!startTimes.has(pid)) startTimes.set(pid, processStartTime(pid));
      return [{ service: spec.key, pid, startTime: startTimes.get(pid) }];
    });
  const write = () => {
    timer = undefined;
    if (!writeState(folder, { ...base, report: report(), children: children() }, trouble)) timer = setTimeout(write, RETRY_MS).unref();
  };
  supervisor.on('change', () => {
    timer ??= setTimeout(write, THROTTLE_MS);
  });
  write();
  return () => {
    clearTimeout(timer);
    timer = undefined;
    write();
    clearTimeout(timer);
  };
}
