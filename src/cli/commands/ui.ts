import { requestOnce } from '../../control/control-client.js';
import { DevsupError, NoInstanceError, UsageError } from '../../errors.js';
import { shouldColor } from '../../output/color.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';

/**
 * `devsup ui`: the full-screen view (src/ui/) of the instance running for this folder's manifest,
 * in the foreground or the background alike. q closes the view; the services keep running.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.positionals.length > 0)
    throw new UsageError(`devsup ui takes no service names (${args.positionals.join(' ')}): it shows every service; select one with ↑↓ there.`);
  const { checkTerminal, runUi } = await import('../../ui/run-ui.js');
  checkTerminal(io, process.stdin, 'devsup ui');
  const folder = instanceFolder(args, io);
  try {
    await requestOnce(folder, { type: 'ports' }, 'report');
  } catch (error) {
    if (error instanceof NoInstanceError)
      throw new DevsupError(
        `${error.message}: nothing to show.`,
        1,
        `Start it with \`devsup up -d\` in ${folder} (then \`devsup ui\`), or start it with its view: \`devsup up --ui\`.`,
      );
    throw error;
  }
  const end = await runUi({ folder, mode: 'ui', color: shouldColor(io.stdout, io.env), input: process.stdin, output: io.stdout });
  io.stderr.write(
    end === 'stopped'
      ? `devsup: devsup in ${folder} has stopped.\n`
      : `devsup: closed the view; devsup in ${folder} keeps running (\`devsup ui\` opens it again, \`devsup down\` stops it).\n`,
  );
  return 0;
}
