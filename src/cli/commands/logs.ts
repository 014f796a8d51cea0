import { once } from 'node:events';
import pc from 'picocolors';
import { DevsupError, NoInstanceError, UsageError } from '../../errors.js';
import { expectReply, requestInstance } from '../../control/control-client.js';
import { stateFolderOf } from '../../control/state-paths.js';
import { keysByName } from '../../manifest/replicas.js';
import { didYouMean } from '../../manifest/suggest.js';
import { inArrivalOrder } from '../../output/arrival-order.js';
import { shouldColor } from '../../output/color.js';
import { NO_TIME, formatLocalTime } from '../../output/local-time.js';
import type { LogLine } from '../../output/log-ring.js';
import { renderPrefix } from '../../output/prefix-lines.js';
import { loggedServices, readLogTail } from '../../output/read-log-files.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';
import { linesToFetch, matching, parseLogQuery, selectLines, type LogQuery } from '../log-query.js';

/**
 * `devsup logs [SERVICE…] [-f] [-n N] [--since …] [--grep …] [-t]`: the last N lines of each service
 * as `key | text`, in the order they arrived, then with -f every new line until the instance stops.
 * With no instance running, the lines come from `.devsup/logs/`. `--since` is applied where the
 * lines are kept (the instance's memory, the log index); `--grep` here, on what comes.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const query = parseLogQuery(args.values, Date.now());
  const folder = instanceFolder(args, io);
  const printer = linePrinter(io, query.timestamps);
  const notes = new Notes(io, query);
  if (query.since !== undefined && query.since > Date.now())
    io.stderr.write(
      `devsup: --since ${String(args.values.since)} is ${formatLocalTime(query.since)}, later than now: no line has arrived since then yet.\n`,
    );
  // `devsup logs -f | head`: once nobody reads, stop at the next line, quietly, as `tail -f` does.
  let readerGone = false;
  io.stdout.once('error', () => (readerGone = true));
  const { since, follow } = query;
  const request = { type: 'logs' as const, services: args.positionals, lines: linesToFetch(query), follow, ...(since !== undefined && { since }) };
  try {
    let first = true;
    for await (const reply of requestInstance(folder, request)) {
      if (reply.type === 'end' || readerGone) break;
      const batch = expectReply(reply, 'lines', folder);
      if (first && !batch.timed && (query.since !== undefined || query.timestamps)) throw new NoTimesError(folder);
      if (batch.keys) printer.setKeys(batch.keys, args.positionals.length > 0 ? args.positionals : batch.keys);
      if (batch.dropped) io.stderr.write(`devsup: ${batch.dropped} lines left out: this terminal did not keep up.\n`);
      const lines = first ? selectLines(query, batch.lines) : matching(query, batch.lines);
      const drained = printer.print(lines);
      if (first) notes.after(lines, batch.kept ?? {}, batch.untimed ?? {});
      first = false;
      if (!drained) await once(io.stdout, 'drain').catch(() => (readerGone = true));
    }
    return 0;
  } catch (error) {
    if (!(error instanceof NoInstanceError)) throw error;
    return printFromFiles(folder, args.positionals, query, io, printer, notes);
  }
}

/** After the instance has stopped: the services' last lines from their log files, merged by arrival time. */
function printFromFiles(folder: string, names: string[], query: LogQuery, io: CliIO, printer: LinePrinter, notes: Notes): number {
  const stateFolder = stateFolderOf(folder);
  const logged = loggedServices(stateFolder);
  if (logged.length === 0) throw new NoInstanceError(folder);
  // `web` of a replicated service: the logs of web.1, web.2…
  const wanted = names.flatMap((name) => keysByName(logged, name));
  for (const name of names) {
    if (keysByName(logged, name).length === 0)
      throw new UsageError(`no logs of a service "${name}" in ${stateFolder}${didYouMean(name, logged)}`, `Logged services: ${logged.join(', ')}.`);
  }
  const services = wanted.length > 0 ? wanted : logged;
  printer.setKeys(logged, services);
  const kept: Record<string, number> = {};
  const untimed: Record<string, number> = {};
  const lines = services.flatMap((service) => {
    const tail = readLogTail(stateFolder, service, linesToFetch(query), query.since);
    if (tail.lines.length < query.lines) kept[service] = tail.lines.length;
    if (tail.untimed > 0) untimed[service] = tail.untimed;
    return tail.lines;
  });
  const shown = selectLines(query, inArrivalOrder(lines));
  printer.print(shown);
  notes.after(shown, kept, untimed);
  if (query.follow) io.stderr.write(`devsup: not running in ${folder}, so nothing more will come; these lines are from its log files.\n`);
  return 0;
}

