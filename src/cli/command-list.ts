import type { CommandEntry } from './cli-types.js';
import { UI_KEYS } from '../ui/ui-keys.js';
import { parseRunArguments, RUN_USAGE_LINE } from './run-arguments.js';

const manifestFile = {
  type: 'string',
  value: 'FILE',
  description: 'the manifest; default: services.yaml here or in the nearest parent folder that has one, else a Procfile',
} as const;
const manifestOption = { file: { ...manifestFile, short: 'f' } } as const;
const jsonOption = { json: { type: 'boolean', description: 'print JSON instead of the table, for scripts' } } as const;
const portOption = {
  port: {
    type: 'string',
    multiple: true,
    value: 'SERVICE=PORT',
    description: 'give SERVICE this preferred port for this run (SERVICE.NAME=PORT for a named port; PORT may be auto); repeatable',
  },
} as const;

/** `--profile`, as `up` takes it, with what it does for the command. */
const profileOption = (description: string) =>
  ({
    profile: {
      type: 'string',
      multiple: true,
      value: 'PROFILE',
      description,
    },
  }) as const;
/** `--scale`, as `up` takes it, with what it does for the command. */
const scaleOption = (description: string) =>
  ({
    scale: {
      type: 'string',
      multiple: true,
      value: 'SERVICE=N',
      description,
    },
  }) as const;

const basePortOption = {
  'base-port': {
    type: 'string',
    value: 'N',
    description: "a Procfile's first port, as foreman's -p: its processes prefer N, N+100, …; an error with a services.yaml",
  },
} as const;

