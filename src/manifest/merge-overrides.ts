import { UsageError } from '../errors.js';
import { didYouMean } from './suggest.js';
import { childOf, scalarNode, type MapNode, type YamlNode } from './yaml-node.js';

export type Overridden = Map<string, 'local' | 'cli'>;

/**
 * services.local.yaml over the manifest: maps merge key by key, scalars and lists replace. Every
 * replaced or added dotted path is recorded in `overridden`. Merged nodes keep their own file, so a
 * bad value from the local file is reported with the local file's name and line.
 */
export function mergeLocal(base: YamlNode, local: YamlNode, overridden: Overridden, path: string[] = []): YamlNode {
  if (base.kind !== 'map' || local.kind !== 'map') {
    overridden.set(path.join('.'), 'local');
    return local;
  }
  for (const [key, entry] of local.entries) {
    const existing = base.entries.get(key);
    if (existing === undefined) {
      base.entries.set(key, entry);
      overridden.set([...path, key].join('.'), 'local');
    } else {
      existing.node = mergeLocal(existing.node, entry.node, overridden, [...path, key]);
    }
  }
  return base;
}

/**
 * `--port llm=11000` (the service's first port) or `--port llm.metrics=9100` (a named one); the value
 * may be `auto`. Applied to the merged tree before validation. A services map that is missing or not a
 * map is left for validation to report.
 */
export function applyPortOverrides(root: YamlNode, overrides: string[], overridden: Overridden): void {
  const services = childOf(root, 'services');
  if (services?.kind !== 'map') return;
  for (const override of overrides) {
    const match = /^([^=]+)=(.*)$/.exec(override.trim());
    if (!match) throw new UsageError(`--port ${override}: expected SERVICE=PORT or SERVICE.NAME=PORT`);
    const [, target = '', text = ''] = match;
    const value = text === 'auto' ? 'auto' : /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 65535 ? Number(text) : undefined;
    if (value === undefined) throw new UsageError(`--port ${override}: the port must be a number from 1 to 65535 or "auto"`);
    const { key, name } = splitTarget(target, [...services.entries.keys()], override);
    const service = services.entries.get(key)!.node;
    if (service.kind === 'map') setPort(service, key, name, value, override, overridden);
  }
}

/** `llm` or `llm.metrics`; service keys may contain dots themselves, so the longest matching key wins. */
function splitTarget(target: string, keys: string[], override: string): { key: string; name?: string } {
  if (keys.includes(target)) return { key: target };
  const key = keys.filter((candidate) => target.startsWith(`${candidate}.`)).sort((a, b) => b.length - a.length)[0];
  if (key !== undefined) return { key, name: target.slice(key.length + 1) };
  const guess = keys.some((candidate) => candidate.includes('.')) ? target : (target.split('.')[0] ?? target);
  throw new UsageError(`--port ${override}: unknown service "${guess}"${didYouMean(guess, keys)}`, `Services: ${keys.join(', ')}.`);
}

function setPort(service: MapNode, key: string, name: string | undefined, value: number | 'auto', override: string, overridden: Overridden): void {
  const node = scalarNode(value, { file: '--port', line: 1, column: 1 });
  const ports = childOf(service, 'ports');
  if (ports?.kind === 'map' && ports.entries.size > 0) {
    const portName = name ?? [...ports.entries.keys()][0]!; // the map is not empty
    const entry = ports.entries.get(portName);
    if (entry === undefined) {
      const names = [...ports.entries.keys()];
      throw new UsageError(
        `--port ${override}: service "${key}" has no port named "${portName}"${didYouMean(portName, names)}`,
        `Its ports: ${names.join(', ')}.`,
      );
    }
    entry.node = node;
    overridden.set(`services.${key}.ports.${portName}`, 'cli');
    return;
  }
  if (name !== undefined && name !== 'default') {
    throw new UsageError(`--port ${override}: service "${key}" has no port named "${name}"`, `It has one port, unnamed: --port ${key}=N.`);
  }
  const existing = service.entries.get('port');
  if (existing) existing.node = node;
  else service.entries.set('port', { keyPos: node.pos, node });
  overridden.set(`services.${key}.port`, 'cli');
}

/**
 * `--scale web=3`: the service runs as that many replicas this time, as `replicas: 3` would make it.
 * Applied to the merged tree before validation, like `--port`.
 */
export function applyScaleOverrides(root: YamlNode, scales: string[], overridden: Overridden): void {
  const services = childOf(root, 'services');
  if (services?.kind !== 'map') return;
  for (const scale of scales) {
    const match = /^([^=]+)=(.*)$/.exec(scale.trim());
    if (!match) throw new UsageError(`--scale ${scale}: expected SERVICE=N`);
    const [, key = '', text = ''] = match;
    const keys = [...services.entries.keys()];
    if (!keys.includes(key))
      throw new UsageError(`--scale ${scale}: unknown service "${key}"${didYouMean(key, keys)}`, `Services: ${keys.join(', ')}.`);
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--scale ${scale}: the number of replicas must be a whole number, 1 or more`);
    const service = services.entries.get(key)!.node;
    if (service.kind !== 'map') continue;
    const node = scalarNode(Number(text), { file: '--scale', line: 1, column: 1 });
    const existing = service.entries.get('replicas');
    if (existing) existing.node = node;
    else service.entries.set('replicas', { keyPos: node.pos, node });
    overridden.set(`services.${key}.replicas`, 'cli');
  }
}
