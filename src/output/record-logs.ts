import { LogFiles } from './log-files.js';
import type { LineBatch } from '../supervisor/line-splitter.js';
import type { OutputBus } from '../supervisor/output-bus.js';
import { LogRing } from './log-ring.js';

export interface RecordedLogs {
  ring: LogRing;
  /** Resolves once the log files of `services` hold all they printed (see LogFiles.flush). */
  flushFiles(services: string[]): Promise<void>;
  /** Stops recording and flushes the log files. */
  close(): Promise<void>;
  /** The logs folder was removed and made again: the files are opened anew. */
  reopen(): void;
}

/**
 * Keeps every service's output for `devsup logs`: in memory (the ring, while the instance runs)
 * and in `.devsup/logs/` (after it has stopped). One call per chunk of output, nothing per line.
 */
export function recordLogs(bus: OutputBus, stateFolder: string, warn: (message: string) => void): RecordedLogs {
  const ring = new LogRing();
  const files = new LogFiles(stateFolder, warn);
  const record = (service: string, batch: LineBatch, time: number) => {
    const lines = batch.buf.subarray(0, batch.consumed);
    ring.push(service, lines, time);
    files.write(service, lines, time);
  };
  bus.on('lines', record);
  const unsubscribe = () => bus.off('lines', record);
  return {
    ring,
    flushFiles: (services) => files.flush(services),
    close: async () => {
      unsubscribe();
      await files.close();
    },
    reopen: () => files.reopen(),
  };
}
