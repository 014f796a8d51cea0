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

/** One option of a command: node's parseArgs settings (see parseArgsOptions in main.ts) and its help. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** What a string option's value is called in help and usage: FILE, SERVICE=PORT. */
  value?: string;
  /** One line for `devsup COMMAND --help`. */
  description: string;
  /** Left out of help and completion: devsup's own plumbing (`up --detached-child`). */
  hidden?: true;
}

/** A command line as help shows it, and what it does. */
export interface Example {
  run: string;
  does: string;
}

export interface CommandEntry {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** At least one, shown by `devsup COMMAND --help`. */
  examples: Example[];
  /** What shell completion offers for the command's arguments; `scales`: service names followed by `=` (SERVICE=N). */
  arguments?: 'services' | 'scales' | 'shells' | 'commands';
  /** Left out of help and completion: devsup's own plumbing. */
  hidden?: true;
  /**
   * Parses its own arguments, where node's parseArgs would take a command's options for devsup's
   * (`devsup run node -e …`); `options` then describe devsup's own, for help.
   */
  parse?(args: string[]): ParsedArgs;
  /** Keys it takes on a terminal (`devsup ui`), listed by its help. */
  keys?: [string, string][];
  /** Options of other tools people try here (`up -d`, as in docker compose), with what to do instead. */
  familiarOptions?: Record<string, string>;
  /** Calls restoreV8Defaults() itself when it has hot work (startup-tuning.ts); every other command as soon as it is loaded. */
  restoresV8Itself?: true;
  /** Imported only when the command runs, so `devsup --help` loads nothing heavy. */
  load(): Promise<{ run: RunCommand }>;
}
