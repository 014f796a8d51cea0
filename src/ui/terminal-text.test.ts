import { describe, expect, it } from 'vitest';
import { fitLine, highlightLine, matches, plainText } from './terminal-text.js';

describe('fitLine', () => {
  it('pads and cuts to the width, keeping colours and ending them', () => {
    expect(fitLine('\x1b[32mok\x1b[39m', 5, true)).toBe('\x1b[32mok\x1b[39m\x1b[0m   ');
    expect(fitLine('\x1b[31mabcdef\x1b[39m', 3, true)).toBe('\x1b[31mabc\x1b[0m');
  });

  it('drops colours without colour, and every sequence that moves the cursor or clears, always', () => {
    expect(fitLine('\x1b[32mok\x1b[39m', 4, false)).toBe('ok  ');
    expect(fitLine('a\x1b[2J\x1b[10;1Hb\rc\x07', 5, true)).toBe('abc  ');
    expect(fitLine('\x1b]0;title\x07x', 2, true)).toBe('x ');
  });

  it('counts wide characters as two columns and never splits one', () => {
    expect(fitLine('日本語', 5, false)).toBe('日本 ');
    expect(fitLine('a\tb', 7, false)).toBe('a    b ');
  });
});

describe('search', () => {
  it('ignores case unless the query has a capital letter', () => {
    expect(matches('Connection REFUSED', 'refused')).toBe(true);
    expect(matches('connection refused', 'Refused')).toBe(false);
    expect(matches('anything', '')).toBe(false);
  });

  it('takes the query as plain text: characters special in a regular expression match themselves', () => {
    expect(matches('retry [a+b](c)*? now', '[a+b](c)*?')).toBe(true);
    expect(matches('retry ab now', '[a+b]')).toBe(false);
    expect(highlightLine('x [a+b](c)*? y', '[a+b](c)*?', 14, { on: '<', off: '>' })).toBe('x <[a+b](c)*?> y');
  });

  it('highlights every occurrence on the plain text', () => {
    expect(highlightLine('\x1b[31mab ab\x1b[39m', 'ab', 6, { on: '[', off: ']' })).toBe('[ab] [ab] ');
    expect(plainText('\x1b[1mbold\x1b[22m')).toBe('bold');
  });
});
