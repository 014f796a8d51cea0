import { renderPortsJson, renderPortTable } from '../../output/port-table.js';
import { shouldColor } from '../../output/color.js';
import { terminalColumns } from '../../output/columns.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';
import { readReport } from '../read-report.js';

/** `devsup ports` / `devsup ps`: the running instance's table, or with --json its report. */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  // CPU and memory only for scripts: reading them takes a quarter of a second the first time.
  const report = await readReport(instanceFolder(args, io), args.values.json === true ? { usage: true } : {});
  io.stdout.write(
    args.values.json
      ? `${renderPortsJson(report)}\n`
      : `${renderPortTable(report, { color: shouldColor(io.stdout, io.env), width: terminalColumns(io.stdout) })}\n`,
  );
  return 0;
}
