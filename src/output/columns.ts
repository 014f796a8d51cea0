import { eastAsianWidth } from 'get-east-asian-width';

// Widths on screen, not in UTF-16 units: a title may hold wide characters (日本語, ✨), and a table
// padded by `.length` would push every later column of that row out of line. Not string-width: its
// grapheme segmenter costs devsup ~7 MB of memory for the rare title that is not plain ASCII.

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Marks that sit on the character before them, zero-width spaces and joiners, variation selectors. */
const ZERO_WIDTH = /^[\p{Mark}\p{Default_Ignorable_Code_Point}]$/u;

/** How many terminal columns `text` (without ANSI codes) takes. */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const character of text) {
    if (!ZERO_WIDTH.test(character)) width += eastAsianWidth(character.codePointAt(0)!);
  }
  return width;
}

/** The widest cell of each column. */
export function columnWidths(rows: string[][]): number[] {
  return rows[0]!.map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column] ?? ''))));
}

/** The spaces that fill `cell` out to `width` columns on screen. */
export function padding(cell: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(cell)));
}

/** How wide the terminal `out` writes to is; undefined for a pipe, a file, or a terminal that does not say. */
export function terminalColumns(out: NodeJS.WritableStream): number | undefined {
  const { isTTY, columns } = out as Partial<NodeJS.WriteStream>;
  return isTTY === true && columns !== undefined && columns > 0 ? columns : undefined;
}
