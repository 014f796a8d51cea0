import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const TIME_OF_DAY = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?$/;
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?(Z|[+-]\d\d(?::?\d\d)?)?$/i;

const HINT = 'E.g. `--since 10m` (the last ten minutes), `--since 14:05` (since 14:05 today), `--since 2025-03-01T14:05:00+01:00`.';

/**
 * `--since`: the first instant whose lines are wanted, in ms since the epoch.
 * - a duration back from `now`: numbers with units ms, s, m, h, d, one after another (`1h30m`, `1.5h`);
 * - `HH:MM[:SS[.fff]]`: that time of day today, in the local time zone;
 * - ISO 8601 `YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]` (a space may stand for the T): with no
 *   offset in the local time zone, a date alone at its local midnight.
 * Anything else, or a date or time of day that does not exist, is a UsageError (exit 2).
 */
export function parseSince(text: string, now: number): number {
  const value = text.trim();
  if (DURATION.test(value)) {
    let ms = 0;
    for (const [, amount, unit] of value.matchAll(DURATION_PART)) ms += Number(amount) * UNIT_MS[unit!]!;
    return Math.max(0, Math.round(now - ms));
  }
  const timeOfDay = TIME_OF_DAY.exec(value);
  if (timeOfDay) {
    const today = new Date(now);
    return localTime(text, today.getFullYear(), today.getMonth() + 1, today.getDate(), timeOfDay.slice(1, 5));
  }
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    const [, year, month, day, ...rest] = dateTime;
    const offset = rest[4];
    if (offset === undefined) return localTime(text, Number(year), Number(month), Number(day), rest.slice(0, 4));
    return offsetTime(text, Number(year), Number(month), Number(day), rest.slice(0, 4), offset);
  }
  if (/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`--since ${text} needs a unit: ${value}s, ${value}m, ${value}h or ${value}d.`, HINT);
  throw new UsageError(
    `--since ${text} is neither a duration back from now (90s, 10m, 1h30m, 2d) nor a time (14:05, 14:05:30, 2025-03-01, 2025-03-01T14:05:00+01:00).`,
    HINT,
  );
}

/** A local date and time of day; JavaScript moves a time a clock change skips to after the change. */
function localTime(text: string, year: number, month: number, day: number, clock: (string | undefined)[]): number {
  const [hours, minutes, seconds, ms] = checkedClock(text, year, month, day, clock);
  return Math.max(0, new Date(year, month - 1, day, hours, minutes, seconds, ms).getTime());
}

function offsetTime(text: string, year: number, month: number, day: number, clock: (string | undefined)[], offset: string): number {
  const [hours, minutes, seconds, ms] = checkedClock(text, year, month, day, clock);
  let offsetMinutes = 0;
  if (offset.toUpperCase() !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const [offsetHours, offsetRest] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || '0')];
    if (offsetHours > 23 || offsetRest > 59) throw new UsageError(`--since ${text}: ${offset} is not a time zone offset.`, HINT);
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  return Math.max(0, Date.UTC(year, month - 1, day, hours, minutes, seconds, ms) - offsetMinutes * 60_000);
}

/** Hours, minutes, seconds and ms of a date that exists; the fraction of a second cut to ms. */
function checkedClock(text: string, year: number, month: number, day: number, clock: (string | undefined)[]): number[] {
  const [hours = 0, minutes = 0, seconds = 0] = clock.slice(0, 3).map((part) => Number(part ?? 0));
  const ms = Number((clock[3] ?? '0').padEnd(3, '0').slice(0, 3));
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (day < 1 || day > daysInMonth) throw new UsageError(`--since ${text}: there is no such date.`, HINT);
  if (hours > 23 || minutes > 59 || seconds > 59) throw new UsageError(`--since ${text}: there is no such time of day.`, HINT);
  return [hours, minutes, seconds, ms];
}
