import { fileURLToPath } from 'node:url';
import type { CommandEntry, OptionSpec } from './cli-types.js';

/**
 * Where every manifest key is described: docs/manifest.md, which the package ships. Two folders up
 * from this module is the package's root wherever it runs (src/cli/, dist/cli/, or dist/bin/, the
 * bundle), so the path is that of the devsup that prints it, installed or in a clone.
 */
export const MANIFEST_REFERENCE = fileURLToPath(new URL('../../docs/manifest.md', import.meta.url));

/** The options every command takes, handled before its own (main.ts). */
const COMMON_OPTIONS: [string, string][] = [
  ['-h, --help', 'show this help'],
  ['    --no-color', 'no colours (the same as NO_COLOR=1)'],
];

/** The commands help and completion show: all but devsup's own plumbing. */
export function visibleCommands(commands: Record<string, CommandEntry>): [string, CommandEntry][] {
  return Object.entries(commands).filter(([, command]) => !command.hidden);
}

/** The options help and completion show: all but devsup's own plumbing. */
export function visibleOptions(command: CommandEntry): [string, OptionSpec][] {
  return Object.entries(command.options).filter(([, spec]) => !spec.hidden);
}

/** `devsup --help`: every command in a line, the global options, and where the manifest is described. */
export function renderOverview(commands: Record<string, CommandEntry>, manifestReference = MANIFEST_REFERENCE): string {
  return [
    'devsup — run your local services on ports that never collide',
    '',
    'Usage: devsup <command> [options]',
    '',
    'Commands:',
    ...columns(visibleCommands(commands).map(([name, command]) => [name, command.summary])),
    '',
    'Options:',
    ...columns([
      ['-f FILE', 'the manifest, before or after the command; default: services.yaml here or in a parent folder'],
      ['-h, --help', 'this help; `devsup help COMMAND` or `devsup COMMAND --help`: its options and examples'],
      ['-V, --version', "devsup's version"],
      ['--no-color', 'no colours (the same as NO_COLOR=1)'],
    ]),
    '',
    'Environment: NO_COLOR=1 turns colours off, FORCE_COLOR=1 forces them (0: off); DEVSUP_DEBUG=1 shows stack traces.',
    `The manifest (services.yaml), every key it takes: ${manifestReference} (every command: cli.md beside it).`,
    '',
  ].join('\n');
}

/** `devsup COMMAND --help`: usage, what it does, every option in a line, and examples. */
export function renderCommandHelp(command: CommandEntry): string {
  const options = visibleOptions(command).map(([name, spec]): [string, string] => [optionLabel(name, spec), spec.description]);
  return [
    `Usage: ${command.usage}`,
    '',
    `  ${command.summary}`,
    '',
    'Options:',
    ...columns([...options, ...COMMON_OPTIONS]),
    '',
    ...(command.keys ? ['Keys:', ...columns(command.keys), ''] : []),
    'Examples:',
    ...columns(command.examples.map(({ run, does }) => [run, does])),
    '',
  ].join('\n');
}

/** `-f, --file FILE`, or `    --port SERVICE=PORT` (long options line up under short ones). */
export function optionLabel(name: string, spec: OptionSpec): string {
  const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : '';
  return `${spec.short ? `-${spec.short}, ` : '    '}--${name}${value}`;
}

/** Two columns, indented, the second aligned. */
function columns(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
