import type { SourcePosition } from '../errors.js';

/**
 * A YAML value that remembers where it was written, so every check can point at file:line:column
 * even after services.local.yaml was merged over the manifest (each node keeps its own file).
 */
export type YamlNode = ScalarNode | ListNode | MapNode;

export interface ScalarNode {
  kind: 'scalar';
  value: string | number | boolean | null;
  pos: SourcePosition;
}

export interface ListNode {
  kind: 'list';
  items: YamlNode[];
  pos: SourcePosition;
}

export interface MapNode {
  kind: 'map';
  entries: Map<string, MapEntry>; // in written order
  pos: SourcePosition;
}

export interface MapEntry {
  keyPos: SourcePosition;
  node: YamlNode;
}

export function scalarNode(value: ScalarNode['value'], pos: SourcePosition): ScalarNode {
  return { kind: 'scalar', value, pos };
}

export function emptyMap(pos: SourcePosition): MapNode {
  return { kind: 'map', entries: new Map(), pos };
}

/** The entry's node if `node` is a map holding `key`. */
export function childOf(node: YamlNode | undefined, key: string): YamlNode | undefined {
  return node?.kind === 'map' ? node.entries.get(key)?.node : undefined;
}

/** Plain data, as `devsup check` prints it. */
export function toPlain(node: YamlNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'list':
      return node.items.map(toPlain);
    case 'map':
      return Object.fromEntries([...node.entries].map(([key, entry]) => [key, toPlain(entry.node)]));
  }
}

/** `env.X`, `command[1]`: the place inside a service, as other messages name it; the full path elsewhere. */
export function describePath(path: (string | number)[]): string {
  const inService = path[0] === 'services' && path.length > 2 ? path.slice(2) : path;
  if (inService.length === 0) return 'the value';
  return inService.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}

/** A scalar key as text: `null` (an empty key) as written, numbers and booleans as YAML wrote them. */
export function keyText(value: unknown, source: string | undefined): string {
  if (value === null) return source ?? '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${value}`;
  return JSON.stringify(value) ?? source ?? '';
}
