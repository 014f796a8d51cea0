import { statSync } from 'node:fs';
import path from 'node:path';
import type { ManifestIssue } from '../errors.js';
import { readEnvFiles } from './env-files.js';
import { readDependsOn } from './read-depends-on.js';
import { readFallback, readPorts } from './read-ports.js';
import { readProfiles } from './profiles.js';
import { readHealth } from './read-health.js';
import { readReady } from './read-ready.js';
import { renderCwd, type CwdScope } from './render-cwd.js';
import { SERVICE_NAME } from './service-names.js';
import type { NamedPortSpec, RestartPolicy, ServiceSpec } from './service-spec.js';
import {
  addIssue,
  checkKeys,
  readBoolean,
  readChoice,
  readDuration,
  readEnv,
  readNonNegativeInteger,
  readSignal,
  readString,
  readStringList,
  reportWrong,
} from './validators.js';
import { childOf, type MapEntry, type YamlNode } from './yaml-node.js';

/** Every key a service may have; docs/manifest.md documents each, the JSON Schema has each (both tested). */
export const SERVICE_KEYS = [
  'title',
  'command',
  'cwd',
  'env',
  'env_file',
  'port',
  'ports',
  'port_env',
  'host',
  'fallback',
  'socket',
  'url',
  'ready',
  'ready_timeout',
  'health',
  'depends_on',
  'restart',
  'max_restarts',
  'critical',
  'stop_signal',
  'stop_timeout',
  'stop_command',
  'daemon',
  'watch',
  'watch_ignore',
  'watch_cascade',
  'autostart',
  'profiles',
  'replicas',
] as const;
export { SERVICE_NAME }; // where init.ts and others look for it
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const RESTART_POLICIES: readonly RestartPolicy[] = ['on-failure', 'always', 'never'];

export interface ServiceContext {
  dir: string; // the manifest's folder
  serviceKeys: string[];
  issues: ManifestIssue[];
  envFiles: Set<string>; // every env file looked for, absolute
  topFileEnv: Record<string, string>; // with processEnv, what `${VAR}` in cwd reads
  processEnv: NodeJS.ProcessEnv;
}

/** One entry of `services`, checked and completed with the defaults; undefined when it is not a map. */
export function readService(key: string, entry: MapEntry, context: ServiceContext): ServiceSpec | undefined {
  const { dir, issues } = context;
  if (!SERVICE_NAME.test(key)) {
    addIssue(issues, entry.keyPos, `invalid service name "${key}": use letters, digits, "_", "." and "-", starting with a letter or digit`);
  }
  const map = entry.node;
  if (map.kind !== 'map') {
    reportWrong(issues, map, `service "${key}"`, 'a map with at least a "command"');
    return undefined;
  }
  checkKeys(map, SERVICE_KEYS, issues);
  const field = (name: (typeof SERVICE_KEYS)[number]): YamlNode | undefined => childOf(map, name);

  const ports = readPorts(map, issues);
  const portEnv = readString(field('port_env'), 'port_env', issues);
  if (portEnv !== undefined && !ENV_NAME.test(portEnv))
    addIssue(issues, field('port_env')!.pos, `port_env "${portEnv}" is not a valid variable name`);
  if (portEnv !== undefined && ports.length === 0) addIssue(issues, field('port_env')!.pos, `port_env needs a port, but service "${key}" has none`);
  const socket = readBoolean(field('socket'), 'socket', issues) ?? false;
  if (socket && ports.length === 0) addIssue(issues, field('socket')!.pos, `socket: true needs a port, but service "${key}" has none`);
  const readyTimeoutMs = readDuration(field('ready_timeout'), 'ready_timeout', issues);
  if (readyTimeoutMs === 0) addIssue(issues, field('ready_timeout')!.pos, 'ready_timeout must be more than 0');
  const host = readString(field('host'), 'host', issues);
  const url = readString(field('url'), 'url', issues);
  const fileEnv = readEnvFiles(field('env_file'), dir, issues, context.envFiles);
  const profiles = readProfiles(field('profiles'), issues);
  const replicas = readReplicas(field('replicas'), key, ports, context.serviceKeys, issues);
  const health = readHealth(field('health'), key, ports.length > 0, issues);
  const stopCommand = readString(field('stop_command'), 'stop_command', issues);
  const daemon = readBoolean(field('daemon'), 'daemon', issues) ?? false;
  if (daemon) checkDaemon(field('daemon')!, key, field('ready'), field('stop_command'), issues);

  return {
    key,
    title: readString(field('title'), 'title', issues) ?? key,
    command: readCommand(map.entries.get('command'), key, entry, issues),
    cwd: readCwd(field('cwd'), dir, { ...context, key, ports, portEnv, host, fileEnv }, issues),
    env: readEnv(field('env'), 'env', issues),
    fileEnv,
    ports,
    ...(portEnv !== undefined && { portEnv }),
    ...(host !== undefined && { host }),
    fallback: readFallback(field('fallback'), issues),
    socket,
    ...(url !== undefined && { url }),
    ready: readReady(field('ready'), key, ports.length > 0, issues),
    readyTimeoutMs: readyTimeoutMs ?? 60_000,
    ...(health !== undefined && { health }),
    dependsOn: readDependsOn(field('depends_on'), key, context.serviceKeys, issues),
    restart: readChoice(field('restart'), 'restart', RESTART_POLICIES, issues) ?? 'on-failure',
    maxRestarts: readNonNegativeInteger(field('max_restarts'), 'max_restarts', issues) ?? 5,
    critical: readBoolean(field('critical'), 'critical', issues) ?? false,
    stopSignal: readSignal(field('stop_signal'), 'stop_signal', issues) ?? 'SIGTERM',
    stopTimeoutMs: readDuration(field('stop_timeout'), 'stop_timeout', issues) ?? 5_000,
    ...(stopCommand !== undefined && { stopCommand }),
    daemon,
    watch: readStringList(field('watch'), 'watch', 'glob', issues) ?? [],
    watchIgnore: readStringList(field('watch_ignore'), 'watch_ignore', 'glob', issues) ?? [],
    watchCascade: readBoolean(field('watch_cascade'), 'watch_cascade', issues) ?? false,
    autostart: readBoolean(field('autostart'), 'autostart', issues) ?? true,
    profiles,
    inActiveProfile: profiles.length === 0,
    ...(replicas !== undefined && { replicas }),
  };
}

