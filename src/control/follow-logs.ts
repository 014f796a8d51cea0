import { inArrivalOrder } from '../output/arrival-order.js';
import type { LogLine } from '../output/log-ring.js';
import { readLogTail } from '../output/read-log-files.js';
import type { ControlContext } from './control-context.js';
import type { Connection } from './control-server.js';
import type { Request, StreamedLine } from './protocol.js';

/** A client this far behind loses lines rather than make devsup hold them: the services never wait for a reader. */
const FOLLOWER_QUEUE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * `devsup logs` and `attach`: the last N lines of each service (of those that arrived at `since` or
 * later), then with `follow` every new line (with `notes`, devsup's own lines about the services
 * too; following all, new services too). The ring holds the recent ones; a service with fewer there
 * than asked gets the older ones from its log files. Snapshot and subscription happen in the same
 * tick, so no line is lost or sent twice between them. New lines are sent in one message per tick.
 */
export async function followLogs(request: Extract<Request, { type: 'logs' }>, connection: Connection, context: ControlContext): Promise<void> {
  const keys = [...context.supervisor.runners.keys()];
  const services = request.services.length > 0 ? request.services : keys;
  const since = request.since ?? -Infinity;
  let recent = context.ring.last(services, request.lines, since);
  const short = services.filter((service) => textsOf(recent, service).length < request.lines);
  if (short.length > 0) {
    await context.flushLogFiles(short);
    // In the tick the files were completed in: the ring and they hold the same newest lines.
    recent = context.ring.last(services, request.lines, since);
  }
  const kept: Record<string, number> = {};
  const untimed: Record<string, number> = {};
  const older = short.flatMap((service) => {
    const fromFiles = readOlderLines(context.logFolder, service, recent, request.lines, since);
    if (fromFiles.kept < request.lines) kept[service] = fromFiles.kept;
    if (fromFiles.untimed > 0) untimed[service] = fromFiles.untimed;
    return fromFiles.lines;
  });
  connection.send({
    type: 'lines',
    lines: inArrivalOrder([...older, ...recent]),
    keys,
    timed: true,
    ...(Object.keys(kept).length > 0 && { kept }),
    ...(Object.keys(untimed).length > 0 && { untimed }),
    pid: process.pid,
  });
  if (!request.follow) {
    connection.send({ type: 'end' });
    return connection.end();
  }
  let pending: StreamedLine[] = [];
  let dropped = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (connection.closed) return;
    connection.send(dropped > 0 ? { type: 'lines', lines: pending, dropped } : { type: 'lines', lines: pending });
    pending = [];
    dropped = 0;
  };
  const push = (line: StreamedLine) => {
    if (connection.queuedBytes > FOLLOWER_QUEUE_LIMIT_BYTES) dropped += 1;
    else pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const bus = context.supervisor.output;
  const followed = new Set<string>();
  const unsubscribes: (() => void)[] = [];
  const follow = (service: string) => {
    followed.add(service);
    unsubscribes.push(
      bus.onLine(service, (text, _kind, time) => {
        if (time >= since) push({ service, text, time });
      }),
    );
  };
  services.forEach(follow);
  // Following every service: one the manifest gains while devsup runs is followed too, as `up` shows it.
  const onKey = (service: string) => follow(service);
  if (request.services.length === 0) bus.on('key', onKey);
  const onNote = (service: string, text: string) => {
    if (followed.has(service)) push({ service, text, note: true });
  };
  if (request.notes === true) bus.on('note', onNote);
  connection.onClose(() => {
    unsubscribes.forEach((unsubscribe) => unsubscribe());
    bus.off('key', onKey).off('note', onNote);
  });
}

/**
 * The lines of `service` before those the ring holds, from its log files (which end with the
 * ring's lines, just flushed), and how many it has in all; `n` lines at most with the ring's.
 * Files that do not end so (edited by hand, or not writable) are not used: the ring alone is.
 */
function readOlderLines(
  logFolder: string,
  service: string,
  recent: LogLine[],
  n: number,
  since: number,
): { lines: LogLine[]; kept: number; untimed: number } {
  const inRing = textsOf(recent, service);
  const tail = readLogTail(logFolder, service, n, since);
  const olderCount = tail.lines.length - inRing.length;
  if (olderCount < 0 || inRing.some((text, index) => tail.lines[olderCount + index]!.text !== text))
    return { lines: [], kept: inRing.length, untimed: 0 };
  return { lines: tail.lines.slice(0, olderCount), kept: tail.lines.length, untimed: tail.untimed };
}

function textsOf(lines: LogLine[], service: string): string[] {
  return lines.filter((line) => line.service === service).map((line) => line.text);
}
