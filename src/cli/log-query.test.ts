import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { ALL_LINES, linesToFetch, matching, parseLogQuery, selectLines } from './log-query.js';

const NOW = Date.UTC(2025, 2, 1, 12, 0);

function usageMessage(values: Record<string, string | boolean>): string {
  try {
    parseLogQuery(values, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return `${(error as UsageError).message}\n${(error as UsageError).hint}`;
  }
  throw new Error(`${JSON.stringify(values)} was accepted`);
}

describe('parseLogQuery', () => {
  it('shows 100 lines by default, every line since --since given alone, N with -n', () => {
    expect(parseLogQuery({}, NOW)).toEqual({ lines: 100, asked: false, follow: false, timestamps: false });
    expect(parseLogQuery({ since: '10m' }, NOW)).toMatchObject({ lines: ALL_LINES, since: NOW - 600_000 });
    expect(parseLogQuery({ since: '10m', lines: '5', follow: true, timestamps: true }, NOW)).toEqual({
      lines: 5,
      asked: true,
      follow: true,
      since: NOW - 600_000,
      timestamps: true,
    });
  });

  it('fetches every line with --grep, which matches case-sensitively unless -i', () => {
    const exact = parseLogQuery({ grep: 'Error', lines: '3' }, NOW);
    expect(linesToFetch(exact)).toBe(ALL_LINES);
    expect(linesToFetch(parseLogQuery({ lines: '3' }, NOW))).toBe(3);
    const lines = ['Error one', 'error two', 'fine', 'Error three'].map((text) => ({ service: 'a', text }));
    expect(matching(exact, lines).map((line) => line.text)).toEqual(['Error one', 'Error three']);
    const anyCase = parseLogQuery({ grep: '^error', 'ignore-case': true }, NOW);
    expect(matching(anyCase, lines).map((line) => line.text)).toEqual(['Error one', 'error two', 'Error three']);
  });

  it('refuses an invalid pattern, -i alone and a bad count, naming the problem', () => {
    expect(usageMessage({ grep: 'a(b' })).toMatch(
      /^--grep a\(b is not a valid regular expression: Unterminated group\.\nIt is a JavaScript regular expression/,
    );
    expect(usageMessage({ grep: '[z-a]' })).toMatch(/^--grep \[z-a\] is not a valid regular expression: Range out of order in character class\./);
    expect(usageMessage({ 'ignore-case': true })).toMatch(/^-i \(--ignore-case\) goes with --grep REGEX/);
    expect(usageMessage({ lines: 'ten' })).toMatch(/^-n ten is not a number of lines\./);
    expect(usageMessage({ since: 'soon' })).toMatch(/^--since soon is neither/);
  });
});

describe('selectLines', () => {
  it('keeps the last N matching lines of each service, in order', () => {
    const lines = ['a:x1', 'b:x1', 'a:y', 'a:x2', 'b:x2', 'a:x3', 'b:y'].map((tag) => ({ service: tag[0]!, text: tag.slice(2) }));
    const query = parseLogQuery({ grep: '^x', lines: '2' }, NOW);
    expect(selectLines(query, lines).map((line) => `${line.service}:${line.text}`)).toEqual(['b:x1', 'a:x2', 'b:x2', 'a:x3']);
    // Without --grep the instance or the files have cut them already.
    expect(selectLines(parseLogQuery({ lines: '2' }, NOW), lines)).toBe(lines);
  });
});
