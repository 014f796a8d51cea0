import { UsageError } from '../errors.js';
import type { ParsedArgs } from './cli-types.js';

export const RUN_USAGE_LINE =
  'devsup run [--up [SERVICE…] --] [-f FILE] [--profile PROFILE]… [--scale SERVICE=N]… [--wait-timeout 60s] [--] COMMAND [ARGS…]';
const RUN_USAGE = `Usage: ${RUN_USAGE_LINE}`;

/**
 * `devsup run`'s arguments, which node's parseArgs cannot take: from the command on, every word is
 * the command's, options included (`devsup run node -e "…"`). devsup's own options come first;
 * after `--up`, the words up to `--` are services (`devsup run --up web api -- npx playwright test`).
 * The services come back as `values.services`, the command and its arguments as `positionals`.
 */
export function parseRunArguments(args: string[]): ParsedArgs {
  const values: ParsedArgs['values'] = {};
  const services: string[] = [];
  let index = 0;
  let separated = false;
  const valueOf = (option: string, inline: string | undefined): string => {
    const value = inline ?? args[++index];
    if (value === undefined) throw new UsageError(`${option} needs a value.`, RUN_USAGE);
    return value;
  };
  for (; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') {
      separated = true;
      index++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (values.up !== true) break; // the command starts here
      services.push(arg);
      continue;
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [option, inline] = equals === -1 ? [arg, undefined] : [arg.slice(0, equals), arg.slice(equals + 1)];
    if (option === '--up' || option === '--help' || option === '-h' || option === '--no-color') {
      if (inline !== undefined) throw new UsageError(`${option} takes no value.`, RUN_USAGE);
      values[option === '-h' ? 'help' : option.slice(2)] = true;
    } else if (option === '-f' || option === '--file') values.file = valueOf(option, inline);
    else if (option === '--wait-timeout') values['wait-timeout'] = valueOf(option, inline);
    else if (option === '--profile' || option === '--scale') {
      const list = (values[option.slice(2)] ??= []) as string[];
      list.push(valueOf(option, inline));
    } else throw new UsageError(`devsup run has no option ${option}: options of the command go after it, or after \`--\`.`, RUN_USAGE);
  }
  const command = args.slice(index);
  if (values.help !== true) {
    if (values.up === true && !separated)
      throw new UsageError('with --up, `--` separates the services from the command: devsup run --up [SERVICE…] -- COMMAND.', RUN_USAGE);
    if (command.length === 0) throw new UsageError('devsup run needs a command to run.', RUN_USAGE);
    if (values.up !== true && values['wait-timeout'] !== undefined)
      throw new UsageError('--wait-timeout goes with --up: it bounds the wait for the start-up.', RUN_USAGE);
    // Every service has its port whether it starts or not: a profile changes only what --up starts.
    if (values.up !== true && values.profile !== undefined)
      throw new UsageError('--profile goes with --up: it chooses which services start; the command gets every port either way.', RUN_USAGE);
  }
  if (values.up === true) values.services = services;
  return { values, positionals: command };
}
