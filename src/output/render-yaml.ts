import type { ListNode, MapEntry, MapNode, YamlNode } from '../manifest/yaml-node.js';

/**
 * A document as block-style YAML, written exactly as the yaml library writes its plain data
 * (`new Document(toPlain(node)).toString({ lineWidth: 0 })`), in a fraction of the time: `check` prints a
 * 5 MB manifest back. Undefined where the library's choices depend on more than the value itself — text
 * over several lines (block scalars), text starting like a document marker, keys over 1024 characters —
 * and the caller uses the library. render-yaml.test.ts holds the two to the same text.
 */
export function renderBlockYaml(node: YamlNode): string | undefined {
  const lines: string[] = [];
  try {
    if (hasItems(node)) writeCollection(node, '', lines);
    else lines.push(scalarOrEmptyText(node));
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
  return `${lines.join('\n')}\n`;
}

class NotPlain extends Error {}

/** Thrown where the library's output would depend on more than the value; made once, as giving up needs no stack. */
const NOT_PLAIN = new NotPlain('not plain data');

/** The library's longest implicit key; a longer one is written as `? key`. */
const MAX_KEY_LENGTH = 1024;

function hasItems(node: YamlNode): node is ListNode | MapNode {
  return node.kind === 'list' ? node.items.length > 0 : node.kind === 'map' && node.entries.size > 0;
}

/**
 * The lines of a non-empty collection at `indent`. A list item that is a collection starts on the dash's
 * line (`- key: value`, `- - item`), its other lines indented past the dash.
 */
function writeCollection(node: ListNode | MapNode, indent: string, lines: string[]): void {
  const inner = `${indent}  `;
  if (node.kind === 'list') {
    for (const item of node.items) {
      if (hasItems(item)) {
        const first = lines.length;
        writeCollection(item, inner, lines);
        lines[first] = `${indent}- ${lines[first]!.slice(inner.length)}`;
      } else lines.push(`${indent}- ${scalarOrEmptyText(item)}`);
    }
    return;
  }
  for (const [key, { node: item }] of inPlainObjectOrder(node)) {
    const keyText = stringText(key);
    if (keyText.length > MAX_KEY_LENGTH) throw NOT_PLAIN;
    if (hasItems(item)) {
      lines.push(`${indent}${keyText}:`);
      writeCollection(item, inner, lines);
    } else lines.push(`${indent}${keyText}: ${scalarOrEmptyText(item)}`);
  }
}

/** A map's entries as its plain object lists them: keys that are array indices first, in numeric order. */
function inPlainObjectOrder(map: MapNode): Iterable<[string, MapEntry]> {
  let hasIndices = false;
  for (const key of map.entries.keys()) if ((hasIndices = isArrayIndex(key))) break;
  if (!hasIndices) return map.entries;
  const entries = [...map.entries];
  const indices = entries.filter(([key]) => isArrayIndex(key)).sort(([a], [b]) => Number(a) - Number(b));
  return [...indices, ...entries.filter(([key]) => !isArrayIndex(key))];
}

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 0x30 && first <= 0x39 && /^(?:0|[1-9][0-9]{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/** A scalar, or an empty collection. */
function scalarOrEmptyText(node: YamlNode): string {
  if (node.kind !== 'scalar') return node.kind === 'list' ? '[]' : '{}';
  const { value } = node;
  if (typeof value === 'string') return stringText(value);
  if (typeof value !== 'number') return `${value}`; // null, true, false
  if (Number.isNaN(value)) return '.nan';
  if (!Number.isFinite(value)) return value < 0 ? '-.inf' : '.inf';
  return Object.is(value, -0) ? '-0' : JSON.stringify(value);
}

/** What may not be written plain (the library's rule): indicators first, `: ` and ` #` inside, spaces or `:` last. */
const NOT_PLAIN_TEXT = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Text that would read back as null, a boolean or a number (YAML 1.2's core schema), so it is quoted. */
const READS_AS_OTHER_TYPE = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
/** How null, booleans and numbers start, or empty (null): a quick first test, as most text starts otherwise. */
const MAY_READ_AS_OTHER_TYPE = /^(?:[~nNtTfF0-9+.-]|$)/;
/** Characters that only a double-quoted string can hold. */
const NEEDS_ESCAPES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u; // eslint-disable-line no-control-regex -- the library's own test

/** One-line text as a key or a value: plain where it reads back the same, else quoted. */
function stringText(text: string): string {
  if (text.includes('\n') || /^(?:%|---|\.\.\.)/.test(text)) throw NOT_PLAIN;
  if (NEEDS_ESCAPES.test(text)) return doubleQuoted(text);
  if (NOT_PLAIN_TEXT.test(text) || (MAY_READ_AS_OTHER_TYPE.test(text) && READS_AS_OTHER_TYPE.some((pattern) => pattern.test(text))))
    return text.includes('"') && !text.includes("'") ? `'${text}'` : doubleQuoted(text);
  return text;
}

/** YAML's double quotes are JSON's, with YAML's shorter escapes where it has them. */
function doubleQuoted(text: string): string {
  return JSON.stringify(text).replace(/\\(?:u00([0-9a-f]{2})|.)/g, (escape, hex?: string) =>
    hex === undefined ? escape : (SHORT_ESCAPES[hex] ?? `\\x${hex}`),
  );
}

const SHORT_ESCAPES: Record<string, string> = { '00': '\\0', '07': '\\a', '0b': '\\v', '1b': '\\e' };
