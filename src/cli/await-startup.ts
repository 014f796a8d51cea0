import { setTimeout as sleep } from 'node:timers/promises';
import { NoInstanceError } from '../errors.js';
import { expectReply, NoAnswerError, requestInstance, requestOnce } from '../control/control-client.js';
import type { Reply, StartupFailure } from '../control/protocol.js';
import type { ServiceStatus } from '../supervisor/service-status.js';
import type { PortsReport } from '../output/ports-report.js';
import type { BackgroundInstance } from './detach.js';

const POLL_MS = 50;
/** The statuses `devsup wait` takes for ready. */
const READY: ReadonlySet<ServiceStatus> = new Set(['ready', 'running', 'exited']);

export type StartupOutcome =
  /** Every service settled: ready (or finished), or `failed` for good. */
  | { kind: 'settled'; report: PortsReport; failed: StartupFailure[] }
  /** The instance ended before its services settled (a lock conflict, a critical service gave up, nothing left to run). */
  | { kind: 'ended'; exitCode: number }
  /** `timeoutMs` passed: the services still on their way, each with its last progress ("web (starting on port 8080)"). */
  | { kind: 'timeout'; waiting: string[] }
  /** The caller's `signal` aborted the wait (Ctrl-C). */
  | { kind: 'interrupted' };

export interface AwaitStartupOptions {
  timeoutMs?: number;
  /** Each service's progress as it changes, in `up`'s words. */
  onProgress(service: string, status: ServiceStatus, text: string): void;
  signal?: AbortSignal;
}

/**
 * Follows the start-up of a background instance from the terminal that launched it: waits for its
 * control socket to answer with its pid, then asks for the services' progress until they settle.
 * Ends early, without leaving a connection open, when the instance exits, on timeout, or on `signal`.
 */
export async function awaitStartup(
  manifestDir: string,
  services: string[],
  instance: BackgroundInstance,
  options: AwaitStartupOptions,
): Promise<StartupOutcome> {
  const quit = new AbortController();
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => quit.abort('timeout'), options.timeoutMs);
  const interrupt = () => quit.abort('interrupted');
  if (options.signal?.aborted) interrupt();
  options.signal?.addEventListener('abort', interrupt);
  void instance.exited.then(() => quit.abort('ended'));
  const last = new Map<string, Extract<Reply, { type: 'progress' }>>();
  try {
    const settled = await follow(manifestDir, services, instance.pid, quit.signal, (progress) => {
      last.set(progress.service, progress);
      options.onProgress(progress.service, progress.status, progress.text);
    });
    if (settled) return { kind: 'settled', report: settled.report, failed: settled.failed };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', interrupt);
  }
  if (quit.signal.reason === 'interrupted') return { kind: 'interrupted' };
  if (quit.signal.reason === 'timeout') {
    const notReady = services.filter((service) => !READY.has(last.get(service)?.status ?? 'pending'));
    return { kind: 'timeout', waiting: notReady.map((service) => `${service} (${last.get(service)?.text ?? 'not started yet'})`) };
  }
  // The connection closed without an answer: the instance is on its way out.
  return { kind: 'ended', exitCode: await instance.awaitExit() };
}

/** The `settled` answer, or undefined when `signal` aborted or the instance closed the connection first. */
async function follow(
  manifestDir: string,
  services: string[],
  pid: number,
  signal: AbortSignal,
  onProgress: (progress: Extract<Reply, { type: 'progress' }>) => void,
) {
  while (!(await answersAs(manifestDir, pid))) {
    if (signal.aborted) return undefined;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  for await (const reply of requestInstance(manifestDir, { type: 'startup', services }, signal)) {
    if (reply.type === 'progress') onProgress(reply);
    else return expectReply(reply, 'settled', manifestDir);
  }
  return undefined;
}

/** Whether the control socket answers, and for the instance with this pid (not one that won a race for the lock). */
async function answersAs(manifestDir: string, pid: number): Promise<boolean> {
  try {
    return (await requestOnce(manifestDir, { type: 'ports' }, 'report')).report.pid === pid;
  } catch (error) {
    if (error instanceof NoInstanceError || error instanceof NoAnswerError) return false;
    throw error;
  }
}
