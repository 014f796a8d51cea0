import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DevsupError, UsageError, messageOf } from '../errors.js';
import type { CliIO, ParsedArgs } from './cli-types.js';
import { COMMANDS, type CommandEntry } from './command-list.js';
import { startupSettled } from './startup-tuning.js';

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
  const [name, ...rest] = manifestOptionAfterCommand(argv);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(renderHelp(rest[0]));
    return 0;
  }
  if (name === '--version' || name === '-V' || name === '-v') {
    io.stdout.write(`${readVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const { didYouMean } = await import('../manifest/suggest.js');
    throw new UsageError(`unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS)) || '.'}`);
  }
  // A command that parses its own arguments sees `--help` where it belongs to it, not to the command it runs.
  if (!command.parse && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout.write(renderHelp(name));
    return 0;
  }
  const parsed = command.parse ? command.parse(rest) : parseOptions(command, rest);
  if (parsed.values.help === true) {
    io.stdout.write(renderHelp(name));
    return 0;
  }
  const { run } = await command.load();
  if (!command.settlesOwnStartup) startupSettled();
  return run(parsed, io);
}

function parseOptions(command: CommandEntry, args: string[]): ParsedArgs {
  try {
    return parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    const familiar = unknown === undefined ? undefined : command.familiarOptions?.[unknown];
    throw new UsageError(/[.!?]$/.test(message) ? message : `${message}.`, familiar ?? `Usage: ${command.usage}`);
  }
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

function renderHelp(name?: string): string {
  const command = name === undefined ? undefined : COMMANDS[name];
  if (command) return `${command.usage}\n\n  ${command.summary}\n`;
  const width = Math.max(...Object.keys(COMMANDS).map((key) => key.length));
  const lines = Object.entries(COMMANDS).map(([key, entry]) => `  ${key.padEnd(width)}  ${entry.summary}`);
  return [
    'devsup — run your local services on ports that never collide',
    '',
    'Usage: devsup <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options: -f FILE (the manifest, before or after the command; default services.yaml here or in a parent folder), -h/--help, -V/--version',
    'Environment: NO_COLOR=1 turns colours off; DEVSUP_DEBUG=1 shows stack traces.',
    '',
  ].join('\n');
}

/** Errors of a stream whose reader has gone: `devsup check | head -1` once head has exited. */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * A command whose reader goes away ends as it would have, without a stack trace: what it still
 * writes is dropped. Commands may listen too (`up` stops, `logs -f` stops reading); any other
 * error of the stream is thrown, as it would be with no listener.
 */
export function endQuietlyWhenReaderGoes(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!READER_GONE.has(error.code ?? '')) throw error;
  });
}

/** The version in the package.json beside the build (dist/bin and dist/cli are two folders below it), the one npm installed. */
function readVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
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
