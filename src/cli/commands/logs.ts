import { once } from 'node:events';
import pc from 'picocolors';
import { NoInstanceError, UsageError } from '../../errors.js';
import { expectReply, requestInstance } from '../../control/control-client.js';
import { stateFolderOf } from '../../control/state-paths.js';
import { didYouMean } from '../../manifest/suggest.js';
import { shouldColor } from '../../output/color.js';
import type { LogLine } from '../../output/log-ring.js';
import { renderPrefix } from '../../output/prefix-lines.js';
import { loggedServices, readLogTail } from '../../output/read-log-files.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';

const DEFAULT_LINES = 100;

/**
 * `devsup logs [SERVICE…] [-f] [-n N]`: the last N lines of each service as `key | text`, in the
 * order they were printed, then with -f every new line until the instance stops. With no instance
 * running, the last lines come from `.devsup/logs/`.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const lines = parseCount(args.values.lines as string | undefined);
  // Only a count the user gave is worth a word when fewer lines exist: the default is no request for more.
  const asked = args.values.lines !== undefined;
  const follow = args.values.follow === true;
  const folder = instanceFolder(args, io);
  const printer = linePrinter(io);
  // `devsup logs -f | head`: once nobody reads, stop at the next line, quietly, as `tail -f` does.
  let readerGone = false;
  io.stdout.once('error', () => (readerGone = true));
  try {
    for await (const reply of requestInstance(folder, { type: 'logs', services: args.positionals, lines, follow })) {
      if (reply.type === 'end' || readerGone) break;
      const batch = expectReply(reply, 'lines', folder);
      if (batch.keys) printer.setKeys(batch.keys, args.positionals.length > 0 ? args.positionals : batch.keys);
      if (batch.dropped) io.stderr.write(`devsup: ${batch.dropped} lines left out: this terminal did not keep up.\n`);
      const drained = printer.print(batch.lines);
      if (asked) sayWhatIsKept(batch.kept ?? {}, io);
      if (!drained) await once(io.stdout, 'drain').catch(() => (readerGone = true));
    }
    return 0;
  } catch (error) {
    if (!(error instanceof NoInstanceError)) throw error;
    return printFromFiles(folder, args.positionals, { lines, asked }, follow, io, printer);
  }
}

/** After the instance has stopped: each service's last lines from its log file, one service after the other. */
function printFromFiles(
  folder: string,
  names: string[],
  { lines, asked }: { lines: number; asked: boolean },
  follow: boolean,
  io: CliIO,
  printer: LinePrinter,
): number {
  const stateFolder = stateFolderOf(folder);
  const logged = loggedServices(stateFolder);
  if (logged.length === 0) throw new NoInstanceError(folder);
  for (const name of names) {
    if (!logged.includes(name))
      throw new UsageError(`no logs of a service "${name}" in ${stateFolder}${didYouMean(name, logged)}`, `Logged services: ${logged.join(', ')}.`);
  }
  const services = names.length > 0 ? names : logged;
  printer.setKeys(logged, services);
  const kept: Record<string, number> = {};
  for (const service of services) {
    const tail = readLogTail(stateFolder, service, lines).lines;
    printer.print(tail);
    if (tail.length < lines) kept[service] = tail.length;
  }
  if (asked) sayWhatIsKept(kept, io);
  if (follow) io.stderr.write(`devsup: not running in ${folder}, so nothing more will come; these lines are from its log files.\n`);
  return 0;
}

/** `-n` asked for more lines than a service has, in memory and in its log files together. */
function sayWhatIsKept(kept: Record<string, number>, io: CliIO): void {
  for (const [service, count] of Object.entries(kept)) {
    io.stderr.write(
      count === 0
        ? `devsup: ${service} has no lines kept.\n`
        : `devsup: ${service} has ${count.toLocaleString('en-US')} line${count === 1 ? '' : 's'} kept; showing all of them.\n`,
    );
  }
}

interface LinePrinter {
  /** `keys`: all services in the instance's order (for colours); `shown`: those printed (for the width). */
  setKeys(keys: string[], shown: string[]): void;
  /** False when stdout asks to wait for `drain`. */
  print(lines: LogLine[]): boolean;
}

/** `key | text` with keys aligned and coloured as `devsup up` prints them. */
function linePrinter(io: CliIO): LinePrinter {
  const colors = pc.createColors(shouldColor(io.stdout, io.env));
  const prefixes = new Map<string, string>();
  return {
    setKeys(keys, shown) {
      const width = Math.max(0, ...shown.map((key) => key.length));
      keys.forEach((key, index) => prefixes.set(key, renderPrefix(colors, key, index, Math.max(width, key.length)).toString()));
    },
    print(lines) {
      if (lines.length === 0) return true;
      return io.stdout.write(lines.map((line) => `${prefixes.get(line.service) ?? `${line.service} | `}${line.text}\n`).join(''));
    },
  };
}

function parseCount(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LINES;
  if (!/^\d+$/.test(text)) throw new UsageError(`-n ${text} is not a number of lines.`, 'Usage: devsup logs [SERVICE…] [-f] [-n N]');
  return Number(text);
}
