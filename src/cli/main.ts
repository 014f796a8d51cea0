import { parseArgs } from 'node:util';
import { DevsupError, UsageError, messageOf } from '../errors.js';
import type { CliIO, CommandEntry, CommandOptions, OptionSpec, ParsedArgs } from './cli-types.js';
import { COMMANDS } from './command-list.js';
import { packageVersion } from './package-version.js';
import { renderCommandHelp, renderOverview, visibleCommands } from './render-help.js';
import { restoreV8Defaults } from './startup-tuning.js';

/**
 * The one door out of devsup: runs a command and turns any DevsupError into one paragraph on
 * stderr and its exit code (1 runtime, 2 usage or manifest). A stack trace only with DEVSUP_DEBUG=1.
 */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    return reportError(error, io);
  }
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const { args, noColor } = withoutNoColor(argv);
  const [name, ...rest] = manifestOptionAfterCommand(args);
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest[0] === undefined)) {
    io.stdout.write(renderOverview(COMMANDS));
    return 0;
  }
  if (name === 'help') {
    io.stdout.write(renderCommandHelp(await commandNamed(rest[0]!)));
    return 0;
  }
  if (name === '--version' || name === '-V' || name === '-v') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = await commandNamed(name);
  // A command that parses its own arguments (`run`) finds `--help` where it is its own, not its command's.
  if (!command.parse && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout.write(renderCommandHelp(command));
    return 0;
  }
  const parsed = command.parse ? command.parse(rest) : parseOptions(command, rest);
  if (parsed.values.help === true) {
    io.stdout.write(renderCommandHelp(command));
    return 0;
  }
  // `--no-color` is NO_COLOR=1 for this run, so every place that colours (output/color.ts) hears it.
  const runIO = noColor || parsed.values['no-color'] === true ? { ...io, env: { ...io.env, NO_COLOR: '1' } } : io;
  const { run } = await command.load();
  if (!command.restoresV8Itself) restoreV8Defaults();
  return run(parsed, runIO);
}

function parseOptions(command: CommandEntry, args: string[]): ParsedArgs {
  try {
    return parseArgs({ args, options: parseArgsOptions(command.options), allowPositionals: true, strict: true });
  } catch (error) {
    const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec((error as Error).message)?.[1];
    if (ambiguous !== undefined) throw dashValueError(command, args, ambiguous);
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    const familiar = unknown === undefined ? undefined : command.familiarOptions?.[unknown];
    throw new UsageError(/[.!?]$/.test(message) ? message : `${message}.`, familiar ?? `Usage: ${command.usage}`);
  }
}

/**
 * `--since -5m`: node's parser will not take a value that looks like an option, and says so in three
 * lines naming `--n=-XYZ` for `-n`. One line instead, with the option's own long name.
 */
function dashValueError(command: CommandEntry, args: string[], option: string): UsageError {
  const long = option.startsWith('--')
    ? option
    : `--${Object.entries(command.options).find(([, spec]) => `-${spec.short}` === option)?.[0] ?? option.slice(1)}`;
  // Not found as a word of its own when it ends a group of short options (`-fn -1`).
  const at = args.indexOf(option);
  const value = at === -1 ? undefined : args[at + 1];
  const problem = value === undefined ? 'the word after it looks like an option' : `"${value}" looks like an option`;
  return new UsageError(
    `${option} needs a value, and ${problem}: write ${long}=${value ?? 'VALUE'} if that is the value.`,
    `Usage: ${command.usage}`,
  );
}

/** The command called `name`, else a usage error suggesting the nearest one. */
async function commandNamed(name: string): Promise<CommandEntry> {
  const command = COMMANDS[name];
  if (command) return command;
  const { didYouMean } = await import('../manifest/suggest.js');
  const names = visibleCommands(COMMANDS).map(([visible]) => visible);
  throw new UsageError(`unknown command "${name}"${didYouMean(name, names) || '.'}`, 'Run `devsup --help` for the list.');
}

/**
 * `--no-color`, devsup's own option wherever it stands before a `--`, taken out of what the command
 * parses; after the name of a command that parses its own arguments (`run`), that parser takes it
 * among its options, since the command it runs may have a `--no-color` of its own.
 */
function withoutNoColor(argv: string[]): { args: string[]; noColor: boolean } {
  const end = ownWordsEnd(argv);
  const args = argv.filter((arg, index) => index >= end || arg !== '--no-color');
  return { args, noColor: args.length < argv.length };
}

/** Where the words `--no-color` is looked for end: at `--`, or after the name of a command like `run`. */
function ownWordsEnd(argv: string[]): number {
  const dashes = argv.indexOf('--');
  const end = dashes === -1 ? argv.length : dashes;
  // The command's name: the first word that is neither an option nor the value of a leading -f.
  const at = argv.findIndex((arg, index) => index < end && !arg.startsWith('-') && argv[index - 1] !== '-f' && argv[index - 1] !== '--file');
  return at !== -1 && COMMANDS[argv[at]!]?.parse ? at + 1 : end;
}

/** A command's options as node's parseArgs takes them: without what only help reads. */
function parseArgsOptions(options: Record<string, OptionSpec>): CommandOptions {
  return Object.fromEntries(
    Object.entries(options).map(([name, { type, short, multiple }]) => [
      name,
      { type, ...(short === undefined ? {} : { short }), ...(multiple === undefined ? {} : { multiple }) },
    ]),
  );
}

/**
 * `devsup -f FILE up`, as `docker compose -f FILE up` takes it: a leading manifest option belongs to
 * the command after it. It becomes `--file` there, the one spelling every command shares (`logs`
 * uses `-f` for follow).
 */
function manifestOptionAfterCommand(argv: string[]): string[] {
  const [first = ''] = argv;
  let file: string | undefined;
  let rest: string[];
  if (first.startsWith('--file=')) [file, rest] = [first.slice('--file='.length), argv.slice(1)];
  else if (first === '-f' || first === '--file') [file, rest] = [argv[1], argv.slice(2)];
  else return argv;
  const [command, ...more] = rest;
  if (!file || command === undefined) throw new UsageError('-f FILE needs a file and then a command, e.g. `devsup -f services.yaml up`.');
  return [command, '--file', file, ...more];
}

function reportError(error: unknown, io: CliIO): number {
  const debug = io.env.DEVSUP_DEBUG === '1';
  if (error instanceof DevsupError) {
    io.stderr.write(`${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
    if (debug && error.stack) io.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = messageOf(error);
  io.stderr.write(`devsup: unexpected error: ${message}\n`);
  io.stderr.write(
    debug && error instanceof Error && error.stack
      ? `${error.stack}\n`
      : 'Run again with DEVSUP_DEBUG=1 for the stack trace, and please report it.\n',
  );
  return 1;
}

function defaultIO(): CliIO {
  return { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, env: process.env };
}
