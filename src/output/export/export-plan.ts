import { existsSync } from 'node:fs';
import path from 'node:path';
import { DevsupError } from '../../errors.js';
import { CHILD_ENV_DEFAULTS, injectedEnv, primaryPort, type AssignedPorts } from '../../manifest/injected-env.js';
import { parseTemplate } from '../../manifest/interpolate.js';
import { resolveService } from '../../manifest/resolve-service.js';
import { quoteForShell } from '../../manifest/shell-quote.js';
import type { Manifest, ServiceSpec } from '../../manifest/service-spec.js';
import { isSecretName } from '../../secrets.js';
import { splitPlainCommand } from '../../supervisor/spawn-child.js';
import { childOf, toPlain, type YamlNode } from '../../manifest/yaml-node.js';
import { variable } from '../../manifest/env-record.js';

/**
 * What every export format starts from: each service's command and environment as devsup would
 * give its child with these ports, minus what must not be written into a file another tool reads
 * (the exporting shell's environment, values from env files). Pure but for one look for `.env`.
 */

export interface ExportInput {
  manifest: Manifest;
  ports: AssignedPorts;
  /** The exporting shell's environment: `${VAR}` lookups only, never written out whole. */
  baseEnv: NodeJS.ProcessEnv;
}

export type PlannedCommand = { argv: string[] } | { shell: string };

export interface PlannedService {
  spec: ServiceSpec;
  /** A list, or a string with no shell syntax split into words, runs as argv; anything else needs `sh -c`. */
  command: PlannedCommand;
  /**
   * Its stop_command, resolved, for a format that writes it: one that would carry a value from an
   * env file (or a secret of the shell) is refused then, as a command is, and not by the others.
   */
  stopCommand?: () => PlannedCommand;
  /** What the output sets itself, in devsup's order (defaults, top-level env, the service's env, devsup's own variables). */
  env: [string, string][];
  /** Absolute paths of the env files devsup reads for it, in order (top-level first): outputs point at them. */
  envFiles: string[];
  /** Names the env files set that `env` also sets: devsup's value wins over the file's. */
  overridesFileEnv: string[];
  ports: Record<string, number>; // port name → port, the first being PORT
  port?: number; // the primary port
}

export interface ExportPlan {
  manifest: Manifest;
  services: PlannedService[];
  /** What the plan itself had to leave out, for stderr; each format adds its own. */
  notes: string[];
}

/** A file an exporter writes: its name in the output folder and its text. */
export interface ExportedFile {
  name: string;
  text: string;
}

export interface ExportResult {
  files: ExportedFile[];
  /** Everything the format cannot say, one sentence each: printed on stderr, never dropped silently. */
  notes: string[];
}

export function planExport({ manifest, ports, baseEnv }: ExportInput): ExportPlan {
  const notes: string[] = [];
  const services = manifest.services.map((spec) => planService(manifest, spec, ports, baseEnv, notes));
  return { manifest, services, notes };
}

/** The services as the manifest declares them: a replicated one once, not as its replicas. */
export function declaredServices(plan: ExportPlan): ServiceSpec[] {
  return plan.manifest.declared ?? plan.manifest.services;
}

