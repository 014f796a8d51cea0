import { UsageError } from '../../errors.js';
import { inspectPort } from '../../ports/inspect-port.js';
import { warnAboutLeaseFolder } from '../../ports/port-lease.js';
import { isFree, renderWho, renderWhoJson } from '../../output/render-who.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';

const USAGE = 'Usage: devsup who PORT [--json]';

/**
 * `devsup who PORT`: which process holds a port — pid, command line, user, since when, and whether
 * it belongs to a devsup instance. Needs no manifest. Exit 0 when held, 1 when free.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const port = parsePort(args.positionals);
  warnAboutLeaseFolder((message) => io.stderr.write(`devsup: ${message}\n`));
  const inspection = await inspectPort(port);
  io.stdout.write(`${args.values.json ? renderWhoJson(inspection) : renderWho(inspection)}\n`);
  return isFree(inspection) ? 1 : 0;
}

function parsePort(positionals: string[]): number {
  if (positionals.length !== 1)
    throw new UsageError(positionals.length === 0 ? 'devsup who needs a port number.' : 'devsup who takes one port number.', USAGE);
  const [text = ''] = positionals;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new UsageError(`"${text}" is not a port number (1-65535).`, USAGE);
  return port;
}
