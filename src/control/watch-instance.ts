import type { ControlContext } from './control-context.js';
import type { Connection } from './control-server.js';
import type { Request } from './protocol.js';

/**
 * `devsup mcp` following the instance: a `report` at once and after each burst of changes (one per
 * tick), and an `incident` for each one the instance records (incident-log.ts) — first those since
 * `since`, which happened before the client connected, then each new one as it happens.
 * The connection stays open until the client leaves or the instance stops.
 */
export function watchInstance(request: Extract<Request, { type: 'watch' }>, connection: Connection, context: ControlContext): void {
  let scheduled = false;
  const sendReport = () => {
    scheduled = false;
    if (!connection.closed) connection.send({ type: 'report', report: context.report() });
  };
  const stopWatching = context.onChange(() => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(sendReport);
  });
  if (request.since !== undefined) for (const incident of context.incidents.since(request.since)) connection.send({ type: 'incident', incident });
  const stopHearing = context.incidents.onIncident((incident) => {
    if (!connection.closed) connection.send({ type: 'incident', incident });
  });
  connection.onClose(() => {
    stopWatching();
    stopHearing();
  });
  sendReport();
}
