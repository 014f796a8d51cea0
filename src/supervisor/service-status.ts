/** The statuses users see (`devsup ports`, the table), one line each. */
export type ServiceStatus =
  | 'pending' // waiting for a dependency, or blocked by one that failed
  | 'starting' // spawned (or about to be), readiness check not yet passed
  | 'ready' // readiness check passed
  | 'running' // spawned, no readiness check
  | 'unhealthy' // ready (or running) before, its `health` check fails now; restarted after `failures` in a row
  | 'restarting' // in backoff before the next start
  | 'stopping' // devsup is stopping it; the detail says why (requested, shutdown, not ready in time…)
  | 'crashed' // gave up after max_restarts consecutive failures
  | 'failed' // could not be started: no port, a host that cannot be bound, a command not found
  | 'stopped' // stopped on purpose, or left out of this run
  | 'exited'; // finished with code 0 and will not be restarted

/** Why devsup stops a service: said in its detail while `stopping`, and decides what follows. */
export type StopReason = 'requested' | 'shutdown' | 'restart' | 'reload' | 'port moved' | 'not ready in time' | 'unhealthy';

/**
 * Every move a service may make. A move not listed is a bug in devsup, and `checkTransition` throws:
 * tests fail on it rather than leave a service in a state no path leads out of. A status may move
 * to itself when only its detail changes ("http /health → 503, 4 s").
 */
const TRANSITIONS: Record<ServiceStatus, readonly ServiceStatus[]> = {
  pending: ['pending', 'starting', 'stopping', 'stopped', 'failed'],
  starting: ['starting', 'ready', 'running', 'restarting', 'stopping', 'crashed', 'failed', 'exited'],
  ready: ['stopping', 'restarting', 'crashed', 'failed', 'exited', 'unhealthy'],
  running: ['starting', 'running', 'stopping', 'restarting', 'crashed', 'failed', 'exited', 'unhealthy'],
  unhealthy: ['unhealthy', 'ready', 'running', 'stopping', 'restarting', 'crashed', 'failed', 'exited'],
  restarting: ['starting', 'running', 'stopping', 'failed'],
  stopping: ['stopping', 'stopped', 'restarting', 'crashed', 'failed'],
  crashed: ['pending', 'starting'],
  failed: ['pending', 'starting'],
  stopped: ['pending', 'starting', 'stopped'],
  exited: ['pending', 'starting'],
};

export class InvalidTransitionError extends Error {}

export function checkTransition(service: string, from: ServiceStatus, to: ServiceStatus): void {
  if (!TRANSITIONS[from].includes(to)) throw new InvalidTransitionError(`${service}: no move from ${from} to ${to} (a bug in devsup)`);
}

/** Whether a service may still do something by itself: such a service keeps `devsup up` running. */
export function isActiveStatus(status: ServiceStatus): boolean {
  return (
    status === 'starting' || status === 'ready' || status === 'running' || status === 'unhealthy' || status === 'restarting' || status === 'stopping'
  );
}
