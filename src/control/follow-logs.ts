import type { LogLine } from '../output/log-ring.js';
import type { ControlContext } from './control-handlers.js';
import type { Connection } from './control-server.js';
import type { Request } from './protocol.js';

/** A client this far behind loses lines rather than make devsup hold them: the services never wait for a reader. */
const FOLLOWER_QUEUE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * `devsup logs`: the last N lines of each service from the ring, then with `follow` every new line.
 * Snapshot and subscription happen in the same tick, so no line is lost or sent twice between them.
 * New lines are sent in one message per tick.
 */
export function followLogs(request: Extract<Request, { type: 'logs' }>, connection: Connection, context: ControlContext): void {
  const keys = [...context.supervisor.runners.keys()];
  const services = request.services.length > 0 ? request.services : keys;
  connection.send({ type: 'lines', lines: context.ring.last(services, request.lines), keys });
  if (!request.follow) {
    connection.send({ type: 'end' });
    return connection.end();
  }
  let pending: LogLine[] = [];
  let dropped = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (connection.closed) return;
    connection.send(dropped > 0 ? { type: 'lines', lines: pending, dropped } : { type: 'lines', lines: pending });
    pending = [];
    dropped = 0;
  };
  const unsubscribes = services.map((service) =>
    context.logs.onLine(service, (text) => {
      if (connection.queuedBytes > FOLLOWER_QUEUE_LIMIT_BYTES) dropped += 1;
      else pending.push({ service, text });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }),
  );
  connection.onClose(() => unsubscribes.forEach((unsubscribe) => unsubscribe()));
}
