import type { ManifestIssue } from '../errors.js';
import type { FallbackPolicy, NamedPortSpec } from './service-spec.js';
import { addIssue, parsePortRange, readMap, readPort, reportWrong } from './validators.js';
import { childOf, type MapNode, type YamlNode } from './yaml-node.js';

/**
 * A service's `port` (named `default`) or `ports` map (the first is `PORT`). A wrong value still yields
 * an `auto` port, so `${port}` and `ready: tcp` are not reported again as "no port".
 */
export function readPorts(service: MapNode, issues: ManifestIssue[]): NamedPortSpec[] {
  const single = childOf(service, 'port');
  const named = service.entries.get('ports');
  if (single !== undefined && named !== undefined) addIssue(issues, named.keyPos, 'use either "port" or "ports", not both');
  if (single !== undefined) return [{ name: 'default', preferred: readPort(single, 'port', issues) ?? 'auto' }];
  if (named === undefined) return [];
  const map = readMap(named.node, 'ports', 'a map of names to ports, e.g. {http: 8080, metrics: 9090}', issues);
  if (map === undefined) return [{ name: 'default', preferred: 'auto' }];
  if (map.entries.size === 0) {
    addIssue(issues, map.pos, 'ports is empty: name at least one port, e.g. {http: 8080}');
    return [{ name: 'default', preferred: 'auto' }];
  }
  return [...map.entries].map(([name, entry]) => ({ name, preferred: readPort(entry.node, `ports.${name}`, issues) ?? 'auto' }));
}

/** `scan` (the default), `none`, or a hard range `"A-B"`. */
export function readFallback(node: YamlNode | undefined, issues: ManifestIssue[]): FallbackPolicy {
  if (node === undefined) return { kind: 'scan' };
  if (node.kind === 'scalar' && (node.value === 'scan' || node.value === 'none')) return { kind: node.value };
  const text = node.kind === 'scalar' && typeof node.value === 'string' ? node.value : undefined;
  const range = text === undefined ? undefined : parsePortRange(text);
  if (range === 'invalid') addIssue(issues, node.pos, `fallback "${text}" is not a valid range: use "A-B" with 1 ≤ A ≤ B ≤ 65535`);
  else if (range !== undefined) return { kind: 'range', ...range };
  else reportWrong(issues, node, 'fallback', '"scan", "none" or a range like "10500-10599"');
  return { kind: 'scan' };
}
