import { readFileSync } from 'node:fs';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import { portVariable } from './injected-env.js';
import type { Manifest, ServiceSpec } from './service-spec.js';
import { addIssue } from './validators.js';
import { childOf, type MapNode, type YamlNode } from './yaml-node.js';

/**
 * What the OS lets one new process be given. Over it, every start fails (E2BIG) however often it is
 * tried, so a manifest that goes over is refused at load, where the value is written.
 */
export interface ExecLimits {
  /** Arguments and environment together, in bytes, each string with its NUL and pointer. */
  total?: number;
  /** One argument, or one `NAME=value`, alone. */
  perString?: number;
  /** How `perString` counts: Windows counts UTF-16 characters. */
  unit: 'bytes' | 'characters';
  /** Where the limits come from, for the messages: the OS, and how the total is set. */
  source: string;
  totalSource?: string;
}

/** Linux's MAX_ARG_STRLEN (32 pages): one string of an exec, NUL included. */
const LINUX_STRING_LIMIT = 128 * 1024;
/** Linux's floor and ceiling for the total: ARG_MAX, and three quarters of the kernel's 8 MiB stack. */
const LINUX_TOTAL_FLOOR = 128 * 1024;
const LINUX_TOTAL_CEILING = 6 * 1024 * 1024;
/** What Linux allows with the usual 8 MiB stack, if /proc cannot say otherwise. */
const LINUX_TOTAL_USUAL = 2 * 1024 * 1024;
/** macOS's kern.argmax. */
const MACOS_TOTAL = 1024 * 1024;
/** Windows: one variable, and the whole command line, in characters. */
const WINDOWS_STRING_LIMIT = 32_767;
const POINTER_BYTES = 8;

export function execLimits(platform: NodeJS.Platform = process.platform): ExecLimits {
  switch (platform) {
    case 'linux':
      return {
        total: (linuxTotal ??= linuxTotalLimit()),
        perString: LINUX_STRING_LIMIT,
        unit: 'bytes',
        source: 'Linux',
        totalSource: 'Linux: a quarter of the stack limit, `ulimit -s`',
      };
    case 'darwin':
      return { total: MACOS_TOTAL, unit: 'bytes', source: 'macOS', totalSource: 'macOS: kern.argmax' };
    case 'win32':
      return { perString: WINDOWS_STRING_LIMIT, unit: 'characters', source: 'Windows' };
    default:
      return { unit: 'bytes', source: platform };
  }
}

/** Read once: a process's stack limit is set before it starts, and every env file asks. */
let linuxTotal: number | undefined;

/** A quarter of the stack's soft limit, within the kernel's floor and ceiling (fs/exec.c). */
function linuxTotalLimit(): number {
  let limits: string;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return LINUX_TOTAL_USUAL;
  }
  const soft = /^Max stack size\s+(\S+)/m.exec(limits)?.[1];
  if (soft === 'unlimited') return LINUX_TOTAL_CEILING;
  const bytes = Number(soft);
  return Number.isFinite(bytes) ? Math.max(LINUX_TOTAL_FLOOR, Math.min(LINUX_TOTAL_CEILING, bytes / 4)) : LINUX_TOTAL_USUAL;
}

/**
 * Each service's command and environment against `limits`: one value over the limit for a string is
 * named where it is written; a service whose whole start (its env files, `env`, the top-level ones,
 * devsup's variables and the environment devsup runs in) is over the total is named at its `env`.
 * Templates are counted as written: a `${…}` rarely changes a size by much.
 */
