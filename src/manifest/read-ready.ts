import type { ManifestIssue } from '../errors.js';
import type { ReadySpec } from './service-spec.js';
import { addIssue, checkKeys, reportWrong } from './validators.js';
import type { MapNode, YamlNode } from './yaml-node.js';

const FORMS = '"tcp", "none", {http: /path}, {log: "regex"} or {exec: "command"}';
const KINDS = ['http', 'log', 'exec'] as const;
/** Every key of a `ready` map; docs/manifest.md documents each, the JSON Schema has each (both tested). */
export const READY_KEYS = [...KINDS, 'status'] as const;
const EXPECTED = { http: 'a path starting with "/" or a full http:// URL', log: 'a regular expression', exec: 'a command' };

/** `ready`: tcp | none | {http: /path or URL[, status: N]} | {log: REGEX} | {exec: CMD}; default tcp with a port, else none. */
export function readReady(node: YamlNode | undefined, service: string, hasPort: boolean, issues: ManifestIssue[]): ReadySpec {
  if (node === undefined) return { kind: hasPort ? 'tcp' : 'none' };
  if (node.kind === 'scalar' && (node.value === 'tcp' || node.value === 'none')) {
    if (node.value === 'tcp' && !hasPort) addIssue(issues, node.pos, `ready: tcp needs a port, but service "${service}" has none`);
    return { kind: node.value };
  }
  if (node.kind !== 'map') {
    reportWrong(issues, node, 'ready', FORMS);
    return { kind: 'none' };
  }
  return readReadyMap(node, service, hasPort, issues) ?? { kind: 'none' };
}

function readReadyMap(map: MapNode, service: string, hasPort: boolean, issues: ManifestIssue[]): ReadySpec | undefined {
  checkKeys(map, READY_KEYS, issues);
  const kinds = KINDS.filter((kind) => map.entries.has(kind));
  if (kinds.length !== 1) {
    addIssue(issues, map.pos, `ready must have exactly one of "http", "log" or "exec"${kinds.length > 1 ? `, not ${kinds.join(' and ')}` : ''}`);
    return undefined;
  }
  const kind = kinds[0]!; // exactly one, checked above
  const { node: value } = map.entries.get(kind)!;
  const text = value.kind === 'scalar' && typeof value.value === 'string' && value.value !== '' ? value.value : undefined;
  const status = map.entries.get('status');
  if (status !== undefined && kind !== 'http') addIssue(issues, status.keyPos, 'ready.status only applies to ready.http');
  switch (kind) {
    case 'http': {
      const isUrl = text !== undefined && /^https?:\/\/[^/]/.test(text);
      if (text === undefined || (!text.startsWith('/') && !isUrl)) break;
      if (!hasPort && !isUrl) addIssue(issues, value.pos, `ready.http needs a port, but service "${service}" has none: give a full URL instead`);
      const code = status === undefined ? undefined : readStatus(status.node, 'ready.status', issues);
      return { kind: 'http', path: text, ...(code !== undefined && { status: code }) };
    }
    case 'log':
      if (text === undefined) break;
      try {
        return { kind: 'log', pattern: new RegExp(text) };
      } catch (error) {
        addIssue(issues, value.pos, `ready.log is not a valid regular expression: ${(error as Error).message}`);
        return undefined;
      }
    case 'exec':
      if (text === undefined) break;
      return { kind: 'exec', command: text };
  }
  reportWrong(issues, value, `ready.${kind}`, EXPECTED[kind]);
  return undefined;
}

/** An HTTP status code for `ready.status` or `health.status`. */
export function readStatus(node: YamlNode, name: string, issues: ManifestIssue[]): number | undefined {
  const value = node.kind === 'scalar' ? node.value : undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) return value;
  reportWrong(issues, node, name, 'an HTTP status code from 100 to 599');
  return undefined;
}
