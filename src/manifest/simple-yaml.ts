import type { ManifestIssue, SourcePosition } from '../errors.js';
import { describePath, emptyMap, keyText, scalarNode, type ListNode, type MapNode, type ScalarNode, type YamlNode } from './yaml-node.js';

/**
 * Nearly every manifest is block maps and lists of one-line values, and one-line flow collections
 * (`[a, b]`, `{ a: 1 }`). This reads exactly that shape in one pass over the lines, many times faster
 * than the yaml library (whose lexer alone takes most of a second for 5 MB). Anything else — block
 * scalars, anchors, aliases, tags, `<<`, values over several lines, tabs, anything the library would
 * report as an error — makes it give up (undefined), and parseYaml reads the file with the library
 * instead. Where it does not give up it returns what the library's path returns: the same nodes,
 * positions and issues (simple-yaml.test.ts compares the two).
 */
export function readSimpleYaml(text: string, file: string): { root: YamlNode | undefined; issues: ManifestIssue[] } | undefined {
  if (UNUSUAL_CHARACTERS.test(text)) return undefined;
  try {
    return new SimpleReader(text, file).read();
  } catch (error) {
    if (error === NOT_SIMPLE) return undefined;
    throw error;
  }
}

/**
 * Anything but line ends and printable text: tabs, control characters, a BOM inside the text, Unicode
 * line and paragraph separators; and a CR not before an LF.
 */
const UNUSUAL_CHARACTERS = /[^\n\r -~\xa0-\u2027\u202a-\ufefe\uff00-\uffff]|\r(?!\n)/;

class NotSimple extends Error {}

/** Thrown wherever the text leaves the simple shape; made once, as giving up needs no stack. */
const NOT_SIMPLE = new NotSimple('not simple YAML');

/** Deeper files are rare enough to leave to the library, and the recursion stays far from the stack's end. */
const MAX_DEPTH = 100;

/** The library refuses an implicit key longer than 1024 characters; a key near that length is left to it. */
const MAX_KEY_LENGTH = 1000;

const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Characters that may not start a plain value (YAML's indicators); `-` may when it is not followed by a space. */
const INDICATORS = new Set([...'-?:,[]{}#&*!|>\'"%@`'].map((c) => c.charCodeAt(0)));

/** What ends a plain value inside a flow collection. */
const FLOW_INDICATORS = new Set([...',[]{}'].map((c) => c.charCodeAt(0)));

/** Double-quoted escapes as the YAML spec (and the library) reads them; \x, \u and \U are handled apart. */
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};
const HEX_ESCAPE_LENGTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A plain value as YAML 1.2's core schema types it (the library's default schema), tested in the library's order. */
export function resolvePlain(text: string): ScalarNode['value'] {
  if (!MAY_BE_OTHER_TYPE.test(text)) return text; // most values: every pattern below needs one of these first
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(text)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(text)) return false;
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text))
    return text.slice(-3).toLowerCase() === 'nan' ? NaN : text.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) return parseFloat(text);
  return text;
}

/** How null, booleans and numbers start, or empty (null). */
const MAY_BE_OTHER_TYPE = /^(?:[~nNtTfF0-9+.-]|$)/;

/** A scalar written on one line: its value and the column just after it. */
interface OneLineScalar {
  value: ScalarNode['value'];
  end: number;
}

class SimpleReader {
  private readonly lines: string[];
  private row = -1; // the current line's index; lines.length at the end of the text
  private line = ''; // the current line without its CR
  private indent = 0; // where the current line's content starts; moved past `- ` for a map inside a list item
  private readonly issues: ManifestIssue[] = [];
  private readonly path: (string | number)[] = []; // where the reader is, for naming a value in a message

  constructor(
    text: string,
    private readonly file: string,
  ) {
    this.lines = text.split('\n');
    this.nextLine();
  }

  read(): { root: YamlNode | undefined; issues: ManifestIssue[] } {
    if (this.atEnd()) return { root: undefined, issues: [] }; // only comments and blank lines
    const root = this.readBlock(0);
    if (!this.atEnd()) throw NOT_SIMPLE; // a line indented less than the first
    return { root, issues: this.issues };
  }

  private atEnd(): boolean {
    return this.row >= this.lines.length;
  }

  /** Moves to the next line that holds more than spaces and a comment. */
  private nextLine(): void {
    for (this.row++; this.row < this.lines.length; this.row++) {
      let line = this.lines[this.row]!;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      let start = 0;
      while (line.charCodeAt(start) === SPACE) start++;
      if (start === line.length || line.charCodeAt(start) === HASH) continue;
      // `---`, `...` (document markers) and `%` (directives) at the start of a line
      if (start === 0 && (line.startsWith('---') || line.startsWith('...') || line.startsWith('%'))) throw NOT_SIMPLE;
      this.line = line;
      this.indent = start;
      return;
    }
  }