export function checkExecLimits(
  root: MapNode,
  manifest: Pick<Manifest, 'fileEnv' | 'services'>,
  baseEnv: NodeJS.ProcessEnv,
  issues: ManifestIssue[],
  limits: ExecLimits = execLimits(),
): void {
  const size = sizeIn(limits.unit);
  const perString = limits.perString ?? Infinity;
  const over = (amount: number, limit: number, what: string) =>
    `${describeSize(amount, limits.unit)}, and the OS ${what} over ${describeSize(limit, limits.unit)} (${limits.source})`;
  const services = childOf(root, 'services');
  // Read off the written map, not the record made of it: a large manifest's env is mostly these loops.
  // A UTF-16 length is at most a third of the UTF-8 bytes it makes, so bytes are counted only near a limit.
  const writtenEnv = (owner: YamlNode | undefined): MapNode | undefined => {
    const env = childOf(owner, 'env');
    if (env?.kind !== 'map') return undefined;
    for (const [name, { node }] of env.entries) {
      if (node.kind !== 'scalar' || node.value === null) continue;
      const value = String(node.value);
      if ((name.length + value.length + 2) * 3 <= perString) continue;
      const length = size(name) + size(value) + 1;
      if (length + 1 > perString)
        addIssue(
          issues,
          node.pos,
          `env.${name} is ${over(length, perString, 'passes no single variable')}: put the data in a file and pass its path`,
        );
    }
    return env;
  };
  const topEnv = writtenEnv(root);
  const starts = manifest.services.map((service) => {
    const node = childOf(services, service.key);
    const env = writtenEnv(node);
    const argv = typeof service.command === 'string' ? ['/bin/sh', '-c', service.command] : service.command;
    const long = argv.find((word) => size(word) + 1 > perString);
    const at = childOf(node, 'command')?.pos;
    if (long !== undefined && at)
      addIssue(
        issues,
        at,
        `service "${service.key}": its command is ${over(size(long), perString, 'passes no single argument')}: put the data in a file and pass its path`,
      );
    return { service, env, argv };
  });
  const { total: limit } = limits;
  if (limit === undefined) return;
  const shared = sizeOfVariables(baseEnv) + sizeOfVariables(manifest.fileEnv) + sizeOfDevsupVariables(manifest.services);
  const topBound = variablesSize(topEnv, 3);
  let topBytes: number | undefined;
  for (const { service, env, argv } of starts) {
    const fileEnv = sizeOfVariables(service.fileEnv);
    const argvBound = argv.reduce((sum, word) => sum + word.length * 3 + 1 + POINTER_BYTES, 0);
    if (shared + topBound + fileEnv + variablesSize(env, 3) + argvBound <= limit) continue;
    topBytes ??= variablesSize(topEnv, 1);
    const own = fileEnv + variablesSize(env, 1);
    const total = shared + topBytes + own + argv.reduce((sum, word) => sum + Buffer.byteLength(word) + 1 + POINTER_BYTES, 0);
    if (total <= limit) continue;
    const entry = services?.kind === 'map' ? services.entries.get(service.key) : undefined;
    const at: SourcePosition | undefined = (entry?.node.kind === 'map' ? entry.node.entries.get('env')?.keyPos : undefined) ?? entry?.keyPos;
    if (at === undefined) continue;
    addIssue(
      issues,
      at,
      `service "${service.key}": its command and environment come to ${describeSize(total, limits.unit)} (its own env and env files ${describeSize(own, limits.unit)} of it), and the OS starts no process with more than ${describeSize(limit, limits.unit)} (${limits.totalSource ?? limits.source}): put large values in a file and pass its path`,
    );
  }
}

/**
 * The bytes a written env map takes in a child's environment: `NAME=value`, its NUL and its pointer each.
 * `perCharacter` 3 bounds it from above by lengths alone; 1 counts the UTF-8 bytes.
 */
function variablesSize(env: MapNode | undefined, perCharacter: 1 | 3): number {
  let total = 0;
  for (const [name, { node }] of env?.entries ?? []) {
    if (node.kind !== 'scalar' || node.value === null) continue;
    const value = String(node.value);
    total += (perCharacter === 1 ? Buffer.byteLength(name) + Buffer.byteLength(value) : (name.length + value.length) * 3) + 2 + POINTER_BYTES;
  }
  return total;
}

/** `NAME=value` and its NUL, and the pointer to it, for each variable. */
function sizeOfVariables(env: Readonly<Record<string, string | undefined>>): number {
  let total = 0;
  for (const [name, value] of Object.entries(env))
    if (value !== undefined) total += Buffer.byteLength(name) + Buffer.byteLength(value) + 2 + POINTER_BYTES;
  return total;
}

/** Every `DEVSUP_<KEY>_PORT=NNNNN` each child gets, and room for its own few (PORT, HOST, DEVSUP_SERVICE, DEVSUP_INSTANCE…). */
function sizeOfDevsupVariables(services: ServiceSpec[]): number {
  const OWN_VARIABLES = 4096;
  return services.reduce(
    (sum, service) => sum + (service.ports.length > 0 ? portVariable(service.key).length + 7 + POINTER_BYTES : 0),
    OWN_VARIABLES,
  );
}

/** How a limit of `unit` measures a string. */
export function sizeIn(unit: ExecLimits['unit']): (text: string) => number {
  return unit === 'bytes' ? (text) => Buffer.byteLength(text) : (text) => text.length;
}

export function describeSize(amount: number, unit: ExecLimits['unit']): string {
  if (unit === 'characters') return `${amount.toLocaleString('en-US')} characters`;
  if (amount < 1024 * 1024) return `${Math.ceil(amount / 1024)} KiB`;
  return `${(amount / 1024 / 1024).toFixed(1)} MiB`;
}
