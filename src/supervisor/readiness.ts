import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../manifest/durations.js';
import type { ReadySpec } from '../manifest/service-spec.js';
import { listeningPortsOfTree, treeListensOn } from '../ports/listening-ports.js';
import { monotonicMs } from '../clock.js';
import { maskSecrets } from '../secrets.js';

export interface ReadinessTarget {
  pid: number;
  port?: number;
  /** All the ports the service was given (named ports too): listening on any of them is not drift. */
  givenPorts?: number[];
  host?: string;
  cwd: string;
  env: Record<string, string>;
  /** Any listener on the port counts, not only the service's own tree's (a daemon's); no drift is looked for. */
  anyListener?: boolean;
  /** Subscribes to the service's output lines; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void;
  /** What the check last saw while not ready ("http /health → 503"), and for how long it has waited. */
  onProgress?(seen: string, waitedMs: number): void;
}

/** The readiness check did not pass in time; `message` says which probe and what it last saw. */
export class ReadinessTimeout extends Error {}

const FIRST_POLL_MS = 20;
/** How long a service may take to bind before devsup looks for it on other ports. */
export const DRIFT_GRACE_MS = 1_000;
const MAX_POLL_MS = 250;

/**
 * Resolves once the service is ready by its `ready` spec; rejects with ReadinessTimeout after
 * `timeoutMs`, or with the abort reason when `signal` fires (the child exited or is being stopped).
 * Polling starts fast (a service that binds in 50 ms is seen as ready in ~50 ms) and slows down
 * geometrically, so a slow model server costs almost no CPU while we wait.
 */
export async function waitUntilReady(
  spec: ReadySpec,
  target: ReadinessTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ driftedTo?: number }> {
  if (spec.kind === 'none') return {};
  if (spec.kind === 'log') return waitForLogLine(spec.pattern, target, timeoutMs, signal).then(() => ({}));
  const started = Date.now();
  const found: { driftedTo?: number } = {};
  const probe = makeProbe(spec, target, started, found);
  let interval = FIRST_POLL_MS;
  let lastSeen = 'nothing yet';
  for (;;) {
    signal.throwIfAborted();
    const outcome = await probe();
    if (outcome === true) return found;
    lastSeen = outcome;
    const elapsed = Date.now() - started;
    target.onProgress?.(outcome, elapsed);
    if (elapsed >= timeoutMs) {
      throw new ReadinessTimeout(`not ready within ready_timeout (${formatDuration(timeoutMs)}): ${lastSeen}`);
    }
    await sleep(Math.min(interval, timeoutMs - elapsed), undefined, { signal });
    interval = Math.min(interval * 1.5, MAX_POLL_MS);
  }
}

/** One attempt: true when ready, else a short description of what it saw. */
type Probe = () => Promise<true | string>;

function makeProbe(
  spec: Exclude<ReadySpec, { kind: 'none' | 'log' }>,
  target: ReadinessTarget,
  started: number,
  found: { driftedTo?: number },
): Probe {
  if (spec.kind === 'exec') return () => runExecProbe(spec.command, target);
  // A full URL may be anything (a proxy, another host): asked as it is, with no owner check.
  if (spec.kind === 'http' && !spec.path.startsWith('/')) return () => httpCheck(new URL(spec.path), spec.status);
  if (target.port === undefined) return async () => 'the service has no port';
  const given = target.port;
  const hosts = connectHosts(target.host);
  /** Where the service was last seen listening: the http check asks there. */
  let answeredOn = hosts[0]!;
  const ownedListener: Probe = async () => {
    const port = found.driftedTo ?? given;
    const connecting = monotonicMs();
    const connected = await connectToAny(hosts, port);
    if (connected.host !== undefined) {
      answeredOn = connected.host;
      if (target.anyListener) return true;
      // The listener was there before our connection arrived, so tables read since it started show it;
      // services connecting at the same time share one read.
      const ours = await treeListensOn(target.pid, port, connecting);
      // Where the OS will not tell us who listens, a connection is the best evidence we have.
      if (ours !== false) return true;
      return `port ${port} answers, but not from this service's processes`;
    }
    // A program that ignores PORT and binds its own default is ready there, not never.
    if (found.driftedTo === undefined && !target.anyListener && Date.now() - started >= DRIFT_GRACE_MS) {
      found.driftedTo = await findDriftedPort(target);
      if (found.driftedTo !== undefined) return `it listens on ${found.driftedTo} instead`;
    }
    return connected.seen;
  };
  if (spec.kind === 'tcp') return ownedListener;
  return async () => {
    const listening = await ownedListener();
    if (listening !== true) return listening;
    const authority = answeredOn.includes(':') ? `[${answeredOn}]` : answeredOn;
    return httpCheck(new URL(spec.path, `http://${authority}:${found.driftedTo ?? given}`), spec.status);
  };
}