/** An instance started by a devsup that does not record when lines arrive. */
class NoTimesError extends DevsupError {
  constructor(folder: string) {
    super(
      `the devsup running in ${folder} does not record when lines arrive, so --since and --timestamps cannot work with it.`,
      1,
      'Restart `devsup up` with this version of devsup.',
    );
  }
}

/** What devsup says on stderr after the first lines: fewer than asked, lines of unknown time. */
class Notes {
  constructor(
    private readonly io: CliIO,
    private readonly query: LogQuery,
  ) {}

  after(shown: LogLine[], kept: Record<string, number>, untimed: Record<string, number>): void {
    // With a filter, fewer lines than -n asked for say nothing new.
    if (this.query.asked && this.query.since === undefined && !this.query.grep) this.sayKept(kept);
    for (const [service, count] of Object.entries(untimed))
      this.say(
        `${service}: ${lines(count)} in its log files ${count === 1 ? 'was' : 'were'} written before devsup recorded arrival times; --since leaves them out, as their time is unknown.`,
      );
    if (!this.query.timestamps) return;
    const unknown = new Map<string, number>();
    for (const line of shown) if (line.time === undefined) unknown.set(line.service, (unknown.get(line.service) ?? 0) + 1);
    for (const [service, count] of unknown)
      this.say(`${service}: ${lines(count)} ${count === 1 ? 'was' : 'were'} written before devsup recorded arrival times; "-" stands for the time.`);
  }

  /** `-n` asked for more lines than a service has, in memory and in its log files together. */
  private sayKept(kept: Record<string, number>): void {
    for (const [service, count] of Object.entries(kept))
      this.say(count === 0 ? `${service} has no lines kept.` : `${service} has ${lines(count)} kept; showing all of them.`);
  }

  private say(message: string): void {
    this.io.stderr.write(`devsup: ${message}\n`);
  }
}

function lines(count: number): string {
  return `${count.toLocaleString('en-US')} line${count === 1 ? '' : 's'}`;
}

interface LinePrinter {
  /** `keys`: all services in the instance's order (for colours); `shown`: those printed (for the width). */
  setKeys(keys: string[], shown: string[]): void;
  /** False when stdout asks to wait for `drain`. */
  print(lines: LogLine[]): boolean;
}

/** `key | text` with keys aligned and coloured as `devsup up` prints them; with `timestamps`, each line's arrival time first. */
function linePrinter(io: CliIO, timestamps: boolean): LinePrinter {
  const colors = pc.createColors(shouldColor(io.stdout, io.env));
  const prefixes = new Map<string, string>();
  // The lines of one chunk share their time: formatted once.
  let last: { time: number | undefined; text: string } = { time: undefined, text: `${colors.dim(NO_TIME)} ` };
  const stamp = (line: LogLine) => {
    if (!timestamps) return '';
    if (line.time !== last.time) last = { time: line.time, text: `${colors.dim(line.time === undefined ? NO_TIME : formatLocalTime(line.time))} ` };
    return last.text;
  };
  return {
    setKeys(keys, shown) {
      const width = Math.max(0, ...shown.map((key) => key.length));
      keys.forEach((key, index) => prefixes.set(key, renderPrefix(colors, key, index, Math.max(width, key.length)).toString()));
    },
    print(lines) {
      if (lines.length === 0) return true;
      return io.stdout.write(lines.map((line) => `${stamp(line)}${prefixes.get(line.service) ?? `${line.service} | `}${line.text}\n`).join(''));
    },
  };
}
