import { DevsupError, UsageError } from '../../errors.js';
import { keysByName } from '../../manifest/replicas.js';
import { didYouMean } from '../../manifest/suggest.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';
import { readReport } from '../read-report.js';

/**
 * `devsup port SERVICE [NAME]`: the bare number, so scripts can write `curl localhost:$(devsup port api)`;
 * for a replicated service, each replica's, one a line.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const [service, name, ...extra] = args.positionals;
  if (service === undefined || extra.length > 0)
    throw new UsageError('devsup port takes a service and, optionally, the name of one of its ports.', 'Usage: devsup port SERVICE [NAME]');
  const report = await readReport(instanceFolder(args, io));
  const keys = report.services.map((entry) => entry.service);
  // `web` of a replicated service: each replica's port, one a line, in order.
  const named = keysByName(keys, service);
  const entries = report.services.filter((candidate) => named.includes(candidate.service));
  if (entries.length === 0) throw new UsageError(`unknown service "${service}"${didYouMean(service, keys)}`, `Services: ${keys.join(', ')}.`);
  const ports = entries.map((entry) => {
    const names = Object.keys(entry.ports);
    if (name !== undefined && !(name in entry.ports)) {
      const hint = names.length > 0 ? `Ports of ${entry.service}: ${names.join(', ')}.` : undefined;
      throw new UsageError(`${entry.service} has no port named "${name}"${didYouMean(name, names)}`, hint);
    }
    const port = name === undefined ? entry.port : entry.ports[name];
    if (port === null || port === undefined) {
      throw new DevsupError(`${entry.service} has no port${entry.detail ? ` (${entry.status}: ${entry.detail})` : ''}.`, 1);
    }
    return port;
  });
  io.stdout.write(`${ports.join('\n')}\n`);
  return 0;
}
