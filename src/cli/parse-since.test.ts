import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseSince } from './parse-since.js';

const NOW = new Date(2025, 2, 1, 15, 30, 0, 0).getTime(); // 2025-03-01 15:30 local

describe('parseSince', () => {
  it('takes a duration back from now: units ms, s, m, h, d, one after another', () => {
    expect(parseSince('10m', NOW)).toBe(NOW - 600_000);
    expect(parseSince('1h30m', NOW)).toBe(NOW - 5_400_000);
    expect(parseSince('1.5h', NOW)).toBe(NOW - 5_400_000);
    expect(parseSince('90s', NOW)).toBe(NOW - 90_000);
    expect(parseSince('2d', NOW)).toBe(NOW - 172_800_000);
    expect(parseSince('1m500ms', NOW)).toBe(NOW - 60_500);
    expect(parseSince('0s', NOW)).toBe(NOW);
    expect(parseSince('100000d', NOW)).toBe(0);
  });

  it('takes a time of day as today in the local time zone', () => {
    expect(parseSince('14:05', NOW)).toBe(new Date(2025, 2, 1, 14, 5).getTime());
    expect(parseSince('09:05:30', NOW)).toBe(new Date(2025, 2, 1, 9, 5, 30).getTime());
    expect(parseSince('09:05:30.25', NOW)).toBe(new Date(2025, 2, 1, 9, 5, 30, 250).getTime());
    expect(parseSince('23:59', NOW)).toBe(new Date(2025, 2, 1, 23, 59).getTime()); // later today
  });

  it('takes ISO 8601: with an offset as it says, without one as local time, a date alone at local midnight', () => {
    expect(parseSince('2025-03-01T14:05:00Z', NOW)).toBe(Date.UTC(2025, 2, 1, 14, 5));
    expect(parseSince('2025-03-01T14:05:00.123+01:00', NOW)).toBe(Date.UTC(2025, 2, 1, 13, 5, 0, 123));
    expect(parseSince('2025-03-01T14:05-0530', NOW)).toBe(Date.UTC(2025, 2, 1, 19, 35));
    expect(parseSince('2025-03-01 14:05:00+02', NOW)).toBe(Date.UTC(2025, 2, 1, 12, 5));
    expect(parseSince('2025-03-01T14:05:00.123456789Z', NOW)).toBe(Date.UTC(2025, 2, 1, 14, 5, 0, 123));
    expect(parseSince('2025-03-01T14:05', NOW)).toBe(new Date(2025, 2, 1, 14, 5).getTime());
    expect(parseSince('2025-02-28', NOW)).toBe(new Date(2025, 1, 28).getTime());
    expect(parseSince('2024-02-29', NOW)).toBe(new Date(2024, 1, 29).getTime());
  });

  it('refuses anything else with a usage error that names the forms', () => {
    const refused = (text: string) => {
      try {
        parseSince(text, NOW);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        expect((error as UsageError).exitCode).toBe(2);
        return (error as UsageError).message;
      }
      throw new Error(`${text} was accepted`);
    };
    expect(refused('yesterday')).toBe(
      '--since yesterday is neither a duration back from now (90s, 10m, 1h30m, 2d) nor a time (14:05, 14:05:30, 2025-03-01, 2025-03-01T14:05:00+01:00).',
    );
    expect(refused('10')).toBe('--since 10 needs a unit: 10s, 10m, 10h or 10d.');
    expect(refused('-5m')).toMatch(/is neither a duration/);
    expect(refused('10 m')).toMatch(/is neither a duration/);
    expect(refused('2025-02-29')).toBe('--since 2025-02-29: there is no such date.');
    expect(refused('2025-13-01')).toBe('--since 2025-13-01: there is no such date.');
    expect(refused('25:00')).toBe('--since 25:00: there is no such time of day.');
    expect(refused('12:60')).toBe('--since 12:60: there is no such time of day.');
    expect(refused('2025-03-01T10:00+24:00')).toBe('--since 2025-03-01T10:00+24:00: +24:00 is not a time zone offset.');
    expect(refused('')).toMatch(/is neither a duration/);
  });
});
