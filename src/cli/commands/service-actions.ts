import { UsageError } from '../../errors.js';
import { requestOnce } from '../../control/control-client.js';
import type { ActionType } from '../../control/protocol.js';
import type { CliIO, ParsedArgs, RunCommand } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';

/**
 * `devsup restart|stop|start SERVICE…` on the running instance: one line per service saying what
 * happened ("tools: restarted on port 8763"). Unknown names are refused before anything is done.
 */
export function runAction(action: ActionType): RunCommand {
  return async (args: ParsedArgs, io: CliIO) => {
    if (args.positionals.length === 0) throw new UsageError(`devsup ${action} needs at least one service.`, `Usage: devsup ${action} SERVICE…`);
    const request =
      action === 'restart' && args.values.preferred === true
        ? { type: action, services: args.positionals, preferred: true }
        : { type: action, services: args.positionals };
    const reply = await requestOnce(instanceFolder(args, io), request, 'done');
    for (const outcome of reply.outcomes) io.stdout.write(`${outcome.service}: ${outcome.said}\n`);
    return 0;
  };
}
