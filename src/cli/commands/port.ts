import { DevsupError, UsageError } from '../../errors.js';
import { didYouMean } from '../../manifest/suggest.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';
import { readReport } from '../read-report.js';

/** `devsup port SERVICE [NAME]`: the bare number, so scripts can write `curl localhost:$(devsup port api)`. */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const [service, name, ...extra] = args.positionals;
  if (service === undefined || extra.length > 0)
    throw new UsageError('devsup port takes a service and, optionally, the name of one of its ports.', 'Usage: devsup port SERVICE [NAME]');
  const report = await readReport(instanceFolder(args, io));
  const keys = report.services.map((entry) => entry.service);
  const entry = report.services.find((candidate) => candidate.service === service);
  if (!entry) throw new UsageError(`unknown service "${service}"${didYouMean(service, keys)}`, `Services: ${keys.join(', ')}.`);
  const names = Object.keys(entry.ports);
  if (name !== undefined && !(name in entry.ports)) {
    const hint = names.length > 0 ? `Ports of ${service}: ${names.join(', ')}.` : undefined;
    throw new UsageError(`${service} has no port named "${name}"${didYouMean(name, names)}`, hint);
  }
  const port = name === undefined ? entry.port : entry.ports[name];
  if (port === null || port === undefined) {
    throw new DevsupError(`${service} has no port${entry.detail ? ` (${entry.status}: ${entry.detail})` : ''}.`, 1);
  }
  io.stdout.write(`${port}\n`);
  return 0;
}
