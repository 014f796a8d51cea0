import { readProcStat } from '../../src/ports/proc-stat.js';

/**
 * Polls `condition` until it returns a truthy value, or fails after `timeoutMs` with
 * "<what>: want <want>, got <last value> after N ms" — bounded waiting, never a fixed sleep.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { what: string; timeoutMs?: number; intervalMs?: number; describe?: () => unknown },
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = Date.now();
  let last: T | undefined;
  for (;;) {
    last = await condition();
    if (last) return last;
    const elapsed = Date.now() - started;
    if (elapsed > timeoutMs) {
      const got = options.describe ? options.describe() : last;
      throw new Error(`${options.what}: still not true after ${elapsed} ms (last: ${JSON.stringify(got)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

/**
 * True while a pid runs. A zombie (exited, not yet reaped — this machine's init reaps orphans
 * slowly) does not count: it holds no port and does nothing.
 */
export function isAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    const state = readProcStat(pid)?.state;
    return state !== undefined && state !== 'Z';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
