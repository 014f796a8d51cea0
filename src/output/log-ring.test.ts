import { describe, expect, it } from 'vitest';
import { LogRing, splitBlock } from './log-ring.js';

describe('LogRing', () => {
  it('gives the last n lines of each service, merged in the order they were printed', () => {
    const ring = new LogRing();
    ring.push('a', Buffer.from('a1\na2\n'), 1);
    ring.push('b', Buffer.from('b1\n'), 2);
    ring.push('a', Buffer.from('a3\r\n'), 3);
    ring.push('b', Buffer.from('b2\nb3\n'), 4);
    expect(ring.last(['a', 'b'], 2).map((line) => `${line.service}:${line.text}`)).toEqual(
      ['a2', 'a3', 'b2', 'b3'].map((text) => `${text[0]}:${text}`),
    );
    expect(ring.last(['a', 'b'], 10).map((line) => line.text)).toEqual(['a1', 'a2', 'b1', 'a3', 'b2', 'b3']);
    expect(ring.last(['b'], 1)).toEqual([{ service: 'b', text: 'b3', time: 4 }]);
    expect(ring.last(['a'], 0)).toEqual([]);
    expect(ring.last(['nobody'], 5)).toEqual([]);
    expect(ring.services()).toEqual(['a', 'b']);
  });

  it('drops the oldest blocks past its size, keeping at least the newest block', () => {
    const ring = new LogRing(10);
    for (let i = 0; i < 1000; i++) ring.push('a', Buffer.from(`line ${i}\n`), i);
    const lines = ring.last(['a'], 100).map((line) => line.text);
    expect(lines.at(-1)).toBe('line 999');
    expect(lines.length).toBeLessThanOrEqual(3);
    ring.push('a', Buffer.from(`${'x'.repeat(50)}\n`), 1000);
    expect(ring.last(['a'], 5).map((line) => line.text)).toEqual(['x'.repeat(50)]);
  });

  it('keeps when each block arrived: every line of a block has its time, and `since` leaves out older blocks', () => {
    const ring = new LogRing();
    ring.push('a', Buffer.from('a1\na2\n'), 1_000);
    ring.push('b', Buffer.from('b1\n'), 1_000);
    ring.push('a', Buffer.from('a3\n'), 2_000);
    ring.push('b', Buffer.from('b2\nb3\n'), 3_000);
    const shown = (lines: { service: string; text: string; time?: number }[]) => lines.map((line) => `${line.text}@${line.time}`);
    expect(shown(ring.last(['a', 'b'], 10))).toEqual(['a1@1000', 'a2@1000', 'b1@1000', 'a3@2000', 'b2@3000', 'b3@3000']);
    expect(shown(ring.last(['a', 'b'], 10, 2_000))).toEqual(['a3@2000', 'b2@3000', 'b3@3000']);
    expect(shown(ring.last(['a', 'b'], 10, 1_999))).toEqual(['a3@2000', 'b2@3000', 'b3@3000']);
    expect(shown(ring.last(['a', 'b'], 1, 2_000))).toEqual(['a3@2000', 'b3@3000']);
    expect(ring.last(['a', 'b'], 10, 3_001)).toEqual([]);
  });

  it('ends a block without a final newline as a line', () => {
    expect(splitBlock(Buffer.from('cut here'))).toEqual(['cut here']);
    expect(splitBlock(Buffer.from('a\n\nb\n'))).toEqual(['a', '', 'b']);
  });
});