  private at(column: number): SourcePosition {
    return { file: this.file, line: this.row + 1, column: column + 1 };
  }

  private readBlock(depth: number): YamlNode {
    if (depth > MAX_DEPTH) throw NOT_SIMPLE;
    return this.isListItem(this.indent) ? this.readList(depth) : this.readMap(depth);
  }

  /** `-` followed by a space or the end of the line. */
  private isListItem(column: number): boolean {
    return this.line.charCodeAt(column) === DASH && (column + 1 === this.line.length || this.line.charCodeAt(column + 1) === SPACE);
  }

  private readMap(depth: number): MapNode {
    const indent = this.indent;
    const map = emptyMap(this.at(indent));
    do {
      this.readEntry(map, depth);
      if (!this.atEnd() && this.indent > indent) throw NOT_SIMPLE; // a value going on over lines, or bad indentation
    } while (!this.atEnd() && this.indent === indent && !this.isListItem(indent));
    return map;
  }

  private readEntry(map: MapNode, depth: number): void {
    const indent = this.indent;
    const keyPos = this.at(indent);
    const { key, colon } = this.readKey(indent);
    this.path.push(key);
    const node = this.readValue(colon + 1, depth, (start) => this.isListItem(start));
    this.path.pop();
    this.addEntry(map, key, keyPos, node);
  }

  /** `key` into `map`, unless it holds a NUL byte or is there already (the first one stays). */
  private addEntry(map: MapNode, key: string, keyPos: SourcePosition, node: YamlNode): void {
    if (key.includes('\0'))
      this.issues.push({
        ...keyPos,
        message: `the key ${JSON.stringify(key)}${this.path.length > 0 ? ` of ${describePath(this.path)}` : ''} contains a NUL byte, which no process can receive: remove it`,
      });
    else if (map.entries.has(key)) this.issues.push({ ...keyPos, message: `duplicate key "${key}"` });
    else map.entries.set(key, { keyPos, node });
  }

  /**
   * What follows `key:` or `- ` from `column`: a value on this line, else a block on the lines below
   * (deeper, or a list at the same indentation, which YAML allows under a key), else null.
   */
  private readValue(column: number, depth: number, listAtSameIndent: (start: number) => boolean): YamlNode {
    const indent = this.indent;
    let start = column;
    while (this.line.charCodeAt(start) === SPACE) start++;
    if (start < this.line.length && this.line.charCodeAt(start) !== HASH) {
      const node = this.readInline(start, depth);
      this.nextLine();
      return node;
    }
    const emptyPos = this.at(start);
    this.nextLine();
    if (!this.atEnd() && (this.indent > indent || (this.indent === indent && listAtSameIndent(this.indent)))) return this.readBlock(depth + 1);
    return scalarNode(null, emptyPos);
  }

  private readList(depth: number): ListNode {
    const indent = this.indent;
    const list: ListNode = { kind: 'list', items: [], pos: this.at(indent) };
    do {
      this.path.push(list.items.length);
      let start = indent + 1;
      while (this.line.charCodeAt(start) === SPACE) start++;
      if (this.isListItem(start)) throw NOT_SIMPLE; // `- - a`
      if (start < this.line.length && this.keyColon(start) !== undefined) {
        if (depth + 1 > MAX_DEPTH) throw NOT_SIMPLE;
        this.indent = start; // `- key: value`: the map's lines line up with its first key
        list.items.push(this.readMap(depth + 1));
      } else list.items.push(this.readValue(indent + 1, depth, () => false));
      this.path.pop();
      if (!this.atEnd() && this.indent > indent) throw NOT_SIMPLE;
    } while (!this.atEnd() && this.indent === indent && this.isListItem(indent));
    return list;
  }

  /** The key starting at `start` and the column of its `:`. */
  private readKey(start: number): { key: string; colon: number } {
    const colon = this.keyColon(start);
    if (colon === undefined) throw NOT_SIMPLE;
    const first = this.line.charCodeAt(start);
    if (first === DOUBLE_QUOTE || first === SINGLE_QUOTE) {
      const key = this.readQuoted(start).value as string;
      if (key === '<<') throw NOT_SIMPLE;
      return { key, colon };
    }
    const text = trimSpaces(this.line.slice(start, colon));
    if (text === '<<') throw NOT_SIMPLE; // a merge key
    return { key: keyText(resolvePlain(text), text), colon };
  }

