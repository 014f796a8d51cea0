/** The port table as printed: the header line, rows by column name, and the `!` lines under it. */
export interface ParsedPortTable {
  header: string;
  /** The table's own lines (header, rows, `!` lines), as printed. */
  lines: string[];
  rows: Record<string, string>[];
  notes: string[];
}

/** The seven fixed columns, then `LAST RUN` once there was a previous run to compare with. */
export const TABLE_HEADER = /^SERVICE +PORT +PREFERRED +STATUS +PID +RESTARTS +URL( +LAST RUN)?$/m;
const FIXED_COLUMNS = ['SERVICE', 'PORT', 'PREFERRED', 'STATUS', 'PID', 'RESTARTS', 'URL'];

/**
 * Finds the last port table in `text` (other output may surround it) and reads `rowCount` rows by
 * the header's column positions, so a cell that is not aligned under its header reads wrong.
 */
export function parsePortTable(text: string, rowCount: number): ParsedPortTable {
  const all = text.split('\n');
  const start = all.map((line) => TABLE_HEADER.test(line)).lastIndexOf(true);
  if (start < 0) throw new Error(`no port table in:\n${text}`);
  const header = all[start]!;
  const columns = header.endsWith('LAST RUN') ? [...FIXED_COLUMNS, 'LAST RUN'] : FIXED_COLUMNS;
  const starts = columns.map((column) => header.indexOf(column));
  const rowLines = all.slice(start + 1, start + 1 + rowCount);
  const rows = rowLines.map((line) =>
    Object.fromEntries(columns.map((column, i) => [column, line.slice(starts[i], i + 1 < columns.length ? starts[i + 1] : undefined).trim()])),
  );
  const notes: string[] = [];
  for (const line of all.slice(start + 1 + rowCount)) {
    if (!line.startsWith('! ')) break;
    notes.push(line);
  }
  return { header, lines: [header, ...rowLines, ...notes], rows, notes };
}
