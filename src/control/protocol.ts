import type { LogLine } from '../output/log-ring.js';
import type { PortsReport } from '../output/ports-report.js';
import type { ServiceStatus } from '../supervisor/service-status.js';

/**
 * The control protocol between `devsup up` and the commands run in another terminal: JSON lines
 * over the control socket, one request per connection, answered by one or more messages. Every
 * message carries `v`; `error` messages keep this shape in every version, so a client and an
 * instance of different versions can still tell the user what is wrong.
 */
export const PROTOCOL_VERSION = 1;
// Within a version, optional fields may be added: an instance ignores request fields it does not
// know, a client reply fields it does not know, and a new kind of line (a `note`) goes only to a
// client whose request asked for it.

export type Request =
  /** `usage`: each running service's CPU % and memory (its whole process tree) and the time its run started. */
  | { type: 'ports'; usage?: true }
  | { type: 'start' | 'stop'; services: string[] }
  /** `preferred`: move each service back to its preferred ports when they are free. */
  | { type: 'restart'; services: string[]; preferred?: boolean }
  /**
   * `notes`: with `follow`, devsup's own lines about the services too (`note: true`), as `up` prints them;
   * `since`: only lines that arrived then or later (ms since the epoch).
   */
  | { type: 'logs'; services: string[]; lines: number; follow: boolean; notes?: boolean; since?: number }
  /** `timeoutMs`: what is left of the wait; `askedMs`: the whole `--timeout`, part of it spent waiting for `up` to start. */
  | { type: 'wait'; services: string[]; timeoutMs: number; askedMs?: number }
  /** `devsup up -d`: the services' start-up as it goes, until each has settled (ready, finished or failed for good). */
  | { type: 'startup'; services: string[] }
  /**
   * `devsup mcp`: the report now and after every change, and each unexpected end of a service's run, until the client leaves;
   * `since`: first the incidents that happened then or later (ms since the epoch), before the client connected.
   */
  | { type: 'watch'; since?: number }
  /** `devsup scale web=5`: each replicated service to that many replicas, the others untouched. */
  | { type: 'scale'; scales: Scale[] }
  | { type: 'down' };

/** A replicated service and the number of replicas it is to have. */
export interface Scale {
  service: string;
  replicas: number;
}

export type ActionType = 'start' | 'stop' | 'restart';

/** What a start, stop or restart did to one service. */
export interface ActionOutcome {
  service: string;
  /** E.g. "restarted on port 8763", "was not running". */
  said: string;
}

/** A service of a `startup` request that will not be ready: why, and the last lines of its run. */
export interface StartupFailure {
  service: string;
  why: string;
  lastLines: string[];
}

/**
 * A service's run ended without being asked to: it will be restarted (`restarting`), or it `crashed` or
 * `failed` for good; or its health check started failing (`unhealthy`: restarted if it keeps failing).
 */
export interface Incident {
  service: string;
  status: 'restarting' | 'crashed' | 'failed' | 'unhealthy';
  /** Why, as the table says it: "it exited with code 3", "command not found: …", "http /health → 503 (1 of 3 failed checks)". */
  detail?: string;
  /** Its last run's exit; absent when it never ran (a failure to start), and for `unhealthy`. */
  exit?: { code: number | null; signal: string | null };
  /** The check that made devsup stop the run ("health check failed 3 times: …", "not ready within ready_timeout (30 s): …"): its exit is devsup's stop's. */
  failedCheck?: string;
  restarts: number;
  lastLines: string[];
  /** When it happened (ms since the epoch). */
  at?: number;
}

export type Reply =
  | { type: 'report'; report: PortsReport }
  | { type: 'done'; outcomes: ActionOutcome[] }
  /**
   * `keys`: every service of the instance in the manifest's order, so clients colour and align as `up` does;
   * `kept`: how many lines the services that have fewer than asked for have in all; `pid`: the instance's;
   * `timed`: the instance records arrival times (a line's `time`, where known; first reply only);
   * `untimed`: per service, lines of its log files `since` left out because their time is unknown.
   */
  | {
      type: 'lines';
      lines: StreamedLine[];
      keys?: string[];
      dropped?: number;
      kept?: Record<string, number>;
      pid?: number;
      timed?: true;
      untimed?: Record<string, number>;
    }
  | { type: 'ready'; report: PortsReport }
  | { type: 'stopping'; pid: number }
  /** One service's start-up, as `devsup up` says it: "starting on port 8080", "ready on port 8080". */
  | { type: 'progress'; service: string; status: ServiceStatus; text: string }
  | { type: 'settled'; report: PortsReport; failed: StartupFailure[] }
  | { type: 'incident'; incident: Incident }
  | { type: 'end' }
  | { type: 'error'; message: string; hint?: string; exitCode: 1 | 2 };

export type Message<T> = T & { v: number };

/** A line of a service's output, or (`note`, only to a `logs` request with `notes`) one devsup says about it. */
export type StreamedLine = LogLine & { note?: true };

