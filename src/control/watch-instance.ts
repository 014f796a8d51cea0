import type { ServiceStatus } from '../supervisor/service-status.js';
import type { ControlContext } from './control-context.js';
import type { Connection } from './control-server.js';
import type { Incident } from './protocol.js';

/** How many of a service's last lines an incident carries (as many as `up -d` shows for a failure). */
const LAST_LINES = 10;
/** The statuses an unexpected end of a run leads to, and a failing health check's. */
const INCIDENT_STATUSES: ReadonlySet<ServiceStatus> = new Set(['restarting', 'crashed', 'failed', 'unhealthy']);

/**
 * `devsup mcp` following the instance: a `report` at once and after each burst of changes (one per
 * tick), and an `incident` each time a service's run ends without being asked to — a crash that
 * will be restarted, one devsup gave up on, a failure to start, a restart for a failed check — with
 * its exit and last lines, and each time a health check starts failing (`unhealthy`).
 * The connection stays open until the client leaves or the instance stops.
 */
export function watchInstance(connection: Connection, context: ControlContext): void {
  const runners = context.supervisor.runners;
  const seen = new Map<string, { status: ServiceStatus; restarts: number }>();
  const remember = () => {
    seen.clear();
    for (const [key, runner] of runners) seen.set(key, { status: runner.status, restarts: runner.restarts });
  };
  let scheduled = false;
  const sendReport = () => {
    scheduled = false;
    if (!connection.closed) connection.send({ type: 'report', report: context.report() });
  };
  const check = () => {
    for (const [key, runner] of runners) {
      const before = seen.get(key);
      const moved = before === undefined || before.status !== runner.status || before.restarts !== runner.restarts;
      if (moved && INCIDENT_STATUSES.has(runner.status)) connection.send({ type: 'incident', incident: incidentOf(key, context) });
    }
    remember();
    if (!scheduled) {
      scheduled = true;
      setImmediate(sendReport);
    }
  };
  remember();
  const stopWatching = context.onChange(check);
  connection.onClose(stopWatching);
  sendReport();
}

function incidentOf(service: string, context: ControlContext): Incident {
  const runner = context.supervisor.runners.get(service)!;
  // An unhealthy service still runs: its last exit is an earlier run's.
  const exit = runner.status === 'unhealthy' ? undefined : runner.lastExit;
  return {
    service,
    status: runner.status as Incident['status'],
    ...(runner.detail !== undefined && { detail: runner.detail }),
    ...(exit !== undefined && { exit: { code: exit.code, signal: exit.signal } }),
    ...(exit?.failedCheck !== undefined && { failedCheck: exit.failedCheck }),
    restarts: runner.restarts,
    lastLines: context.supervisor.output.tail(service, LAST_LINES),
  };
}