  /** Where the `:` ending a key that starts at `start` is, or undefined when no simple key starts there. */
  private keyColon(start: number): number | undefined {
    const line = this.line;
    const first = line.charCodeAt(start);
    let colon: number;
    if (first === DOUBLE_QUOTE || first === SINGLE_QUOTE) {
      colon = this.readQuoted(start).end;
      if (line.charCodeAt(colon) !== COLON) return undefined;
    } else {
      if (!this.startsPlain(start)) return undefined;
      colon = line.indexOf(':', start);
      while (colon !== -1 && colon + 1 < line.length && line.charCodeAt(colon + 1) !== SPACE) colon = line.indexOf(':', colon + 1);
      if (colon === -1) return undefined;
      const comment = line.indexOf(' #', start);
      if (comment !== -1 && comment < colon) return undefined;
    }
    if (colon + 1 < line.length && line.charCodeAt(colon + 1) !== SPACE) return undefined;
    if (colon - start > MAX_KEY_LENGTH) throw NOT_SIMPLE;
    return colon;
  }

  /** Whether a plain value may start at `start`: `-p`, not `- `, nor `-]` in a flow collection. */
  private startsPlain(start: number, inFlow = false): boolean {
    const first = this.line.charCodeAt(start);
    if (!INDICATORS.has(first)) return true;
    if (first !== DASH || start + 1 >= this.line.length) return false;
    const next = this.line.charCodeAt(start + 1);
    return next !== SPACE && !(inFlow && FLOW_INDICATORS.has(next));
  }

  /** The value written on this line from `start` (a scalar or a flow collection), followed by nothing but spaces and a comment. */
  private readInline(start: number, depth: number): YamlNode {
    const line = this.line;
    const first = line.charCodeAt(start);
    if (first !== OPEN_BRACKET && first !== OPEN_BRACE && first !== DOUBLE_QUOTE && first !== SINGLE_QUOTE) return this.readPlain(start);
    const { node, end } = first === OPEN_BRACKET || first === OPEN_BRACE ? this.readFlow(start, depth + 1) : this.readQuotedNode(start);
    const rest = this.skipSpaces(end);
    if (rest < line.length && !(line.charCodeAt(rest) === HASH && rest > end)) throw NOT_SIMPLE;
    return node;
  }

  /** A plain value in a block: up to a comment or the end of the line. */
  private readPlain(start: number): ScalarNode {
    if (!this.startsPlain(start)) throw NOT_SIMPLE;
    const comment = this.line.indexOf(' #', start);
    const text = trimSpaces(this.line.slice(start, comment === -1 ? undefined : comment));
    if (text.includes(': ') || text.endsWith(':')) throw NOT_SIMPLE; // a map on the line of a key: an error the library words
    return this.scalar(resolvePlain(text), start);
  }

  /**
   * `[a, "b", [c]]` or `{a: 1, b: [c]}` on one line: its node and the column after it. Empty entries, a
   * trailing comma, keys without values and pairs inside lists are left to the library.
   */
  private readFlow(start: number, depth: number): { node: YamlNode; end: number } {
    if (depth > MAX_DEPTH) throw NOT_SIMPLE;
    const line = this.line;
    const pos = this.at(start);
    const isList = line.charCodeAt(start) === OPEN_BRACKET;
    const close = isList ? CLOSE_BRACKET : CLOSE_BRACE;
    const node: ListNode | MapNode = isList ? { kind: 'list', items: [], pos } : emptyMap(pos);
    let at = this.skipSpaces(start + 1);
    if (line.charCodeAt(at) === close) return { node, end: at + 1 };
    for (;;) {
      if (node.kind === 'list') {
        this.path.push(node.items.length);
        const item = this.readFlowItem(at, depth);
        this.path.pop();
        node.items.push(item.node);
        at = item.end;
      } else {
        const keyPos = this.at(at);
        const { key, colon } = this.readFlowKey(at);
        this.path.push(key);
        const value = this.readFlowItem(this.skipSpaces(colon + 1), depth);
        this.path.pop();
        this.addEntry(node, key, keyPos, value.node);
        at = value.end;
      }
      at = this.skipSpaces(at);
      if (line.charCodeAt(at) === close) return { node, end: at + 1 };
      if (line.charCodeAt(at) !== COMMA) throw NOT_SIMPLE;
      at = this.skipSpaces(at + 1);
      if (line.charCodeAt(at) === close || line.charCodeAt(at) === COMMA) throw NOT_SIMPLE;
    }
  }