/** One JSON line, as sent on the socket. */
export function encodeMessage(body: Request | Reply): string {
  return `${JSON.stringify({ v: PROTOCOL_VERSION, ...body })}\n`;
}

/** The text of a version mismatch, from either side. */
export function describeVersionMismatch(instancePid: number | undefined, instanceVersion: number, clientVersion: number): string {
  const instance = instancePid === undefined ? 'the running devsup' : `the running devsup (pid ${instancePid})`;
  return `${instance} speaks control protocol ${instanceVersion}, but this devsup speaks ${clientVersion}.`;
}

export const VERSION_HINT =
  'Run the same devsup version in both terminals (e.g. `npx devsup` from the same project), or restart `devsup up` with this one.';

/** The instance reads at most this much of a request line: a client cannot make it hold more. */
export const MAX_REQUEST_LINE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;

/** A limit on one line's length, for the side that must not buffer without bound. */
export interface LineLimit {
  maxLineBytes: number;
  /** Called once when a line passes the limit; nothing more is read after it. */
  onTooLarge(): void;
}

/**
 * Splits a stream of chunks into JSON lines and hands each parsed value on; a line that is not
 * JSON becomes `undefined`, so the caller can answer with a clear error. The pieces of an
 * unfinished line are kept as they came and joined once, so a long line costs linear time, and a
 * character split between chunks is decoded whole.
 */
export function readJsonLines(onValue: (value: unknown) => void, limit?: LineLimit): (chunk: Buffer | string) => void {
  let pieces: Buffer[] = [];
  let pendingBytes = 0;
  let stopped = false;
  const exceeds = (bytes: number) => limit !== undefined && pendingBytes + bytes > limit.maxLineBytes;
  const stop = () => {
    stopped = true;
    pieces = [];
    limit!.onTooLarge();
  };
  return (chunk) => {
    if (stopped) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let newline = buf.indexOf(NEWLINE); newline !== -1; newline = buf.indexOf(NEWLINE, start)) {
      if (exceeds(newline - start)) return stop();
      pieces.push(buf.subarray(start, newline));
      const line = Buffer.concat(pieces).toString('utf8');
      pieces = [];
      pendingBytes = 0;
      start = newline + 1;
      if (line.trim() !== '') onValue(parseJson(line));
    }
    if (start === buf.length) return;
    if (exceeds(buf.length - start)) return stop();
    pieces.push(buf.subarray(start));
    pendingBytes += buf.length - start;
  };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** A request as received, checked field by field; a string says what is wrong with it. */
export function parseRequest(value: unknown): Request | string {
  if (typeof value !== 'object' || value === null) return 'a request must be a JSON object on one line';
  const body = value as Record<string, unknown>;
  const services = body.services;
  const names = Array.isArray(services) && services.every((name) => typeof name === 'string') ? services : undefined;
  switch (body.type) {
    case 'ports':
      return body.usage === true ? { type: 'ports', usage: true } : { type: 'ports' };
    case 'watch':
      if (body.since !== undefined && !isCount(body.since)) return '"since" of "watch" must be a time in ms since the epoch';
      return isCount(body.since) ? { type: 'watch', since: body.since } : { type: 'watch' };
    case 'down':
      return { type: body.type };
    case 'start':
    case 'stop':
    case 'restart':
      if (!names || names.length === 0) return `"${body.type}" needs "services": a list of service names`;
      if (body.type === 'restart' && body.preferred === true) return { type: 'restart', services: names, preferred: true };
      return { type: body.type, services: names };
    case 'logs':
      if (!names || !isCount(body.lines) || typeof body.follow !== 'boolean')
        return '"logs" needs "services" (a list), "lines" (a count) and "follow" (true or false)';
      if (body.since !== undefined && !isCount(body.since)) return '"since" of "logs" must be a time in ms since the epoch';
      return {
        type: 'logs',
        services: names,
        lines: body.lines,
        follow: body.follow,
        ...(body.notes === true && { notes: true }),
        ...(isCount(body.since) && { since: body.since }),
      };
    case 'wait':
      if (!names || names.length === 0 || !isCount(body.timeoutMs)) return '"wait" needs "services" (a list of names) and "timeoutMs"';
      return { type: 'wait', services: names, timeoutMs: body.timeoutMs, ...(isCount(body.askedMs) && { askedMs: body.askedMs }) };
    case 'startup':
      if (!names) return '"startup" needs "services": a list of service names';
      return { type: 'startup', services: names };
    case 'scale': {
      const scales = Array.isArray(body.scales) ? (body.scales as unknown[]) : [];
      const valid = scales.every((scale) => {
        const entry = scale as Record<string, unknown> | null;
        return typeof entry?.service === 'string' && isCount(entry.replicas) && entry.replicas >= 1;
      });
      if (scales.length === 0 || !valid) return '"scale" needs "scales": a list of {"service": NAME, "replicas": N} with N ≥ 1';
      return { type: 'scale', scales: (scales as Scale[]).map(({ service, replicas }) => ({ service, replicas })) };
    }
    default:
      return `unknown request type ${JSON.stringify(body.type)}`;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
