import type { HealthSpec } from '../manifest/service-spec.js';
import { connectHosts, connectToAny, httpCheck, runExecProbe } from './readiness.js';

export interface HealthTarget {
  port?: number;
  host?: string;
  cwd: string;
  env: Record<string, string>;
}

/**
 * One `health` check of a running service: true when it passes, else what it saw ("http /health → 503").
 * Unlike readiness it asks no question of ownership: the service was ready, its port is its own.
 */
export async function checkHealth(health: HealthSpec, target: HealthTarget): Promise<true | string> {
  const { check, timeoutMs } = health;
  if (check.kind === 'exec') return runExecProbe(check.command, target, timeoutMs);
  if (check.kind === 'http' && !check.path.startsWith('/')) return httpCheck(new URL(check.path), check.status, timeoutMs);
  if (target.port === undefined) return 'the service has no port';
  const connected = await connectToAny(connectHosts(target.host), target.port, timeoutMs);
  if (connected.host === undefined || check.kind === 'tcp') return connected.host === undefined ? `tcp: ${connected.seen}` : true;
  const authority = connected.host.includes(':') ? `[${connected.host}]` : connected.host;
  return httpCheck(new URL(check.path, `http://${authority}:${target.port}`), check.status, timeoutMs);
}

/** What a run's health checks tell the runner; each is called only while the run is current and not being stopped. */
export interface HealthReport {
  /** A check failed, `count` in a row, fewer than `failures`. */
  failing(seen: string, count: number): void;
  /** A check passed after failing ones. */
  recovered(): void;
  /** `failures` checks failed in a row: why, for the restart it causes. */
  failed(why: string): Promise<void>;
}

/**
 * Checks a ready service every `interval` until its run ends or is being stopped (`signal`), and
 * reports failures in a row. Resolves when it stops checking; rejects only on an error that is not
 * a check's verdict (the caller owns it).
 */
export async function watchHealth(
  health: HealthSpec,
  target: HealthTarget,
  signal: AbortSignal,
  isCurrent: () => boolean,
  report: HealthReport,
): Promise<void> {
  const live = () => !signal.aborted && isCurrent();
  let failedInARow = 0;
  while (await pause(health.intervalMs, signal)) {
    const outcome = await checkHealth(health, target);
    if (!live()) return;
    if (outcome === true) {
      if (failedInARow > 0) report.recovered();
      failedInARow = 0;
      continue;
    }
    failedInARow += 1;
    if (failedInARow < health.failures) {
      report.failing(outcome, failedInARow);
      continue;
    }
    await report.failed(`health check failed ${failedInARow} ${failedInARow === 1 ? 'time' : 'times'}: ${outcome}`);
    return;
  }
}

/** Waits `ms`; false when `signal` fired first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