/** `replicas: N`, N ≥ 1; each replica's key must be free, and each replica's preferred ports (+ i − 1) must exist. */
function readReplicas(
  node: YamlNode | undefined,
  key: string,
  ports: NamedPortSpec[],
  serviceKeys: string[],
  issues: ManifestIssue[],
): number | undefined {
  if (node === undefined) return undefined;
  if (node.kind !== 'scalar' || !Number.isInteger(node.value) || (node.value as number) < 1) {
    reportWrong(issues, node, 'replicas', 'a whole number, 1 or more');
    return undefined;
  }
  const count = node.value as number;
  const problem = replicasProblem(key, count, ports, serviceKeys);
  if (problem !== undefined) addIssue(issues, node.pos, problem);
  return count;
}

/** Why `key` cannot run as `count` replicas: a replica's key is another service's, or a port would pass 65535. */
export function replicasProblem(key: string, count: number, ports: NamedPortSpec[], serviceKeys: string[]): string | undefined {
  const taken = serviceKeys.find(
    (other) => other.startsWith(`${key}.`) && /^\d+$/.test(other.slice(key.length + 1)) && Number(other.slice(key.length + 1)) <= count,
  );
  if (taken !== undefined) return `replicas: ${count} would name a replica "${taken}", which is another service: rename that service`;
  const highest = Math.max(0, ...ports.map((port) => (port.preferred === 'auto' ? 0 : port.preferred)));
  if (highest + count - 1 > 65535) return `replicas: ${count} would prefer port ${highest + count - 1} for the last replica, above 65535`;
  return undefined;
}

/**
 * A daemon's command exits once the daemon runs in the background: only its readiness check says it
 * is up, and only its stop_command can stop it.
 */
function checkDaemon(node: YamlNode, key: string, ready: YamlNode | undefined, stopCommand: YamlNode | undefined, issues: ManifestIssue[]): void {
  const readyNone = ready?.kind === 'scalar' && ready.value === 'none';
  if (ready === undefined || readyNone) {
    const why = readyNone ? 'has ready: none' : 'has none';
    addIssue(
      issues,
      node.pos,
      `daemon: true needs a readiness check, but service "${key}" ${why}: give it "ready: tcp", {http: /path} or {exec: CMD}, which tells devsup the daemon runs`,
    );
  }
  if (stopCommand === undefined) {
    addIssue(
      issues,
      node.pos,
      `daemon: true needs a stop_command, but service "${key}" has none: its command exits, so only that command can stop what it started`,
    );
  }
}

/** A string runs through the shell, a list without; either must say something. */
function readCommand(command: MapEntry | undefined, key: string, service: MapEntry, issues: ManifestIssue[]): string | string[] {
  if (command === undefined) {
    addIssue(issues, service.keyPos, `service "${key}" has no "command"`);
    return '';
  }
  const { node } = command;
  if (node.kind === 'scalar' && typeof node.value === 'string' && node.value.trim() !== '') return node.value;
  if (node.kind === 'list' && node.items.length > 0) {
    return node.items.map((item, i) => {
      if (item.kind === 'scalar' && typeof item.value === 'string' && (i > 0 || item.value.trim() !== '')) return item.value;
      const hint = item.kind === 'scalar' && typeof item.value !== 'string' && item.value !== null ? ` (quote it: "${String(item.value)}")` : '';
      reportWrong(issues, item, `command[${i}]`, i === 0 ? 'a program name' : 'a string', hint);
      return '';
    });
  }
  reportWrong(issues, node, 'command', 'a non-empty string or a non-empty list of strings');
  return '';
}

/** An existing folder, relative to the manifest's; the manifest's folder by default. `${VAR}` is resolved now, so the folder can be checked. */
function readCwd(node: YamlNode | undefined, dir: string, scope: CwdScope, issues: ManifestIssue[]): string {
  const template = readString(node, 'cwd', issues);
  if (template === undefined) return dir;
  const rendered = renderCwd(template, scope);
  if ('errors' in rendered) {
    for (const error of rendered.errors) addIssue(issues, node!.pos, error);
    return dir;
  }
  const { cwd } = rendered;
  const absolute = path.resolve(dir, cwd);
  const stats = statSync(absolute, { throwIfNoEntry: false });
  const named = cwd === template ? `"${cwd}"` : `"${cwd}" (from "${template}")`;
  if (!stats?.isDirectory()) addIssue(issues, node!.pos, `cwd ${named} ${stats ? 'is not a folder' : 'does not exist'}`);
  return absolute;
}
