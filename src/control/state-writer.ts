import type { PortsReport } from '../output/ports-report.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { messageOf } from '../errors.js';
import { WriteTrouble } from '../files/write-trouble.js';
import { ownStartTime, processStartTime } from '../ports/process-identity.js';
import { writeState, type ChildRecord } from './state-folder.js';

const THROTTLE_MS = 50;
/** After a failed write (a full disk), the next try: state.json must catch up even if nothing changes. */
const RETRY_MS = 1_000;

export interface StateWriter {
  /** Writes the state now (after a write under way), e.g. once the state folder was made again. */
  flush(): Promise<void>;
  /**
   * The last write, once every service has stopped: `stoppedCleanly` tells the next `up` here that
   * nothing was left running, so it need not look for leftovers.
   */
  close(stoppedCleanly: boolean): Promise<void>;
}

/**
 * Keeps `.devsup/state.json`, `ports.json` and `ports.env` in step with the supervisor: written at
 * once, then on every change, at most every 50 ms (a crash loop must not become a write loop), one
 * write at a time. A failed write is said once per file and tried again every second until it works.
 */
export function keepStateWritten(folder: string, supervisor: Supervisor, report: () => PortsReport, warn: (message: string) => void): StateWriter {
  const base = { version: 1 as const, pid: process.pid, startTime: ownStartTime(), startedAt: new Date().toISOString() };
  const trouble = new WriteTrouble(warn);
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  const startTimes = new Map<number, string | undefined>();
  const children = (): ChildRecord[] =>
    [...supervisor.runners.values()].flatMap(({ spec, pid }) => {
      if (pid === null) return [];
      if (!startTimes.has(pid)) startTimes.set(pid, processStartTime(pid));
      return [{ service: spec.key, pid, startTime: startTimes.get(pid) }];
    });
  const write = (extra: { stoppedCleanly?: boolean } = {}): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    // One write at a time (they share temp file names); each takes the state as it is when it starts.
    writing = writing
      .then(async () => {
        const current = report();
        const state = { ...base, ...(current.detached && { detached: true as const }), ...extra, report: current, children: children() };
        const written = await writeState(folder, state, trouble);
        if (!written && !closed) timer ??= setTimeout(() => void write(), RETRY_MS).unref();
      })
      .catch((error: unknown) => warn(`could not write the state files: ${messageOf(error)}`));
    return writing;
  };
  supervisor.on('change', () => {
    if (!closed) timer ??= setTimeout(() => void write(), THROTTLE_MS);
  });
  void write();
  return {
    flush: () => write(),
    close: (stoppedCleanly) => {
      closed = true;
      return write({ stoppedCleanly });
    },
  };
}
