import { describe, expect, it } from 'vitest';
import { decodeKeys } from './decode-keys.js';

describe('decodeKeys', () => {
  it('reads arrows, paging keys and their variants as one key each', () => {
    expect(decodeKeys('\x1b[A\x1bOB\x1b[5~\x1b[6~\x1b[H\x1b[4~').map((key) => key.name)).toEqual(['up', 'down', 'pageup', 'pagedown', 'home', 'end']);
  });

  it('reads characters, Enter, Tab, Backspace, Esc and Ctrl-C; a paste is several keys', () => {
    expect(decodeKeys('/ab\r\t\x7f\x1b\x03')).toEqual([
      { name: 'char', char: '/' },
      { name: 'char', char: 'a' },
      { name: 'char', char: 'b' },
      { name: 'enter' },
      { name: 'tab' },
      { name: 'backspace' },
      { name: 'escape' },
      { name: 'ctrl-c' },
    ]);
  });

  it('reads SGR mouse reports: a left press, the wheel; a release or an unknown sequence is nothing', () => {
    expect(decodeKeys('\x1b[<0;12;7M\x1b[<0;12;7m\x1b[<64;1;1M\x1b[<65;1;1M\x1b[99x')).toEqual([
      { name: 'click', row: 7, column: 12 },
      { name: 'wheel', direction: 'up' },
      { name: 'wheel', direction: 'down' },
    ]);
  });
});
