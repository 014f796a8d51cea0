import { stringify } from 'yaml';
import { DevsupError } from '../errors.js';
import { readInputFile, reasonOf } from '../files/safe-files.js';
import type { DependencyCondition, RestartPolicy } from './service-spec.js';

/** One service of a starter manifest, as `devsup init` writes it. */
export interface StarterService {
  key: string;
  title?: string;
  /** A string runs through sh, a list without a shell. */
  command: string | string[];
  /** Why the command is what it is, written above it (e.g. which flags pass a dev server devsup's port). */
  why?: string;
  cwd?: string;
  port?: number;
  /** `none` when the command fixes its port, so devsup can only check that it is free. */
  fallback?: 'none';
  /** `none` for a process that need not listen (a Procfile's worker); the default otherwise. */
  ready?: 'none' | { http: string } | { log: string } | { exec: string };
  /** A check repeated while it runs (`health`), with its timing where the source gave one. */
  health?: ({ http: string } | { exec: string }) & { interval?: string; timeout?: string; failures?: number };
  /** Its command starts something in the background and exits: it then has `ready` and `stopCommand` too. */
  daemon?: true;
  replicas?: number;
  env?: Record<string, string>;
  dependsOn?: Record<string, DependencyCondition>;
  restart?: RestartPolicy;
  maxRestarts?: number;
  critical?: boolean;
  autostart?: boolean;
  stopSignal?: string;
  stopTimeout?: string;
  stopCommand?: string;
}

/** What `devsup init` found to start from. */
export interface Starter {
  /** The file read, by name (`Procfile.dev`). */
  file: string;
  /** The project's name when the source has one; else the folder's. */
  project?: string;
  /** Where the services came from, as the file's first comment says it: "Made from your Procfile." */
  origin: string;
  /** The same, as init's summary line says it: "from your Procfile". */
  source: string;
  env?: Record<string, string>;
  services: StarterService[];
  /** What could not be translated, each `file:line: what and why`: said on stderr, never dropped silently. */
  notes: string[];
}

/**
 * The text `devsup init` writes: the services, then commented-out settings a newcomer will want
 * next, so the file teaches the manifest without a trip to the docs. Always a valid manifest.
 */
export function renderStarterManifest(folderName: string, starter: Starter): string {
  const origin = starter.origin;
  const project = starter.project ?? folderName;
  const lines = [
    `# devsup manifest. ${origin}`,
    '# `devsup check` validates it, `devsup up` starts everything. Each service gets its port in $PORT;',
    "# other services' ports are ${NAME.port} here and DEVSUP_<NAME>_PORT in their environment.",
    '# devsup also sets DEVSUP_SERVICE, DEVSUP_INSTANCE and DEVSUP_MANIFEST (PORT_<NAME> for named',
    '# ports, HOST with host:), FORCE_COLOR=1 on a terminal, and PYTHONUNBUFFERED=1 unless you set it:',
    "# a service's output is a pipe, and Python would hold its lines back.",
    `project: ${scalar(project)}`,
  ];
  if (starter.env && Object.keys(starter.env).length > 0) lines.push('env:', ...renderMap(starter.env, '  '));
  lines.push('services:');
  for (const service of starter.services) lines.push(...renderService(service));
  lines.push(...suggestionsFor(starter.services.at(-1)), '');
  return lines.join('\n');
}

/** Settings to uncomment, under the last service: those it has not got, so uncommenting one never repeats a key. */
function suggestionsFor(service: StarterService | undefined): string[] {
  const has = (set: object | string | undefined) => set !== undefined && (typeof set === 'string' || Object.keys(set).length > 0);
  return [
    ...(has(service?.ready) ? [] : ['    # ready: { http: /health }       # ready when this answers 2xx/3xx; by default when the port accepts']),
    ...(has(service?.dependsOn) ? [] : ['    # depends_on: [db]               # start after db is ready']),
    ...(has(service?.env) ? [] : ['    # env: { LOG_LEVEL: debug }']),
    '    # watch: [src]                   # restart on changes under src/',
  ];
}

function renderService(service: StarterService): string[] {
  const lines = [`  ${scalar(service.key)}:`];
  const field = (key: string, value: string, comment?: string) => lines.push(`    ${key}: ${value}${comment ? `  # ${comment}` : ''}`);
  if (service.title !== undefined) field('title', scalar(service.title));
  if (service.why !== undefined) lines.push(...service.why.split(/\r?\n/).map((line) => `    # ${line}`.trimEnd()));
  field('command', typeof service.command === 'string' ? scalar(service.command) : flow(service.command));
  if (service.cwd !== undefined) field('cwd', scalar(service.cwd));
  if (service.port !== undefined) field('port', String(service.port));
  if (service.fallback !== undefined) field('fallback', service.fallback, 'the command fixes its port: devsup checks that it is free');
  if (service.ready === 'none' && service.port !== undefined)
    lines.push(`    ready: none                      # running once started: it need not listen on its port`);
  else if (service.ready !== undefined && service.ready !== 'none') field('ready', flow(service.ready));
  if (service.health !== undefined) field('health', flow(service.health));
  if (service.daemon) field('daemon', 'true', 'its command starts it in the background and exits');
  if (service.replicas !== undefined) field('replicas', String(service.replicas));
  if (service.env && Object.keys(service.env).length > 0) lines.push('    env:', ...renderMap(service.env, '      '));
  if (service.dependsOn && Object.keys(service.dependsOn).length > 0) field('depends_on', flow(service.dependsOn));
  if (service.restart !== undefined)
    field('restart', service.restart, service.restart === 'never' ? 'runs once: not started again when it exits' : undefined);
  if (service.maxRestarts !== undefined) field('max_restarts', String(service.maxRestarts));
  if (service.critical !== undefined) field('critical', String(service.critical));
  if (service.autostart !== undefined) field('autostart', String(service.autostart), service.autostart ? undefined : 'starts on `devsup start NAME`');
  if (service.stopSignal !== undefined) field('stop_signal', service.stopSignal);
  if (service.stopTimeout !== undefined) field('stop_timeout', scalar(service.stopTimeout));
  if (service.stopCommand !== undefined) field('stop_command', scalar(service.stopCommand));
  return lines;
}

function renderMap(map: Record<string, string>, indent: string): string[] {
  return Object.entries(map).map(([key, value]) => `${indent}${scalar(key)}: ${scalar(value)}`);
}

/** A value as YAML writes it on one line, quoted only when it must be. */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** A small map or list as one line: `{ release: completed }`. */
function flow(value: Record<string, string | number> | string[]): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

/**
 * A file `init` reads to build a starter (a Procfile, package.json, …), or undefined when there is none;
 * one it cannot read (a FIFO, a device, a file too large) is refused, saying why.
 */
export function readStarterSource(file: string, shown: string): Buffer | undefined {
  try {
    return readInputFile(file);
  } catch (error) {
    throw new DevsupError(`cannot read ${shown}: ${reasonOf(error)}`, 2);
  }
}
