import { describe, expect, test } from 'vitest';
import { parseDuration } from './durations.js';

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
