import type { ServiceSpec } from '../manifest/service-spec.js';
import type { OutputBus } from './output-bus.js';
import { findAddressInUse } from './policies/reassign-port-on-conflict.js';
import { findDriftedPort, ReadinessTimeout, waitUntilReady, type ReadinessTarget } from './readiness.js';

/** One spawn of a service's command, from launch to the end of its exit handling. */
export interface Run {
  pid: number;
  startedAt: number;
  readiness: AbortController;
  ready: boolean;
  /** A line of its output that said its address was in use, seen while it was not ready yet. */
  addressInUseLine: string | undefined;
  stopWatchingForBindErrors(): void;
  /** Resolves once its exit has been handled (the next status set). */
  handled: Promise<void>;
  /** A daemon's command exited 0: what it started runs on, and the run lasts until devsup stops it. */
  daemonized?: boolean;
  /** Ends a daemonized run, once devsup has stopped what it started. */
  endDaemon?: () => void;
}

// A service without a readiness check that exits this soon may have failed to bind its port.
export const QUICK_EXIT_MS = 5_000;

/** What a run's readiness check tells the runner; each is called only while the run is current and the check not aborted. */
export interface ReadinessReport {
  /** What the check sees while it waits ("http /health → 503, 4 s"), from the first second on. */
  progress(detail: string): void;
  ready(driftedTo: number | undefined): void;
  /** Not ready within `ready_timeout`: why. */
  notReady(why: string): Promise<void>;
}

/**
 * Runs the service's readiness check for one run and reports what it comes to. Resolves when the
 * check has ended; rejects only on an error that is not the check's own verdict (the caller owns it).
 */
export function watchReadiness(
  run: Run,
  spec: ServiceSpec,
  target: Omit<ReadinessTarget, 'pid' | 'onProgress'>,
  isCurrent: () => boolean,
  report: ReadinessReport,
): Promise<void> {
  const { signal } = run.readiness;
  const live = () => !signal.aborted && isCurrent();
  const onProgress = (seen: string, waitedMs: number) => {
    if (waitedMs >= 1_000 && live()) report.progress(`${seen}, ${Math.floor(waitedMs / 1000)} s`);
  };
  return waitUntilReady(spec.ready, { ...target, pid: run.pid, onProgress }, spec.readyTimeoutMs, signal).then(
    ({ driftedTo }) => {
      if (live()) report.ready(driftedTo);
    },
    async (error: unknown) => {
      if (!live()) return;
      if (!(error instanceof ReadinessTimeout)) throw error;
      await report.notReady(error.message);
    },
  );
}

/** Until the run is ready (or, without a check, for its first seconds), notice a line that says "address already in use". */
export function watchForBindErrors(run: Run, output: OutputBus, spec: ServiceSpec): void {
  const unsubscribe = output.onLine(spec.key, (line) => {
    run.addressInUseLine ??= findAddressInUse([line]);
  });
  const timer = spec.ready.kind === 'none' ? setTimeout(() => run.stopWatchingForBindErrors(), QUICK_EXIT_MS).unref() : undefined;
  run.stopWatchingForBindErrors = () => {
    unsubscribe();
    clearTimeout(timer);
  };
}

/**
 * For a service whose readiness does not look at its port: once, `delayMs` after start (or after it
 * was ready), is it listening on a port it was not given? Drift is a courtesy: when the process table
 * cannot be read, devsup simply does not notice it.
 */
export function checkDriftLater(run: Run, givenPorts: number[], delayMs: number, isCurrent: () => boolean, onDrift: (port: number) => void): void {
  if (givenPorts.length === 0) return;
  setTimeout(() => {
    if (!isCurrent()) return;
    void findDriftedPort({ pid: run.pid, givenPorts }).then(
      (drifted) => {
        if (drifted !== undefined && isCurrent()) onDrift(drifted);
      },
      () => undefined,
    );
  }, delayMs).unref();
}