/**
 * The port the service's processes listen on when it is none of the ports it was given (it
 * ignored PORT: "it still starts on 3000"); undefined when it listens on its own, or on nothing yet.
 */
export async function findDriftedPort(target: Pick<ReadinessTarget, 'pid' | 'port' | 'givenPorts'>): Promise<number | undefined> {
  // Tables up to one slow poll old will do: a bind that late is found at the next poll.
  const listening = await listeningPortsOfTree(target.pid, monotonicMs() - MAX_POLL_MS);
  if (!listening || listening.size === 0) return undefined;
  const given = target.givenPorts ?? (target.port === undefined ? [] : [target.port]);
  if (given.some((port) => listening.has(port))) return undefined;
  return Math.min(...listening);
}

/**
 * Where to look for the service. A service told no host may listen on either loopback: Node and
 * many tools resolve `localhost` to ::1 first and then listen there alone.
 */
export function connectHosts(host: string | undefined): string[] {
  if (host === undefined || host === 'localhost') return ['127.0.0.1', '::1'];
  if (host === '0.0.0.0') return ['127.0.0.1'];
  if (host === '::') return ['::1', '127.0.0.1'];
  return [host];
}

/** The first of `hosts` that accepts a connection on `port`, else what the first one said. */
export async function connectToAny(hosts: string[], port: number, timeoutMs = 1_000): Promise<{ host?: string; seen: string }> {
  let seen: string | undefined;
  for (const host of hosts) {
    const outcome = await canConnect(host, port, timeoutMs);
    if (outcome === true) return { host, seen: 'connected' };
    seen ??= outcome;
  }
  return { seen: seen! };
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`connecting to ${host}:${port} timed out`);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED' ? `${host}:${port} refused the connection` : `${host}:${port}: ${error.code ?? error.message}`);
    });
  });
}

export async function httpCheck(url: URL, expected: number | undefined, timeoutMs = 2_000): Promise<true | string> {
  const what = maskSecrets(url.hostname === '127.0.0.1' || url.hostname === '[::1]' ? `http ${url.pathname}${url.search}` : `http ${url.href}`);
  // Loaded on first use: most services are checked with tcp, and every module costs devsup memory while it idles.
  const client = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    const request = client.get(url, { timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      const ok = expected === undefined ? status >= 200 && status < 400 : status === expected;
      resolve(ok ? true : `${what} → ${status}`);
    });
    request.once('timeout', () => request.destroy(new Error('timed out')));
    request.once('error', (error) => resolve(`${what}: ${error.message}`));
  });
}

export async function runExecProbe(command: string, target: Pick<ReadinessTarget, 'cwd' | 'env'>, timeoutMs = 10_000): Promise<true | string> {
  // Loaded on first use: most manifests have no exec probe, and execa is costly to import.
  const { execa } = await import('execa');
  const result = await execa(command, {
    shell: true,
    cwd: target.cwd,
    env: target.env,
    extendEnv: false,
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
  });
  if (result.exitCode === 0) return true;
  const shown = `\`${maskSecrets(command)}\``;
  return result.timedOut
    ? `${shown} did not finish within ${formatDuration(timeoutMs)}`
    : `${shown} exited with code ${result.exitCode ?? result.signal}`;
}

function waitForLogLine(pattern: RegExp, target: ReadinessTarget, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: unknown) => {
      unsubscribe();
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error instanceof Error ? error : new Error('stopped waiting for the log line'));
      else resolve();
    };
    const onAbort = () => finish(signal.reason);
    const unsubscribe = target.onLine((line) => {
      if (pattern.test(line)) finish();
    });
    const timer = setTimeout(
      () => finish(new ReadinessTimeout(`not ready within ready_timeout (${formatDuration(timeoutMs)}): no output line matched /${pattern.source}/`)),
      timeoutMs,
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
