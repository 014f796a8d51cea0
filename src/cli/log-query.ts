import { UsageError } from '../errors.js';
import type { LogLine } from '../output/log-ring.js';
import type { ParsedArgs } from './cli-types.js';
import { parseSince } from './parse-since.js';

const DEFAULT_LINES = 100;
/** A count larger than any log: every line. */
export const ALL_LINES = Number.MAX_SAFE_INTEGER;
const USAGE = 'Usage: devsup logs [SERVICE…] [-f] [-n N] [--since DURATION|TIME] [--grep REGEX [-i]] [-t]';

/** What `devsup logs` was asked for. */
export interface LogQuery {
  /** Lines per service, the newest; ALL_LINES: every one. */
  lines: number;
  /** `-n` was given, so having fewer lines is worth a word. */
  asked: boolean;
  follow: boolean;
  /** Only lines that arrived then or later (ms since the epoch). */
  since?: number;
  grep?: RegExp;
  timestamps: boolean;
}

/**
 * The options of `devsup logs`, checked before anything is read. `-n` counts the lines shown per
 * service: 100 by default, or every line since `--since` when that is given alone.
 */
export function parseLogQuery(values: ParsedArgs['values'], now: number): LogQuery {
  const since = values.since === undefined ? undefined : parseSince(values.since as string, now);
  const count = values.lines as string | undefined;
  if (count !== undefined && !/^\d+$/.test(count)) throw new UsageError(`-n ${count} is not a number of lines.`, USAGE);
  const ignoreCase = values['ignore-case'] === true;
  const pattern = values.grep as string | undefined;
  if (ignoreCase && pattern === undefined) throw new UsageError('-i (--ignore-case) goes with --grep REGEX: it makes the match ignore case.', USAGE);
  return {
    lines: count !== undefined ? Number(count) : since !== undefined ? ALL_LINES : DEFAULT_LINES,
    asked: count !== undefined,
    follow: values.follow === true,
    ...(since !== undefined && { since }),
    ...(pattern !== undefined && { grep: compilePattern(pattern, ignoreCase) }),
    timestamps: values.timestamps === true,
  };
}

/** Lines per service to fetch: with `--grep` all of them, since the match runs here (a slow pattern holds back this command only). */
export function linesToFetch(query: LogQuery): number {
  return query.grep ? ALL_LINES : query.lines;
}

/** The lines `--grep` matches (all without it). */
export function matching(query: LogQuery, lines: LogLine[]): LogLine[] {
  const { grep } = query;
  return grep ? lines.filter((line) => grep.test(line.text)) : lines;
}

/** Of lines fetched with linesToFetch (oldest first): those that match, the last `query.lines` of each service. */
export function selectLines(query: LogQuery, lines: LogLine[]): LogLine[] {
  if (!query.grep) return lines;
  const left = new Map<string, number>();
  const chosen: LogLine[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const room = left.get(line.service) ?? query.lines;
    if (room === 0 || !query.grep.test(line.text)) continue;
    left.set(line.service, room - 1);
    chosen.push(line);
  }
  return chosen.reverse();
}

function compilePattern(pattern: string, ignoreCase: boolean): RegExp {
  try {
    return new RegExp(pattern, ignoreCase ? 'i' : '');
  } catch (error) {
    // "Invalid regular expression: /(/: Unterminated group": the last part names the problem.
    const problem = (error as Error).message.split(': ').at(-1) ?? (error as Error).message;
    throw new UsageError(
      `--grep ${pattern} is not a valid regular expression: ${problem}.`,
      'It is a JavaScript regular expression: put a backslash before ( ) [ ] { } . * + ? ^ $ | \\ to match the character itself.',
    );
  }
}
