import type { ParseArgsConfig } from 'node:util';

export interface CliIO {
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** What a command module exports: it returns the exit code, or throws a DevsupError. */
export type RunCommand = (args: ParsedArgs, io: CliIO) => Promise<number>;

export interface CommandEntry {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Imported only when the command runs, so `devsup --help` loads nothing heavy. */
  load(): Promise<{ run: RunCommand }>;
}

const manifestOption = { file: { type: 'string', short: 'f' } } as const;
const jsonOption = { json: { type: 'boolean' } } as const;

export const COMMANDS: Record<string, CommandEntry> = {
  up: {
    summary: 'start the services (and what they depend on) or all, in the foreground',
    usage: 'devsup up [SERVICE…] [-f FILE] [--port SERVICE=PORT]…',
    options: { ...manifestOption, port: { type: 'string', multiple: true } },
    load: () => import('./commands/up.js'),
  },
  ports: {
    summary: 'the port table of the running instance (--json for scripts)',
    usage: 'devsup ports [--json] [-f FILE]',
    options: { ...manifestOption, ...jsonOption },
    load: () => import('./commands/ports.js'),
  },
  ps: {
    summary: 'the same as `devsup ports`',
    usage: 'devsup ps [--json] [-f FILE]',
    options: { ...manifestOption, ...jsonOption },
    load: () => import('./commands/ports.js'),
  },
  check: {
    summary: 'validate the manifest, print it merged and the ports it would get; starts nothing',
    usage: 'devsup check [-f FILE] [--port SERVICE=PORT]…',
    options: { ...manifestOption, port: { type: 'string', multiple: true } },
    load: () => import('./commands/check.js'),
  },
};