  /** A value inside a flow collection: a scalar up to the next `,`, bracket or brace, or a nested collection. */
  private readFlowItem(start: number, depth: number): { node: YamlNode; end: number } {
    const line = this.line;
    const first = line.charCodeAt(start);
    if (first === OPEN_BRACKET || first === OPEN_BRACE) return this.readFlow(start, depth + 1);
    if (first === DOUBLE_QUOTE || first === SINGLE_QUOTE) return this.readQuotedNode(start);
    if (!this.startsPlain(start, true)) throw NOT_SIMPLE;
    let end = start;
    while (end < line.length && !FLOW_INDICATORS.has(line.charCodeAt(end))) end++;
    const text = trimSpaces(line.slice(start, end));
    if (/:(?: |$)| #/.test(text)) throw NOT_SIMPLE; // a pair, or a comment
    return { node: this.scalar(resolvePlain(text), start), end };
  }

  /** A key inside a flow map, and the column of the `: ` after it. */
  private readFlowKey(start: number): { key: string; colon: number } {
    const line = this.line;
    const first = line.charCodeAt(start);
    let colon: number;
    let key: string;
    if (first === DOUBLE_QUOTE || first === SINGLE_QUOTE) {
      const quoted = this.readQuoted(start);
      colon = quoted.end;
      key = quoted.value as string;
    } else {
      if (!this.startsPlain(start, true)) throw NOT_SIMPLE;
      colon = start;
      while (colon < line.length && !FLOW_INDICATORS.has(line.charCodeAt(colon)) && !this.isColonSpace(colon)) colon++;
      const text = trimSpaces(line.slice(start, colon));
      if (text.includes(' #') || text.endsWith(':')) throw NOT_SIMPLE;
      key = keyText(resolvePlain(text), text);
    }
    if (!this.isColonSpace(colon) || key === '<<' || colon - start > MAX_KEY_LENGTH) throw NOT_SIMPLE;
    return { key, colon };
  }

  private isColonSpace(column: number): boolean {
    return this.line.charCodeAt(column) === COLON && this.line.charCodeAt(column + 1) === SPACE;
  }

  private skipSpaces(column: number): number {
    while (this.line.charCodeAt(column) === SPACE) column++;
    return column;
  }

  private readQuotedNode(start: number): { node: ScalarNode; end: number } {
    const { value, end } = this.readQuoted(start);
    return { node: this.scalar(value, start), end };
  }

  /** A scalar node at `start`; a NUL byte in it is an issue. */
  private scalar(value: ScalarNode['value'], start: number): ScalarNode {
    const pos = this.at(start);
    if (typeof value === 'string' && value.includes('\0'))
      this.issues.push({ ...pos, message: `${describePath(this.path)} contains a NUL byte, which no process can receive: remove it` });
    return scalarNode(value, pos);
  }

  /** A quoted scalar that ends on its own line. */
  private readQuoted(start: number): OneLineScalar {
    return this.line.charCodeAt(start) === DOUBLE_QUOTE ? this.readDoubleQuoted(start) : this.readSingleQuoted(start);
  }

  private readSingleQuoted(start: number): OneLineScalar {
    const line = this.line;
    let value = '';
    for (let from = start + 1; ;) {
      const quote = line.indexOf("'", from);
      if (quote === -1) throw NOT_SIMPLE;
      value += line.slice(from, quote);
      if (line.charCodeAt(quote + 1) !== SINGLE_QUOTE) return { value, end: quote + 1 };
      value += "'";
      from = quote + 2;
    }
  }

  private readDoubleQuoted(start: number): OneLineScalar {
    const line = this.line;
    let value = '';
    let from = start + 1;
    for (let i = from; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === DOUBLE_QUOTE) return { value: value + line.slice(from, i), end: i + 1 };
      if (c !== BACKSLASH) continue;
      value += line.slice(from, i);
      const escape = line[i + 1] ?? '';
      const hexLength = HEX_ESCAPE_LENGTHS[escape];
      if (hexLength !== undefined) {
        const hex = line.slice(i + 2, i + 2 + hexLength);
        const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexLength ? parseInt(hex, 16) : NaN;
        if (!(code <= 0x10ffff)) throw NOT_SIMPLE;
        value += String.fromCodePoint(code);
        i += 1 + hexLength;
      } else if (Object.hasOwn(ESCAPES, escape)) {
        value += ESCAPES[escape];
        i += 1;
      } else throw NOT_SIMPLE; // an unknown escape, or a backslash ending the line
      from = i + 1;
    }
    throw NOT_SIMPLE; // the value goes on over lines
  }
}

/** Without trailing spaces (only spaces: YAML's whitespace, unlike String.trimEnd's). */
function trimSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === SPACE) end--;
  return end === text.length ? text : text.slice(0, end);
}
