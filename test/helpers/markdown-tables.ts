/** A row of a Markdown table, by its column headings, and the whole line. */
export interface TableRow {
  cells: Record<string, string>;
  line: string;
}

/**
 * The rows of the tables right under one heading of a Markdown text (up to the next heading) whose
 * first column is headed `firstColumn`, by the names their first cell gives in backticks
 * (`| \`http\`, \`tcp\` | …` is a row for both). Undefined when the text has no such heading.
 */
export function namedRows(text: string, heading: string, firstColumn: string): Map<string, TableRow> | undefined {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) return undefined;
  const rows = new Map<string, TableRow>();
  let columns: string[] = [];
  let fenced = false;
  for (const line of lines.slice(start + 1)) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    if (/^#+ /.test(line)) break;
    if (!line.startsWith('|')) {
      columns = [];
      continue;
    }
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    if (columns.length === 0) {
      columns = cells;
      continue;
    }
    if (/^-+$/.test(cells[0]!) || columns[0] !== firstColumn) continue;
    const names = /^`[\w./-]+`(, `[\w./-]+`)*$/.test(cells[0]!) ? [...cells[0]!.matchAll(/`([\w./-]+)`/g)].map((match) => match[1]!) : [];
    const row: TableRow = { cells: Object.fromEntries(columns.map((column, index) => [column, cells[index] ?? ''])), line };
    for (const name of names) rows.set(name, row);
  }
  return rows;
}

/**
 * The paths of the fields in `value` (a JSON document) that `rows` do not document: a field is
 * documented by a row of its own, or by its name in backticks in the row of the field that holds
 * it (`lastExit`: "`code`, `signal` and `at`"). The fields of `opaque` fields (maps keyed by name,
 * or objects documented elsewhere) are not looked into.
 */
export function undocumentedFields(value: unknown, rows: Map<string, TableRow>, opaque: string[] = [], parent?: TableRow, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => undocumentedFields(item, rows, opaque, parent, `${at}[]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([field, child]) => {
    const path = at === '' ? field : `${at}.${field}`;
    const row = rows.get(field) ?? (parent?.line.includes(`\`${field}\``) ? parent : undefined);
    if (row === undefined) return [path];
    return opaque.includes(field) ? [] : undocumentedFields(child, rows, opaque, row, path);
  });
}
