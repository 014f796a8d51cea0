import { UsageError } from '../../errors.js';
import { listInstances } from '../../control/list-instances.js';
import { renderInstances, renderInstancesJson } from '../../output/render-instances.js';
import { warnAboutLeaseFolder } from '../../ports/port-lease.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';

/**
 * `devsup ls [--json]`: every devsup instance on this machine, from any folder — this user's in
 * full (project, manifest, pid, mode, uptime, services ready, ports), other users' as far as their
 * port leases tell. Needs no manifest. Exit 0, also when none runs.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('devsup ls takes no arguments.', 'Usage: devsup ls [--json]');
  warnAboutLeaseFolder((message) => io.stderr.write(`devsup: ${message}\n`));
  const instances = listInstances(io.env);
  io.stdout.write(`${args.values.json ? renderInstancesJson(instances) : renderInstances(instances)}\n`);
  return 0;
}
