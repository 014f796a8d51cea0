import { UsageError } from '../../errors.js';
import type { CliIO, CommandEntry, ParsedArgs, RunCommand } from '../cli-types.js';
import { completionScript, SHELLS, type Shell } from '../completion-scripts.js';

/**
 * `devsup completion bash|zsh|fish`: the completion script for that shell, to source or save
 * (README.md), completing `commands`, which command-list.ts hands over (importing it would be a cycle).
 */
export function printCompletion(commands: Record<string, CommandEntry>): RunCommand {
  return async (args: ParsedArgs, io: CliIO) => run(args, io, commands);
}

async function run(args: ParsedArgs, io: CliIO, commands: Record<string, CommandEntry>): Promise<number> {
  const [shell, ...extra] = args.positionals;
  if (!SHELLS.includes(shell as Shell) || extra.length > 0) {
    const given = shell === undefined ? 'a shell' : `one of ${SHELLS.join(', ')}, not "${[shell, ...extra].join(' ')}"`;
    throw new UsageError(`devsup completion needs ${given}.`, `Usage: devsup completion ${SHELLS.join('|')}`);
  }
  io.stdout.write(completionScript(shell as Shell, commands));
  return 0;
}
