import { isAlias, isMap, isScalar, isSeq, visit, type Alias, type Document } from 'yaml';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import { describePath, emptyMap, keyText, scalarNode, type MapNode, type YamlNode } from './yaml-node.js';

/**
 * The most values aliases may expand to in one file. `<<: *base` shared by 500 services stays far
 * below; an alias bomb (a few lines of aliases of aliases) would expand to millions and take minutes.
 */
export const MAX_ALIAS_VALUES = 100_000;

/** Ends the walk at once: going on would only expand the bomb further. */
class AliasLimitReached extends Error {
  constructor(readonly issue: ManifestIssue) {
    super(issue.message);
  }
}

/**
 * The document as position-keeping nodes, aliases and `<<` merges expanded. Also finds what the yaml
 * library leaves to us: duplicate keys (its own check is quadratic in a map's size), alias bombs and
 * NUL bytes, which no process can receive in an argument or its environment. Each position is
 * reported once, though an aliased value is walked at every alias. `root` is undefined when an alias
 * bomb stopped the walk.
 */
export function toNodes(doc: Document, at: (offset: number) => SourcePosition): { root: YamlNode | undefined; issues: ManifestIssue[] } {
  const issues = new Map<string, ManifestIssue>();
  const report = (pos: SourcePosition, message: string): void => {
    const id = `${pos.file}:${pos.line}:${pos.column}`;
    if (!issues.has(id)) issues.set(id, { ...pos, message });
  };
  const targets = aliasTargets(doc);
  // The walk's state needs no try/finally: an alias bomb ends the walk as a whole.
  const ancestors = new Set<unknown>();
  const path: (string | number)[] = []; // where the walk is, for naming a value in a message
  let expanding: { alias: Alias; pos: SourcePosition } | undefined; // the outermost alias being expanded
  let expandedValues = 0;

  const positionOf = (node: unknown, fallback: SourcePosition): SourcePosition => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? at(range[0]) : fallback;
  };

  const convert = (node: unknown, fallback: SourcePosition): YamlNode => {
    const pos = positionOf(node, fallback);
    if (expanding !== undefined && ++expandedValues > MAX_ALIAS_VALUES) {
      const message = `alias "*${expanding.alias.source}" expands this file's aliases to more than ${MAX_ALIAS_VALUES} values: write the values out, or nest fewer aliases`;
      throw new AliasLimitReached({ ...expanding.pos, message });
    }
    if (isAlias(node)) {
      const target = targets.get(node);
      if (target === undefined || ancestors.has(target)) {
        report(pos, `alias "*${node.source}" ${target ? 'refers to a value that contains it' : 'is not defined'}`);
        return scalarNode(null, pos);
      }
      if (expanding !== undefined) return convert(target, pos);
      expanding = { alias: node, pos };
      const expanded = convert(target, pos);
      expanding = undefined;
      return expanded;
    }
    if (isScalar(node)) {
      const { value } = node;
      if (typeof value === 'string' && value.includes('\0'))
        report(pos, `${describePath(path)} contains a NUL byte, which no process can receive: remove it`);
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return scalarNode(value as string | number | boolean | null, pos);
      report(pos, 'unsupported value: use text, a number, true/false, a list or a map');
      return scalarNode(null, pos);
    }
    if (!isSeq(node) && !isMap(node)) return scalarNode(null, pos); // an empty value, e.g. `key:` with nothing after it
    ancestors.add(node);
    const converted: YamlNode = isSeq(node)
      ? { kind: 'list', items: node.items.map((item, i) => within(i, item, pos)), pos }
      : convertMap(node.items, pos);
    ancestors.delete(node);
    return converted;
  };

  const within = (segment: string | number, node: unknown, fallback: SourcePosition): YamlNode => {
    path.push(segment);
    const converted = convert(node, fallback);
    path.pop();
    return converted;
  };

  const convertMap = (pairs: { key: unknown; value: unknown }[], pos: SourcePosition): MapNode => {
    const map = emptyMap(pos);
    const mergeSources: YamlNode[] = [];
    for (const pair of pairs) {
      const keyPos = positionOf(pair.key, pos);
      if (isScalar(pair.key) && typeof pair.key.value === 'symbol') {
        // Merged values are named as if written here, where they end up.
        const value = convert(pair.value, keyPos);
        for (const source of value.kind === 'list' ? value.items : [value]) mergeSources.push(source);
        continue;
      }
      const key = isScalar(pair.key) ? keyText(pair.key.value, pair.key.source) : undefined;
      const value = within(key ?? '?', pair.value, keyPos);
      if (key === undefined) report(keyPos, 'a key must be plain text, not a list or a map');
      else if (key.includes('\0'))
        report(
          keyPos,
          `the key ${JSON.stringify(key)}${path.length > 0 ? ` of ${describePath(path)}` : ''} contains a NUL byte, which no process can receive: remove it`,
        );
      else if (map.entries.has(key)) report(keyPos, `duplicate key "${key}"`);
      else map.entries.set(key, { keyPos, node: value });
    }
    // Keys written in the map win over merged ones; earlier merge sources win over later ones.
    for (const source of mergeSources) {
      if (source.kind !== 'map') {
        report(source.pos, '"<<" must refer to a map');
        continue;
      }
      for (const [key, entry] of source.entries) if (!map.entries.has(key)) map.entries.set(key, entry);
    }
    return map;
  };

  try {
    const root = convert(doc.contents, at(0));
    return { root, issues: [...issues.values()] };
  } catch (error) {
    if (!(error instanceof AliasLimitReached)) throw error;
    return { root: undefined, issues: [...issues.values(), error.issue] };
  }
}

/**
 * What each alias refers to: the last node anchored with its name before it, in document order.
 * Found in one pass; the library's `Alias.resolve` walks the whole document for every alias.
 */
function aliasTargets(doc: Document): Map<Alias, unknown> {
  const anchors = new Map<string, unknown>();
  const targets = new Map<Alias, unknown>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor !== undefined) anchors.set(node.anchor, node);
    },
  });
  return targets;
}
