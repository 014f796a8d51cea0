import type { RestartPolicy } from '../../manifest/service-spec.js';

export interface ExitFacts {
  code: number | null;
  signal: NodeJS.Signals | null;
  uptimeMs: number;
}

export type AfterExit =
  | { action: 'exited' } // finished with code 0 and the policy does not restart it
  | { action: 'crashed'; consecutiveFailures: number } // give up
  | { action: 'restart'; delayMs: number; consecutiveFailures: number };

/** A run that stayed up this long resets the count of consecutive failures. */
export const STABLE_RUN_MS = 10_000;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;

/**
 * What to do when a service's process exits on its own. The first failure after a stable run
 * restarts at once; further consecutive failures wait 100 ms, doubling up to 30 s; after
 * `maxRestarts` restarts in a row the service is given up as crashed.
 */
export function decideAfterExit(policy: RestartPolicy, maxRestarts: number, exit: ExitFacts, consecutiveFailuresBefore: number): AfterExit {
  const succeeded = exit.code === 0;
  const restarts = policy === 'always' || (policy === 'on-failure' && !succeeded);
  if (!restarts) return succeeded ? { action: 'exited' } : { action: 'crashed', consecutiveFailures: consecutiveFailuresBefore + 1 };
  const consecutiveFailures = exit.uptimeMs >= STABLE_RUN_MS ? 1 : consecutiveFailuresBefore + 1;
  if (consecutiveFailures > maxRestarts) return { action: 'crashed', consecutiveFailures };
  const delayMs = consecutiveFailures === 1 ? 0 : Math.min(FIRST_BACKOFF_MS * 2 ** (consecutiveFailures - 2), MAX_BACKOFF_MS);
  return { action: 'restart', delayMs, consecutiveFailures };
}

/** "exited with code 1", "was killed by SIGKILL": the cause of an exit in words. */
export function describeExit(exit: Pick<ExitFacts, 'code' | 'signal'>): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
