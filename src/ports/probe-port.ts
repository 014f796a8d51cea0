import net from 'node:net';
import { DevsupError } from '../errors.js';
import type { PortReservation, ProbeResult } from './port-types.js';

export interface ProbeOptions {
  host?: string; // the address the service will bind; a bad one gives `badhost`
  hold?: boolean; // keep the port bound and return a reservation
}

export interface ProbeOutcome {
  result: ProbeResult;
  reservation?: PortReservation;
  code?: string; // the errno behind a non-free result, e.g. EADDRINUSE
}

type Bound = { server: net.Server } | { code: string };

const WILDCARDS = new Set(['::', '0.0.0.0']);
const HOST_ERRORS = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EINVAL']);
const CONNECT_TIMEOUT_MS = 250;

/**
 * Whether `port` could be bound by a service, on any address and family. Never sets SO_REUSEPORT.
 * The host is tried first so a wrong `host` is reported as such even when the port is busy too.
 */
export async function probePort(port: number, options: ProbeOptions = {}): Promise<ProbeOutcome> {
  const { host, hold = false } = options;
  if (host && !WILDCARDS.has(host)) {
    const own = await listenOn(port, host);
    if ('code' in own) return failure(port, own.code, HOST_ERRORS.has(own.code));
    await closeServer(own.server);
  }
  const outcome = process.platform === 'linux' ? await listenWildcard(port) : await probeEveryAddress(port);
  if ('code' in outcome) return failure(port, outcome.code, false);
  if (hold) return { result: 'free', reservation: reserve(port, outcome.server) };
  await closeServer(outcome.server);
  return { result: 'free' };
}

/**
 * Reserves a port chosen by the OS (the last-resort fallback, inside the ephemeral range).
 * Returns undefined when even that fails.
 */
export async function reserveAnyPort(host?: string): Promise<PortReservation | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const bound = await listenWildcard(0);
    if ('code' in bound) return undefined;
    const port = (bound.server.address() as net.AddressInfo).port;
    await closeServer(bound.server);
    const outcome = await probePort(port, { host, hold: true });
    if (outcome.reservation) return outcome.reservation;
    if (outcome.result === 'badhost') return undefined;
  }
  return undefined;
}

/**
 * Linux: one dual-stack bind on `::` conflicts with a listener on any address of either family,
 * including a v6-only `[::]`; without IPv6 it falls back to `0.0.0.0`.
 */
async function listenWildcard(port: number): Promise<Bound> {
  const dual = await listenOn(port, '::');
  if ('code' in dual && (dual.code === 'EAFNOSUPPORT' || dual.code === 'EADDRNOTAVAIL')) return listenOn(port, '0.0.0.0');
  return dual;
}

/**
 * macOS and Windows let a wildcard and a specific-address bind coexist, so every address is tried
 * in turn and then connected to. The default (dual-stack) bind is re-taken at the end to hold the port.
 * Exported so this path is also exercised on Linux, where it must agree with the dual-stack probe.
 */
export async function probeEveryAddress(port: number): Promise<Bound> {
  for (const host of [undefined, '0.0.0.0', '::', '127.0.0.1', '::1']) {
    const bound = await listenOn(port, host);
    if ('code' in bound) {
      if (isMissingFamily(bound.code, host)) continue;
      return bound;
    }
    await closeServer(bound.server);
  }
  for (const host of ['127.0.0.1', '::1']) {
    if (await acceptsConnections(port, host)) return { code: 'EADDRINUSE' };
  }
  return listenOn(port, undefined);
}

/** IPv6 switched off: `::`/`::1` cannot be bound at all, which says nothing about the port. */
function isMissingFamily(code: string, host: string | undefined): boolean {
  return (host === '::' || host === '::1') && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL' || code === 'EINVAL');
}

function listenOn(port: number, host: string | undefined): Promise<Bound> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.unref(); // a held reservation must not keep devsup alive on its own
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code) resolve({ code: error.code });
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => resolve({ server }));
  });
}

function acceptsConnections(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const finish = (connected: boolean) => {
      socket.destroy();
      resolve(connected);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function failure(port: number, code: string, onHost: boolean): ProbeOutcome {
  if (onHost) return { result: 'badhost', code };
  if (code === 'EADDRINUSE') return { result: 'busy', code };
  if (code === 'EACCES') return { result: 'forbidden', code };
  throw new DevsupError(`cannot test whether port ${port} is free: bind failed with ${code}`);
}

function reserve(port: number, server: net.Server): PortReservation {
  let closing: Promise<void> | undefined;
  return {
    port,
    release: () => (closing ??= closeServer(server)),
    // `_handle.fd` is internal to Node: guarded, and -1 (Windows) counts as none.
    fd: () => {
      const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
      return closing === undefined && typeof fd === 'number' && fd >= 0 ? fd : undefined;
    },
  };
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
