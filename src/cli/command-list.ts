import type { CommandOptions, ParsedArgs, RunCommand } from './cli-types.js';
import { parseRunArguments, RUN_USAGE_LINE } from './run-arguments.js';

export interface CommandEntry {
  summary: string;
  usage: string;
  options: CommandOptions;
  /** Options of other tools people try here (`up -d`, as in docker compose), with what to do instead. */
  familiarOptions?: Record<string, string>;
  /** Parses its own arguments (`options` then only documents them): words after its command are that command's. */
  parse?(args: string[]): ParsedArgs;
  /** Calls startupSettled() itself once its start-up is over; every other command as soon as it is loaded. */
  settlesOwnStartup?: true;
  /** Imported only when the command runs, so `devsup --help` loads nothing heavy. */
  load(): Promise<{ run: RunCommand }>;
}

const manifestOption = { file: { type: 'string', short: 'f' } } as const;
const jsonOption = { json: { type: 'boolean' } } as const;

export const COMMANDS: Record<string, CommandEntry> = {
  up: {
    summary: 'start the services (and what they depend on) or all, in the foreground; -d: in the background',
    usage: 'devsup up [SERVICE…] [-d [--wait-timeout 60s]] [-f FILE] [--port SERVICE=PORT]… [--base-port N] [--reclaim] [--timestamps]',
    options: {
      ...manifestOption,
      port: { type: 'string', multiple: true },
      'base-port': { type: 'string' },
      reclaim: { type: 'boolean' },
      detach: { type: 'boolean', short: 'd' },
      'wait-timeout': { type: 'string' },
      // What `up -d` runs in the background (detach.ts); not for people to type.
      'detached-child': { type: 'boolean' },
      timestamps: { type: 'boolean' },
    },
    familiarOptions: Object.fromEntries(
      ['--daemon', '-D'].map((option) => [option, 'To run in the background: `devsup up -d`; `devsup down` stops it.']),
    ),
    settlesOwnStartup: true,
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
  ls: {
    summary: 'every devsup instance on this machine, from any folder: project, pid, uptime, services ready, ports (--json); needs no manifest',
    usage: 'devsup ls [--json]',
    options: { ...jsonOption },
    load: () => import('./commands/ls.js'),
  },
  port: {
    summary: "print a service's port number alone, for scripts: curl localhost:$(devsup port api)",
    usage: 'devsup port SERVICE [NAME] [-f FILE]',
    options: { ...manifestOption },
    load: () => import('./commands/port.js'),
  },
  restart: {
    summary: 'restart services of the running instance, each on the port it has (--preferred: back on its preferred port, when free)',
    usage: 'devsup restart SERVICE… [--preferred] [-f FILE]',
    options: { ...manifestOption, preferred: { type: 'boolean' } },
    load: () => import('./commands/service-actions.js').then((module) => ({ run: module.runAction('restart') })),
  },
  stop: {
    summary: 'stop services of the running instance; each keeps its port for a later start',
    usage: 'devsup stop SERVICE… [-f FILE]',
    options: { ...manifestOption },
    load: () => import('./commands/service-actions.js').then((module) => ({ run: module.runAction('stop') })),
  },
  start: {
    summary: 'start services of the running instance (stopped ones, or autostart: false)',
    usage: 'devsup start SERVICE… [-f FILE]',
    options: { ...manifestOption },
    load: () => import('./commands/service-actions.js').then((module) => ({ run: module.runAction('start') })),
  },
  logs: {
    summary: 'the last N lines (default 100) of the services, then with -f follow; --since, --grep and -t; from .devsup/logs once stopped',
    usage: 'devsup logs [SERVICE…] [-f] [-n N] [--since DURATION|TIME] [--grep REGEX [-i]] [-t] [--file FILE]',
    options: {
      follow: { type: 'boolean', short: 'f' },
      lines: { type: 'string', short: 'n' },
      file: { type: 'string' },
      since: { type: 'string' },
      grep: { type: 'string' },
      'ignore-case': { type: 'boolean', short: 'i' },
      timestamps: { type: 'boolean', short: 't' },
    },
    load: () => import('./commands/logs.js'),
  },
  attach: {
    summary: "the running instance's output as `up` shows it (last lines, then live), with its keys; Ctrl-C detaches",
    usage: 'devsup attach [SERVICE…] [-f FILE]',
    options: { ...manifestOption },
    load: () => import('./commands/attach.js'),
  },
  wait: {
    summary: 'exit 0 once the services are ready; 1 on timeout or if one crashed (waits for `up` to start, too)',
    usage: 'devsup wait SERVICE… [--timeout 30s] [-f FILE]',
    options: { ...manifestOption, timeout: { type: 'string' } },
    load: () => import('./commands/wait.js'),
  },
  run: {
    summary: "run a command with the stack's environment (its ports and URLs); --up: start the stack for it, and stop it after",
    usage: RUN_USAGE_LINE,
    options: { ...manifestOption, up: { type: 'boolean' }, 'wait-timeout': { type: 'string' } },
    parse: parseRunArguments,
    load: () => import('./commands/run.js'),
  },
  down: {
    summary: 'stop the running instance cleanly, as Ctrl-C does, and wait until it is gone',
    usage: 'devsup down [-f FILE]',
    options: { ...manifestOption },
    load: () => import('./commands/down.js'),
  },
  who: {
    summary: 'which process holds a port: pid, command, user, since when, whether it is a devsup service; needs no manifest',
    usage: 'devsup who PORT [--json]',
    options: { ...jsonOption },
    load: () => import('./commands/who.js'),
  },
  init: {
    summary: 'write a starter services.yaml (from a Procfile or package.json if there is one) and the .gitignore lines',
    usage: 'devsup init [-f FILE]',
    options: { ...manifestOption },
    load: () => import('./commands/init.js'),
  },
  check: {
    summary: 'validate the manifest, print it merged and the ports it would get; starts nothing',
    usage: 'devsup check [-f FILE] [--port SERVICE=PORT]… [--base-port N]',
    options: { ...manifestOption, port: { type: 'string', multiple: true }, 'base-port': { type: 'string' } },
    load: () => import('./commands/check.js'),
  },
  schema: {
    summary: 'print the JSON Schema of services.yaml, with which editors complete and check it (init points the file at it)',
    usage: 'devsup schema',
    options: {},
    load: () => import('./commands/schema.js'),
  },
};
