import { keysByName } from '../../manifest/replicas.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevsupError, NoInstanceError, UsageError } from '../../errors.js';
import { requestOnce } from '../../control/control-client.js';
import { parseDuration } from '../../manifest/durations.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const RETRY_MS = 100;

/**
 * `devsup wait SERVICE… [--timeout 30s]`: exit 0 once every named service is ready, 1 on timeout
 * or as soon as one crashed. An instance that is not up yet is waited for within the same timeout,
 * so a script may run `devsup up &` and `devsup wait api` one after the other.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const services = args.positionals;
  if (services.length === 0) throw new UsageError('devsup wait needs at least one service.', 'Usage: devsup wait SERVICE… [--timeout 30s]');
  const timeoutText = args.values.timeout as string | undefined;
  const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeoutText);
  if (timeoutMs === undefined) throw new UsageError(`--timeout ${timeoutText} is not a duration: use e.g. 500ms, 30s or 2m.`);
  const folder = instanceFolder(args, io);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const reply = await requestOnce(folder, { type: 'wait', services, timeoutMs: Math.max(0, deadline - Date.now()), askedMs: timeoutMs }, 'ready');
      const keys = reply.report.services.map((entry) => entry.service);
      const named = new Set(services.flatMap((name) => keysByName(keys, name)));
      for (const entry of reply.report.services.filter((candidate) => named.has(candidate.service))) {
        io.stdout.write(`${entry.service} is ${entry.status}${entry.port === null ? '' : ` on port ${entry.port}`}\n`);
      }
      return 0;
    } catch (error) {
      if (!(error instanceof NoInstanceError)) throw error;
      if (Date.now() + RETRY_MS > deadline) throw new DevsupError(`${error.message} (waited ${timeoutText ?? '30s'} for it to start).`, 1);
      await sleep(RETRY_MS);
    }
  }
}
