/**
 * A time as ISO 8601 in the local time zone, to the millisecond, with its offset:
 * `2025-03-01T14:05:09.042+01:00` (`+00:00` in UTC, never `Z`, so every stamp is as wide).
 */
export function formatLocalTime(ms: number): string {
  const date = new Date(ms);
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${String(date.getFullYear()).padStart(4, '0')}-${two(date.getMonth() + 1)}-${two(date.getDate())}` +
    `T${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}` +
    `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`
  );
}

/** What stands in a line's time column when its time is unknown: `-`, as wide as a time. */
export const NO_TIME = '-'.padEnd(formatLocalTime(0).length);
