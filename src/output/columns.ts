import stringWidth from 'string-width';

// Widths on screen, not in UTF-16 units: a title may hold wide characters (日本語, ✨), and a
// table padded by `.length` would push every later column of that row out of line.

/** The widest cell of each column. */
export function columnWidths(rows: string[][]): number[] {
  return rows[0]!.map((_, column) => Math.max(...rows.map((row) => stringWidth(row[column] ?? ''))));
}

/** `cell` followed by the spaces that fill it to `width` columns on screen. */
export function padCell(cell: string, width: number): string {
  return cell + ' '.repeat(Math.max(0, width - stringWidth(cell)));
}
