import { maskSecrets } from '../secrets.js';
import type { OutputBus } from './output-bus.js';
import { spawnChild } from './spawn-child.js';
import { killTreeNow } from './stop-service-tree.js';

export interface StopCommandOptions {
  service: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  output: OutputBus;
}

/**
 * Runs a service's `stop_command` (`docker compose down`, `pg_ctl stop`) in the service's folder and
 * environment, its output in the service's log. It may take `timeoutMs`; then its own tree is
 * killed. Resolves with what went wrong, if anything, for devsup to say: the stop goes on either way.
 */
export async function runStopCommand(command: string, options: StopCommandOptions): Promise<string | undefined> {
  const child = spawnChild(command, { cwd: options.cwd, env: options.env });
  const shown = `stop_command \`${maskSecrets(command)}\``;
  if (child.pid === undefined) return `${shown} could not be started: ${(await child.exited).spawnError ?? 'unknown error'}`;
  const pid = child.pid;
  void options.output.attach(options.service, child.stdout, 'stdout');
  void options.output.attach(options.service, child.stderr, 'stderr');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)));
  const outcome = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await killTreeNow(pid);
    return `${shown} did not finish within stop_timeout`;
  }
  if (outcome.code === 0) return undefined;
  return `${shown} exited with ${outcome.code === null ? `signal ${outcome.signal}` : `code ${outcome.code}`}`;
}
