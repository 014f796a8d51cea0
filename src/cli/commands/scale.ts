import { requestOnce } from '../../control/control-client.js';
import type { Scale } from '../../control/protocol.js';
import { UsageError } from '../../errors.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';

/**
 * `devsup scale SERVICE=N…` on the running instance: replicas added or removed (the highest numbers
 * first), the other services and replicas left running; one line per service saying what happened.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.positionals.length === 0) throw new UsageError('devsup scale needs at least one SERVICE=N.', 'Usage: devsup scale SERVICE=N…');
  const scales = args.positionals.map(parseScale);
  const reply = await requestOnce(instanceFolder(args, io), { type: 'scale', scales }, 'done');
  for (const outcome of reply.outcomes) io.stdout.write(`${outcome.service}: ${outcome.said}\n`);
  return 0;
}

function parseScale(text: string): Scale {
  const match = /^([^=]+)=(\d+)$/.exec(text.trim());
  if (!match || Number(match[2]) < 1) throw new UsageError(`devsup scale ${text}: expected SERVICE=N, with N a whole number, 1 or more`);
  return { service: match[1]!, replicas: Number(match[2]) };
}
