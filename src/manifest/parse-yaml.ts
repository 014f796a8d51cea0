import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import { emptyMap, scalarNode, type MapNode, type YamlNode } from './yaml-node.js';

export interface ParsedYaml {
  root: YamlNode | undefined; // undefined for an empty file or one with syntax errors
  issues: ManifestIssue[];
}

/** Parses one YAML file into position-keeping nodes; `file` is the name issues are reported with. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // `merge: true` lets `<<: *base` share settings between services, as docker-compose files do.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const issues: ManifestIssue[] = doc.errors.map((error) => ({ ...at(error.pos[0]), message: describeYamlError(error, doc, text) }));
  // Follow-up problems of a syntactically broken file would only confuse.
  if (issues.length > 0 || doc.contents === null) return { root: undefined, issues };

  const ancestors = new Set<unknown>();
  const positionOf = (node: unknown, fallback: SourcePosition): SourcePosition => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? at(range[0]) : fallback;
  };

  const convert = (node: unknown, fallback: SourcePosition): YamlNode => {
    const pos = positionOf(node, fallback);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined || ancestors.has(target)) {
        issues.push({ ...pos, message: `alias "*${node.source}" ${target ? 'refers to a value that contains it' : 'is not defined'}` });
        return scalarNode(null, pos);
      }
      return convert(target, pos);
    }
    if (isScalar(node)) {
      const { value } = node;
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return scalarNode(value as string | number | boolean | null, pos);
      issues.push({ ...pos, message: 'unsupported value: use text, a number, true/false, a list or a map' });
      return scalarNode(null, pos);
    }
    ancestors.add(node);
    try {
      if (isSeq(node)) return { kind: 'list', items: node.items.map((item) => convert(item, pos)), pos };
      if (isMap(node)) return convertMap(node.items, pos);
    } finally {
      ancestors.delete(node);
    }
    return scalarNode(null, pos); // an empty value, e.g. `key:` with nothing after it
  };

  const convertMap = (pairs: { key: unknown; value: unknown }[], pos: SourcePosition): MapNode => {
    const map = emptyMap(pos);
    const mergeSources: YamlNode[] = [];
    for (const pair of pairs) {
      const keyPos = positionOf(pair.key, pos);
      const value = convert(pair.value, keyPos);
      if (isScalar(pair.key) && typeof pair.key.value === 'symbol') {
        mergeSources.push(...(value.kind === 'list' ? value.items : [value]));
      } else if (isScalar(pair.key)) {
        map.entries.set(pair.key.value === null ? (pair.key.source ?? '') : String(pair.key.value), { keyPos, node: value });
      } else {
        issues.push({ ...keyPos, message: 'a key must be plain text, not a list or a map' });
      }
    }
    // Keys written in the map win over merged ones; earlier merge sources win over later ones.
    for (const source of mergeSources) {
      if (source.kind !== 'map') {
        issues.push({ ...source.pos, message: '"<<" must refer to a map' });
        continue;
      }
      for (const [key, entry] of source.entries) if (!map.entries.has(key)) map.entries.set(key, entry);
    }
    return map;
  };

  return { root: convert(doc.contents, at(0)), issues };
}

function describeYamlError(error: YAMLError, doc: Document, text: string): string {
  if (error.code === 'DUPLICATE_KEY') {
    let key = '';
    visit(doc, {
      Pair(_, pair) {
        if (isScalar(pair.key) && pair.key.range?.[0] === error.pos[0]) key = String(pair.key.value);
      },
    });
    return `duplicate key "${key}"`;
  }
  if (error.code === 'MULTIPLE_DOCS') return 'only one YAML document is allowed: remove the "---" separator';
  return `invalid YAML: ${error.message}${yamlHint(error, text)}`;
}

/**
 * What to do about the syntax errors people make in a manifest. The commonest: a command such as
 * `node -e "a: b"` holds ": ", which YAML reads as the start of a nested map.
 */
function yamlHint(error: YAMLError, text: string): string {
  const lineEnd = text.indexOf('\n', error.pos[0]);
  const restOfLine = text.slice(error.pos[0], lineEnd === -1 ? undefined : lineEnd);
  switch (error.code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
      return /:(\s|$)/.test(restOfLine)
        ? ` — this value holds ": ", which YAML reads as a new key: put the whole value in quotes (command: 'node -e "a: b"') or write it as a list`
        : ' — check the indentation of the line below: it is deeper than its neighbours';
    case 'BAD_SCALAR_START':
      return ' — put the value in quotes';
    case 'TAB_AS_INDENT':
      return ' — indent with spaces';
    default:
      return '';
  }
}
