import type { ManifestIssue } from '../errors.js';
import { readStatus } from './read-ready.js';
import type { HealthSpec } from './service-spec.js';
import { addIssue, checkKeys, readDuration, reportWrong } from './validators.js';
import type { MapNode, YamlNode } from './yaml-node.js';

const KINDS = ['http', 'tcp', 'exec'] as const;
/** Every key of a `health` map; docs/manifest.md documents each, the JSON Schema has each (both tested). */
export const HEALTH_KEYS = [...KINDS, 'status', 'interval', 'timeout', 'failures'] as const;
const FORMS = '"tcp" or a map with one of http, tcp or exec';
export const HEALTH_DEFAULTS = { intervalMs: 10_000, timeoutMs: 2_000, failures: 3 };

/**
 * `health`: tcp | {http: /path or URL[, status: N] | tcp: true | exec: CMD, interval, timeout, failures}.
 * Undefined when absent or wrong (the issue is in `issues`).
 */
export function readHealth(node: YamlNode | undefined, service: string, hasPort: boolean, issues: ManifestIssue[]): HealthSpec | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar' && node.value === 'tcp') {
    if (!hasPort) addIssue(issues, node.pos, `health: tcp needs a port, but service "${service}" has none`);
    return { check: { kind: 'tcp' }, ...HEALTH_DEFAULTS };
  }
  if (node.kind !== 'map') {
    reportWrong(issues, node, 'health', FORMS);
    return undefined;
  }
  checkKeys(node, HEALTH_KEYS, issues);
  const check = readCheck(node, service, hasPort, issues);
  const intervalMs = readPositiveDuration(node, 'interval', issues);
  const timeoutMs = readPositiveDuration(node, 'timeout', issues);
  const failures = readFailures(node.entries.get('failures')?.node, issues);
  if (check === undefined) return undefined;
  return {
    check,
    intervalMs: intervalMs ?? HEALTH_DEFAULTS.intervalMs,
    timeoutMs: timeoutMs ?? HEALTH_DEFAULTS.timeoutMs,
    failures: failures ?? HEALTH_DEFAULTS.failures,
  };
}

function readCheck(map: MapNode, service: string, hasPort: boolean, issues: ManifestIssue[]): HealthSpec['check'] | undefined {
  const kinds = KINDS.filter((kind) => map.entries.has(kind));
  if (kinds.length !== 1) {
    addIssue(issues, map.pos, `health must have exactly one of "http", "tcp" or "exec"${kinds.length > 1 ? `, not ${kinds.join(' and ')}` : ''}`);
    return undefined;
  }
  const kind = kinds[0]!; // exactly one, checked above
  const { node: value } = map.entries.get(kind)!;
  const status = map.entries.get('status');
  if (status !== undefined && kind !== 'http') addIssue(issues, status.keyPos, 'health.status only applies to health.http');
  const text = value.kind === 'scalar' && typeof value.value === 'string' && value.value.trim() !== '' ? value.value : undefined;
  switch (kind) {
    case 'tcp':
      if (value.kind !== 'scalar' || value.value !== true) break;
      if (!hasPort) addIssue(issues, value.pos, `health.tcp needs a port, but service "${service}" has none`);
      return { kind: 'tcp' };
    case 'http': {
      const isUrl = text !== undefined && /^https?:\/\/[^/]/.test(text);
      if (text === undefined || (!text.startsWith('/') && !isUrl)) break;
      if (!hasPort && !isUrl) addIssue(issues, value.pos, `health.http needs a port, but service "${service}" has none: give a full URL instead`);
      const code = status === undefined ? undefined : readStatus(status.node, 'health.status', issues);
      return { kind: 'http', path: text, ...(code !== undefined && { status: code }) };
    }
    case 'exec':
      if (text === undefined) break;
      return { kind: 'exec', command: text };
  }
  const expected = { tcp: 'true', http: 'a path starting with "/" or a full http:// URL', exec: 'a command' };
  reportWrong(issues, value, `health.${kind}`, expected[kind]);
  return undefined;
}

function readFailures(node: YamlNode | undefined, issues: ManifestIssue[]): number | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar' && Number.isInteger(node.value) && (node.value as number) >= 1) return node.value as number;
  reportWrong(issues, node, 'health.failures', 'a whole number, 1 or more');
  return undefined;
}

function readPositiveDuration(map: MapNode, key: 'interval' | 'timeout', issues: ManifestIssue[]): number | undefined {
  const node = map.entries.get(key)?.node;
  const ms = readDuration(node, `health.${key}`, issues);
  if (ms === 0) addIssue(issues, node!.pos, `health.${key} must be more than 0`);
  return ms || undefined;
}
