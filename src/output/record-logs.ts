import { LogFiles } from './log-files.js';
import type { LogMultiplexer } from './log-multiplexer.js';
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
export function recordLogs(logs: LogMultiplexer, stateFolder: string, warn: (message: string) => void): RecordedLogs {
  const ring = new LogRing();
  const files = new LogFiles(stateFolder, warn);
  const unsubscribe = logs.onOutput((service, lines) => {
    ring.push(service, lines);
    files.write(service, lines);
  });
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
