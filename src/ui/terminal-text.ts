import { displayWidth } from '../output/columns.js';

/** SGR sequences (colours, bold…): kept in the services' lines. Every other escape sequence would move the cursor: dropped. */
// eslint-disable-next-line no-control-regex -- escape sequences and control characters are what is dropped
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex -- the one escape sequence kept
const SGR = /^\x1b\[[0-9;]*m$/;
const RESET = '\x1b[0m';
const TAB = '    ';

/** A line as text alone: no escape sequences, no control characters, tabs as spaces. */
export function plainText(line: string): string {
  return line.replace(/\t/g, TAB).replace(ESCAPES, '');
}

/**
 * A service's line cut or padded to exactly `width` columns, its colours kept (with `color`) and
 * every other escape sequence or control character dropped, so nothing it prints can move the cursor.
 */
export function fitLine(line: string, width: number, color: boolean): string {
  const source = line.replace(/\t/g, TAB);
  let out = '';
  let used = 0;
  let styled = false;
  let index = 0;
  for (const match of source.matchAll(ESCAPES)) {
    const taken = takeColumns(source.slice(index, match.index), width - used);
    out += taken.text;
    used += taken.width;
    index = match.index + match[0].length;
    if (used >= width) break;
    if (color && SGR.test(match[0])) {
      out += match[0];
      styled = true;
    }
  }
  if (used < width) {
    const taken = takeColumns(source.slice(index), width - used);
    out += taken.text;
    used += taken.width;
  }
  return `${out}${styled ? RESET : ''}${' '.repeat(Math.max(0, width - used))}`;
}

/** The first characters of `text` that fit in `columns`. */
function takeColumns(text: string, columns: number): { text: string; width: number } {
  if (columns <= 0) return { text: '', width: 0 };
  if (/^[\x20-\x7e]*$/.test(text)) return text.length <= columns ? { text, width: text.length } : { text: text.slice(0, columns), width: columns };
  let width = 0;
  let taken = '';
  for (const character of text) {
    const cell = displayWidth(character);
    if (width + cell > columns) break;
    taken += character;
    width += cell;
  }
  return { text: taken, width };
}

/** Plain text cut or padded to `width` columns. */
export function fitPlain(text: string, width: number): string {
  const taken = takeColumns(text, width);
  return taken.text + ' '.repeat(width - taken.width);
}

/**
 * A line with every occurrence of `query` (case as `matches` decides) shown in reverse video, cut to
 * `width`; the line's own colours give way to the highlight, so the match stands out whatever they were.
 */
export function highlightLine(line: string, query: string, width: number, style: { on: string; off: string }): string {
  const text = fitPlain(plainText(line), width);
  const ranges = matchRanges(text, query);
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    out += `${text.slice(at, start)}${style.on}${text.slice(start, end)}${style.off}`;
    at = end;
  }
  return out + text.slice(at);
}

/** Smart case, as in less and vim: a query with a capital letter matches case, else it ignores case. */
export function matches(text: string, query: string): boolean {
  return query !== '' && foldFor(query)(text).includes(foldFor(query)(query));
}

function matchRanges(text: string, query: string): [number, number][] {
  if (query === '') return [];
  const fold = foldFor(query);
  const haystack = fold(text);
  const needle = fold(query);
  const ranges: [number, number][] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) ranges.push([at, at + needle.length]);
  return ranges;
}

function foldFor(query: string): (text: string) => string {
  return query === query.toLowerCase() ? (text) => text.toLowerCase() : (text) => text;
}