export const COMMANDS: Record<string, CommandEntry> = {
  up: {
    summary: 'start the services (and what they depend on) or all, in the foreground; -d: in the background',
    usage:
      'devsup up [SERVICE…] [-d [--wait-timeout 60s]] [--ui] [-f FILE] [--profile PROFILE]… [--port SERVICE=PORT]… [--scale SERVICE=N]… [--base-port N] [--reclaim] [--timestamps]',
    options: {
      ...manifestOption,
      ...profileOption('also start the services with this profile (repeatable; DEVSUP_PROFILES=a,b too); services without profiles always start'),
      ...portOption,
      ...scaleOption('run SERVICE as N replicas this time (SERVICE.1 … SERVICE.N, each on its own port), as `replicas: N`; repeatable'),
      ...basePortOption,
      reclaim: { type: 'boolean', description: 'stop a devsup child of a finished instance that holds a preferred port, and take the port back' },
      timestamps: { type: 'boolean', description: 'start each line with the time it arrived, as `devsup logs --timestamps` prints it' },
      detach: {
        type: 'boolean',
        short: 'd',
        description: 'run in the background: return with the table once the services are ready, leaving them running',
      },
      'wait-timeout': {
        type: 'string',
        value: 'DURATION',
        description: 'with -d: exit 1 if the services are not ready by then, e.g. 60s or 2m (they keep starting); default: until they settle',
      },
      'detached-child': { type: 'boolean', hidden: true, description: 'what -d runs in the background; not for typing' },
      'color-services': {
        type: 'boolean',
        hidden: true,
        description: 'what --ui runs in the background: the services get FORCE_COLOR, as on a terminal; not for typing',
      },
      ui: { type: 'boolean', description: 'open `devsup ui` on the stack at once; q or Ctrl-C there stops it, as Ctrl-C stops `up`' },
    },
    examples: [
      { run: 'devsup up', does: 'start every service; Ctrl-C stops them all' },
      { run: 'devsup up api', does: 'start api and what it depends on' },
      { run: 'devsup up --port web=8080', does: 'run web on port 8080 this time' },
      { run: 'devsup up --profile debug', does: 'also start the services with `profiles: [debug]`' },
      { run: 'devsup up --scale web=3', does: 'run web as web.1, web.2 and web.3, each on its own port' },
      { run: 'devsup up -d', does: 'start every service in the background and return once they are ready; `devsup down` stops them' },
      { run: 'devsup up --ui', does: 'start every service and watch them in the terminal view; q stops them all' },
      { run: 'devsup up --base-port 3000', does: "a Procfile's processes on ports 3000, 3100, 3200…, as `foreman start -p 3000`" },
      { run: 'devsup up --reclaim', does: 'take a preferred port back from a service that a devsup which is gone left running' },
      { run: 'devsup up --timestamps', does: 'each line starts with the time it arrived' },
    ],
    arguments: 'services',
    familiarOptions: Object.fromEntries(
      ['--daemon', '-D'].map((option) => [option, 'To run in the background: `devsup up -d`; `devsup down` stops it.']),
    ),
    restoresV8Itself: true,
    load: () => import('./commands/up.js'),
  },
  ports: {
    summary: 'the port table of the running instance (--json for scripts)',
    usage: 'devsup ports [--json] [-f FILE]',
    options: { ...manifestOption, ...jsonOption },
    examples: [
      { run: 'devsup ports', does: 'every service with its port, status, pid and URL' },
      { run: 'devsup ports --json', does: 'the same as JSON' },
    ],
    load: () => import('./commands/ports.js'),
  },
  ps: {
    summary: 'the same as `devsup ports`',
    usage: 'devsup ps [--json] [-f FILE]',
    options: { ...manifestOption, ...jsonOption },
    examples: [
      { run: 'devsup ps', does: 'every service with its port, status, pid and URL' },
      { run: 'devsup ps --json', does: 'the same as JSON' },
    ],
    load: () => import('./commands/ports.js'),
  },
  ls: {
    summary: 'every devsup instance on this machine, from any folder: project, pid, uptime, services ready, ports (--json); needs no manifest',
    usage: 'devsup ls [--json]',
    options: { ...jsonOption },
    examples: [
      { run: 'devsup ls', does: 'every running devsup: project, pid, uptime, services ready, ports, manifest' },
      { run: 'devsup ls --json', does: 'the same as JSON' },
    ],
    load: () => import('./commands/ls.js'),
  },
  port: {
    summary: "print a service's port number alone, for scripts: curl localhost:$(devsup port api)",
    usage: 'devsup port SERVICE [NAME] [-f FILE]',
    options: { ...manifestOption },
    examples: [
      { run: 'curl localhost:$(devsup port api)/health', does: "ask api's health on whatever port it got" },
      { run: 'devsup port api metrics', does: "api's port named metrics (ports: {http: …, metrics: …})" },
    ],
    arguments: 'services',
    load: () => import('./commands/port.js'),
  },
  restart: {
    summary: 'restart services of the running instance, each on the port it has (--preferred: back on its preferred port, when free)',
    usage: 'devsup restart SERVICE… [--preferred] [-f FILE]',
    options: { ...manifestOption, preferred: { type: 'boolean', description: 'move each back to its preferred port, when that is free' } },
    examples: [
      { run: 'devsup restart api', does: 'restart api on its port; what it depends on keeps running' },
      { run: 'devsup restart api --preferred', does: 'restart api on its preferred port, if that is free now' },
    ],
    arguments: 'services',
    load: () => import('./commands/service-actions.js').then((module) => ({ run: module.runAction('restart') })),
  },
  scale: {
    summary: 'change how many replicas services of the running instance have; the others keep running',
    usage: 'devsup scale SERVICE=N… [-f FILE]',
    options: { ...manifestOption },
    examples: [
      { run: 'devsup scale web=5', does: 'start web.4 and web.5 beside web.1 … web.3, each on its own port' },
      { run: 'devsup scale web=2', does: 'stop the replicas above web.2; web.1 and web.2 keep running' },
    ],
    arguments: 'scales',
    load: () => import('./commands/scale.js'),
  },
  stop: {
    summary: 'stop services of the running instance; each keeps its port for a later start',
    usage: 'devsup stop SERVICE… [-f FILE]',
    options: { ...manifestOption },
    examples: [{ run: 'devsup stop worker', does: 'stop worker; its port stays reserved for `devsup start worker`' }],
    arguments: 'services',
    load: () => import('./commands/service-actions.js').then((module) => ({ run: module.runAction('stop') })),
  },
  start: {
    summary: 'start services of the running instance (stopped ones, or autostart: false)',
    usage: 'devsup start SERVICE… [-f FILE]',
    options: { ...manifestOption },
    examples: [{ run: 'devsup start worker', does: 'start worker (stopped, or autostart: false) in the running instance' }],
    arguments: 'services',
    load: () => import('./commands/service-actions.js').then((module) => ({ run: module.runAction('start') })),
  },
  logs: {
    summary: 'the last N lines (default 100) of the services, then with -f follow; --since, --grep and -t; from .devsup/logs once stopped',
    usage: 'devsup logs [SERVICE…] [-f] [-n N] [--since DURATION|TIME] [--grep REGEX [-i]] [-t] [--file FILE]',
    options: {
      follow: { type: 'boolean', short: 'f', description: 'keep printing new lines as they come, until Ctrl-C' },
      lines: {
        type: 'string',
        short: 'n',
        value: 'N',
        description: 'how many lines per service: the newest N of those the other options let through (default 100, every one with --since)',
      },
      file: manifestFile,
      since: { type: 'string', value: 'DURATION|TIME', description: 'only lines that arrived since then: 10m, 2h, 14:05, or a date and time' },
      grep: { type: 'string', value: 'REGEX', description: 'only lines that match this regular expression, anywhere in the line' },
      'ignore-case': { type: 'boolean', short: 'i', description: '--grep ignores case' },
      timestamps: { type: 'boolean', short: 't', description: 'start each line with the time it arrived' },
    },
    examples: [
      { run: 'devsup logs api -f', does: "api's last 100 lines, then its new ones as they come" },
      { run: 'devsup logs --since 10m -t', does: 'every line of the last ten minutes, each with the time it arrived' },
      { run: "devsup logs --grep 'timeout|refused' -i -n 20 -f", does: 'the last 20 matching lines, then the new ones that match' },
    ],
    arguments: 'services',
    load: () => import('./commands/logs.js'),
  },
  attach: {
    summary: "the running instance's output as `up` shows it (last lines, then live), with its keys; Ctrl-C detaches",
    usage: 'devsup attach [SERVICE…] [-f FILE]',
    options: { ...manifestOption },
    examples: [
      { run: 'devsup attach', does: 'follow the output of the devsup up of this folder, with its keys; Ctrl-C leaves it running' },
      { run: 'devsup attach api', does: "api's lines only" },
    ],
    arguments: 'services',
    load: () => import('./commands/attach.js'),
  },
  ui: {
    summary: "a full-screen view of the running instance: each service's status, port, CPU and memory; its logs, searchable; its keys",
    usage: 'devsup ui [-f FILE]',
    options: { ...manifestOption },
    examples: [
      { run: 'devsup ui', does: 'watch and drive the devsup up of this folder; q closes the view, the services keep running' },
      { run: 'devsup ui -f staging.yaml', does: 'the view of the instance of another manifest (`devsup up --ui` starts a stack with its view)' },
    ],
    keys: UI_KEYS,
    load: () => import('./commands/ui.js'),
  },
  wait: {
    summary: 'exit 0 once the services are ready; 1 on timeout or if one crashed (waits for `up` to start, too)',
    usage: 'devsup wait SERVICE… [--timeout 30s] [-f FILE]',
    options: {
      ...manifestOption,
      timeout: { type: 'string', value: 'DURATION', description: 'how long to wait before exit 1, e.g. 500ms, 30s or 2m (default 30s)' },
    },
    examples: [
      { run: 'devsup wait api db && npm run e2e', does: 'run the end-to-end tests once api and db are ready' },
      { run: 'devsup wait api --timeout 2m', does: 'give a slow api two minutes' },
    ],
    arguments: 'services',
    load: () => import('./commands/wait.js'),
  },
  run: {
    summary: "run a command with the stack's environment (its ports and URLs); --up: start the stack for it, and stop it after",
    usage: RUN_USAGE_LINE,
    options: {
      ...manifestOption,
      up: {
        type: 'boolean',
        description: 'start the services named after it (and what they depend on; all without names) first, and stop them after; `--` ends the names',
      },
      'wait-timeout': { type: 'string', value: 'DURATION', description: 'with --up: exit 1 if the services are not ready by then, e.g. 2m' },
      ...profileOption('with --up: also start the services with this profile, as `up --profile` does (repeatable; DEVSUP_PROFILES=a,b too)'),
      ...scaleOption(
        'SERVICE as N replicas: the command gets their ports (DEVSUP_<SERVICE>_PORTS); with --up they start; a running instance must have N already; repeatable',
      ),
    },
    examples: [
      { run: 'devsup run -- npx prisma migrate deploy', does: "run a migration with the manifest's env and the stack's ports" },
      { run: 'devsup run --up web api -- npx playwright test', does: 'start web and api, run the tests, stop them again' },
      { run: 'devsup run --up --profile e2e -- npm test', does: 'start every service, those of the e2e profile too, for the tests' },
      { run: 'devsup run --scale web=3 -- ./load-test.sh', does: 'the script gets DEVSUP_WEB_PORTS, the three ports web.1 … web.3 would have' },
      {
        run: 'devsup run sh -c \'curl "$DEVSUP_API_URL/health"\'',
        does: "a shell only when you ask for one: api's URL as the running instance has it",
      },
    ],
    parse: parseRunArguments,
    load: () => import('./commands/run.js'),
  },
  down: {
    summary: 'stop the running instance cleanly, as Ctrl-C does, and wait until it is gone',
    usage: 'devsup down [-f FILE]',
    options: { ...manifestOption },
    examples: [{ run: 'devsup down', does: 'stop the devsup up of this folder, and return once it has exited' }],
    load: () => import('./commands/down.js'),
  },
  who: {
    summary: 'which process holds a port: pid, command, user, since when, whether it is a devsup service; needs no manifest',
    usage: 'devsup who PORT [--json]',
    options: { json: { type: 'boolean', description: 'print JSON instead of text, for scripts' } },
    examples: [
      { run: 'devsup who 3000', does: 'who listens on port 3000, and whether devsup started it; exit 1 when free' },
      { run: 'devsup who 3000 --json', does: 'the same as JSON, every fact a key (null when unknown)' },
    ],
    load: () => import('./commands/who.js'),
  },
  mcp: {
    summary: 'the stack as MCP tools for coding agents (Claude Code, Cursor, VS Code), over stdin/stdout only: opens no port',
    usage: 'devsup mcp [-f FILE]',
    options: { ...manifestOption },
    examples: [
      { run: 'claude mcp add devsup -- npx devsup mcp', does: "let Claude Code start, wait for, read and stop this project's services" },
      { run: 'devsup mcp -f services.yaml', does: 'what an MCP client runs: the server, speaking JSON-RPC on stdin and stdout' },
    ],
    load: () => import('./commands/mcp.js'),
  },
  init: {
    summary: 'write a starter services.yaml (from a Procfile or package.json if there is one) and the .gitignore lines',
    usage: 'devsup init [-f FILE]',
    options: {
      file: { ...manifestOption.file, description: 'where to write the manifest (default services.yaml); an existing one is never overwritten' },
    },
    examples: [{ run: 'devsup init', does: 'write services.yaml here, from your Procfile or package.json scripts if there are any' }],
    load: () => import('./commands/init.js'),
  },
  check: {
    summary: 'validate the manifest, print it merged and the ports it would get; starts nothing',
    usage: 'devsup check [-f FILE] [--profile PROFILE]… [--port SERVICE=PORT]… [--scale SERVICE=N]… [--base-port N]',
    options: {
      ...manifestOption,
      ...profileOption('as for `up`: this profile is active, so its services are not named as left out (repeatable; DEVSUP_PROFILES=a,b too)'),
      ...portOption,
      ...scaleOption('as for `up`: plan SERVICE as N replicas, each with its port; repeatable'),
      ...basePortOption,
    },
    examples: [
      { run: 'devsup check', does: 'validate services.yaml; print it merged with services.local.yaml, and the ports planned' },
      {
        run: 'devsup check --scale web=3 --profile debug',
        does: 'the ports `devsup up --scale web=3 --profile debug` would give, and what it would not start',
      },
      { run: 'devsup check --port web=8080', does: 'the port web would get if it asked for 8080' },
      { run: 'devsup check --base-port 3000', does: "the ports a Procfile's processes would get from 3000 on" },
      { run: 'devsup check -f staging.yaml', does: 'the same for another manifest' },
    ],
    load: () => import('./commands/check.js'),
  },
  export: {
    summary: 'write the stack as systemd units, a compose.yaml or a Procfile; what the format cannot say is listed on stderr',
    usage:
      'devsup export systemd|compose|procfile [-o DIR] [--force] [--app NAME] [--user USER] [--ports now|preferred] [--image IMAGE] [--port SERVICE=PORT]… [-f FILE]',
    options: {
      ...manifestOption,
      ...portOption,
      output: {
        type: 'string',
        short: 'o',
        value: 'DIR',
        description: 'write the files into DIR (made if missing); default: stdout for compose and procfile; systemd needs it',
      },
      force: { type: 'boolean', description: 'replace files of an earlier export in DIR (and remove units of services no longer in the manifest)' },
      app: { type: 'string', value: 'NAME', description: 'the prefix of the unit names (NAME.target, NAME-SERVICE.service); default: the project' },
      user: { type: 'string', value: 'USER', description: 'systemd: system units that run as USER; default: user units (systemctl --user)' },
      ports: {
        type: 'string',
        value: 'WHICH',
        description: 'now: the ports devsup would give now, as check plans them (default); preferred: each preferred port, free or not',
      },
      image: { type: 'string', value: 'IMAGE', description: "compose: every service's image, e.g. node:20; default: one chosen from each command" },
    },
    examples: [
      { run: 'devsup export systemd -o systemd', does: 'systemd/assistant.target and one user unit per service, ready for ~/.config/systemd/user' },
      { run: 'devsup export compose > compose.yaml', does: 'a compose file beside the manifest; `docker compose up` runs the stack in containers' },
      { run: 'devsup export procfile --ports preferred', does: 'a Procfile with the preferred ports, for foreman or a Heroku-style host' },
      { run: 'devsup export compose --port web=8080', does: 'web on 8080 in the compose file, whatever the manifest prefers' },
      {
        run: 'devsup export systemd -o units --app shop --user deploy --force',
        does: 'system units shop.target and shop-SERVICE.service run as deploy, over an earlier export',
      },
    ],
    load: () => import('./commands/export.js'),
  },
  schema: {
    summary: 'print the JSON Schema of services.yaml, with which editors complete and check it (init points the file at it)',
    usage: 'devsup schema',
    options: {},
    examples: [{ run: 'devsup schema > services.schema.json', does: 'save it, for an editor or a JSON Schema validator in CI' }],
    load: () => import('./commands/schema.js'),
  },
  completion: {
    summary: 'print the shell completion script for bash, zsh or fish: commands, options and service names',
    usage: 'devsup completion bash|zsh|fish',
    options: {},
    examples: [
      { run: 'source <(devsup completion bash)', does: 'complete devsup in this bash; in ~/.bashrc, in every new one' },
      { run: 'devsup completion zsh > ~/.zfunc/_devsup', does: 'for zsh, with ~/.zfunc in $fpath before compinit' },
      { run: 'devsup completion fish > ~/.config/fish/completions/devsup.fish', does: 'for fish' },
    ],
    arguments: 'shells',
    load: () => import('./commands/completion.js').then((module) => ({ run: module.printCompletion(COMMANDS) })),
  },
  __complete: {
    summary: 'the service or profile names of the manifest here, one a line, for the completion scripts',
    usage: 'devsup __complete services|profiles [-f FILE]',
    options: { ...manifestOption },
    examples: [
      { run: 'devsup __complete services', does: 'api, db, web… one a line' },
      { run: 'devsup __complete profiles', does: 'debug, tools… one a line' },
    ],
    hidden: true,
    load: () => import('./commands/complete.js'),
  },
};