function planService(manifest: Manifest, spec: ServiceSpec, ports: AssignedPorts, baseEnv: NodeJS.ProcessEnv, notes: string[]): PlannedService {
  const injected = injectedEnv(manifest, spec, ports);
  const hidden = hiddenVariable(manifest, spec, injected, baseEnv);
  const refuseHidden = (key: 'command' | 'stop_command', templates: string[]) => {
    for (const template of templates) {
      const name = referencedVariables(template).find(hidden);
      if (name === undefined) continue;
      throw new DevsupError(
        `service "${spec.key}": its ${key} uses \${${name}}, ${whereFrom(manifest, spec, name)}, which devsup export never writes into a file.`,
        2,
        `Write the shell's own "$${name}" in a string ${key} instead (devsup leaves it alone): it is read from the environment when it runs.`,
      );
    }
  };
  refuseHidden('command', typeof spec.command === 'string' ? [spec.command] : spec.command);
  const resolved = resolveService(manifest, spec, ports, baseEnv, { platform: 'linux' });
  const fileEnv = { ...manifest.fileEnv, ...spec.fileEnv };
  const env: [string, string][] = [];
  const declared = { ...manifest.env, ...spec.env };
  for (const [name, value] of Object.entries(CHILD_ENV_DEFAULTS)) if (!(name in declared) && !(name in fileEnv)) env.push([name, value]);
  for (const [name, template] of Object.entries(declared)) {
    if (name in injected) continue; // set below, as devsup sets it
    const secret = referencedVariables(template).find(hidden);
    if (secret !== undefined) {
      notes.push(
        `${spec.key}: env ${name} is not written: it uses \${${secret}}, ${whereFrom(manifest, spec, secret)}; set ${name} in an env file, which the export points at`,
      );
      continue;
    }
    env.push([name, resolved.env[name]!]);
  }
  for (const name of Object.keys(injected)) env.push([name, resolved.env[name]!]);
  const command = typeof resolved.command !== 'string' ? { argv: resolved.command } : plainOrShell(resolved.command);
  const { stopCommand } = resolved;
  const own = ports.get(spec.key) ?? {};
  const port = primaryPort(spec, ports);
  return {
    spec,
    command,
    env,
    envFiles: envFilesOf(manifest, spec),
    overridesFileEnv: env.map(([name]) => name).filter((name) => name in fileEnv),
    ports: own,
    ...(port !== undefined && { port }),
    ...(stopCommand !== undefined && {
      stopCommand: () => {
        refuseHidden('stop_command', [spec.stopCommand!]);
        return plainOrShell(stopCommand);
      },
    }),
  };
}

function plainOrShell(command: string): PlannedCommand {
  const argv = splitPlainCommand(command, 'linux');
  return argv === undefined ? { shell: command } : { argv };
}

/**
 * Is `${name}` a value no export may hold: one from an env file (outputs point at the file
 * instead), or a secret-named one of the exporting shell? devsup's own variables are neither.
 */
function hiddenVariable(
  manifest: Manifest,
  spec: ServiceSpec,
  injected: Record<string, string>,
  baseEnv: NodeJS.ProcessEnv,
): (name: string) => boolean {
  return (name) => {
    if (Object.hasOwn(injected, name)) return false;
    if (Object.hasOwn(spec.fileEnv, name) || Object.hasOwn(manifest.fileEnv, name)) return true;
    return variable(baseEnv, name) !== undefined && isSecretName(name);
  };
}

function whereFrom(manifest: Manifest, spec: ServiceSpec, name: string): string {
  return name in spec.fileEnv || name in manifest.fileEnv ? 'a value from an env file' : 'a secret from your environment';
}

function referencedVariables(template: string): string[] {
  const parsed = parseTemplate(template);
  if ('error' in parsed) return []; // checked at load time
  return parsed.parts.flatMap((part) => (typeof part !== 'string' && part.ref.kind === 'var' ? [part.ref.name] : []));
}

/**
 * The env files devsup reads for a service, top-level first: `env_file` as the merged manifest has
 * it (relative to the manifest's folder), and the top level's default `.env` when there is one.
 */
function envFilesOf(manifest: Manifest, spec: ServiceSpec): string[] {
  const listOf = (value: unknown): string[] =>
    value === undefined
      ? []
      : Array.isArray(value)
        ? value.filter((item): item is string => typeof item === 'string')
        : typeof value === 'string'
          ? [value]
          : [];
  const plain = (node: YamlNode | undefined) => (node === undefined ? undefined : toPlain(node));
  const declared = childOf(childOf(manifest.document, 'services'), spec.replica?.group ?? spec.key);
  const topLevel = childOf(manifest.document, 'env_file');
  const topLevelFiles = topLevel === undefined ? (existsSync(path.join(manifest.dir, '.env')) ? ['.env'] : []) : listOf(plain(topLevel));
  return [...topLevelFiles, ...listOf(plain(childOf(declared, 'env_file')))].map((file) => path.resolve(manifest.dir, file));
}

/** Unit and file names made from a project name: letters, digits, `_`, `.` and `-`. */
export function appNameOf(project: string): string {
  return project.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'app';
}

/** A value as one `sh` word (outside quotes, every character a value can hold is quotable there). */
export function shellWord(value: string): string {
  return quoteForShell(value, { quote: 'none', backticks: 0 }, 'linux') as string;
}
