import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Screen } from './screen.js';

/** A terminal's output stream: what was written, and whether it says it is full (write returns false). */
class FakeTerminal extends Writable {
  readonly writes: string[] = [];
  columns = 80;
  rows = 24;
  full = false;

  override write(chunk: string): boolean {
    this.writes.push(chunk);
    return !this.full;
  }
}

const open = () => {
  const out = new FakeTerminal();
  const screen = new Screen(out as unknown as NodeJS.WriteStream);
  screen.open();
  out.writes.length = 0;
  return { out, screen };
};

describe('Screen', () => {
  it('writes only the rows that changed since the last frame, as one synchronized write', () => {
    const { out, screen } = open();
    expect(screen.draw(['a', 'b', 'c'])).toBe(true);
    expect(out.writes).toEqual(['\x1b[?2026h\x1b[1;1Ha\x1b[2;1Hb\x1b[3;1Hc\x1b[?2026l']);
    screen.draw(['a', 'B', 'c']);
    expect(out.writes[1]).toBe('\x1b[?2026h\x1b[2;1HB\x1b[?2026l');
    screen.draw(['a', 'B', 'c']);
    expect(out.writes).toHaveLength(2); // nothing changed, nothing written
  });

  it('skips frames while the terminal has not taken the last one, and draws the newest once it has', () => {
    const { out, screen } = open();
    out.full = true;
    expect(screen.draw(['one'])).toBe(true);
    expect(screen.draw(['two'])).toBe(false);
    expect(screen.draw(['three'])).toBe(false);
    expect(out.writes).toHaveLength(1);
    out.full = false;
    out.emit('drain');
    expect(screen.draw(['three'])).toBe(true);
    expect(out.writes.at(-1)).toBe('\x1b[?2026h\x1b[1;1Hthree\x1b[?2026l');
  });

  it('after a resize clears the screen and draws every row again; once closed, gives the terminal back once', () => {
    const { out, screen } = open();
    screen.draw(['a', 'b']);
    screen.invalidate();
    screen.draw(['a', 'b']);
    expect(out.writes.slice(1)).toEqual(['\x1b[2J', '\x1b[?2026h\x1b[1;1Ha\x1b[2;1Hb\x1b[?2026l']);
    screen.close();
    screen.close();
    expect(out.writes.filter((write) => write.includes('\x1b[?1049l'))).toHaveLength(1);
  });

  it('writes nothing more once the terminal is gone', () => {
    const { out, screen } = open();
    screen.detach();
    screen.draw(['a']);
    screen.invalidate();
    screen.close();
    expect(out.writes).toEqual([]);
  });
});
