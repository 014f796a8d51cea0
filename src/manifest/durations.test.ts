import { describe, expect, test } from 'vitest';
import { formatDuration, parseDuration } from './durations.js';

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['5s', 5_000],
    ['1.5s', 1_500],
    ['1m', 60_000],
    ['2h', 7_200_000],
    ['250', 250],
    [' 3 s ', 3_000],
    [1200, 1200],
    [0, 0],
  ])('%j is %d ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  test.each(['', 'soon', '5 seconds', '-1s', '1d', '5s5', 's'])('%j is not a duration', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });

  test('negative and non-finite numbers are not durations', () => {
    expect(parseDuration(-5)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  test('gives a tenth of a second at most under ten seconds, and drops a trailing .0', () => {
    expect([300, 999, 1000, 1049, 2500, 9_949].map(formatDuration)).toEqual(['0.3 s', '1 s', '1 s', '1 s', '2.5 s', '9.9 s']);
  });

  test('gives whole seconds from ten seconds on', () => {
    expect([10_000, 59_600, 60_000, 125_000].map(formatDuration)).toEqual(['10 s', '60 s', '60 s', '125 s']);
  });
});
