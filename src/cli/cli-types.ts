import type { ParseArgsConfig } from 'node:util';

/** What a command may touch of the process: given, so commands run in tests without a real terminal. */
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

/** Options as node's parseArgs takes them. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;
