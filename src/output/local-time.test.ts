import { describe, expect, it } from 'vitest';
import { NO_TIME, formatLocalTime } from './local-time.js';

describe('formatLocalTime', () => {
  it('writes local ISO 8601 with milliseconds and the offset, which reads back as the same instant', () => {
    for (const ms of [0, 1_740_820_509_042, 1_751_328_000_001, Date.now()]) {
      const text = formatLocalTime(ms);
      expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
      expect(Date.parse(text)).toBe(ms);
      const date = new Date(ms);
      expect(text.slice(11, 19)).toBe(
        [date.getHours(), date.getMinutes(), date.getSeconds()].map((value) => String(value).padStart(2, '0')).join(':'),
      );
    }
    expect(NO_TIME).toHaveLength(29);
    expect(NO_TIME.trim()).toBe('-');
  });
});
