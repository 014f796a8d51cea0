/** The statuses of DESIGN.md §2, one line each. */
export type ServiceStatus =
  | 'pending' // waiting for a dependency, or blocked by one that failed
  | 'starting' // spawned, readiness check not yet passed
  | 'ready' // readiness check passed
  | 'running' // spawned, no readiness check
  | 'restarting' // in backoff before the next start
  | 'crashed' // gave up after max_restarts consecutive failures
  | 'failed' // could not be started: no port, a host that cannot be bound, a command not found
  | 'stopped' // stopped on purpose
  | 'exited'; // finished with code 0 and will not be restarted
