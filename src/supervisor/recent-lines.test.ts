import { describe, expect, it } from 'vitest';
import { MAX_RECENT_LINES, RecentLines } from './recent-lines.js';

describe('RecentLines', () => {
  it('returns the last n lines, oldest first, across blocks', () => {
    const recent = new RecentLines();
    recent.push(Buffer.from('a\nb\n'));
    recent.push(Buffer.from('c\r\n\nd\n'));
    expect(recent.last(3)).toEqual(['c', '', 'd']);
    expect(recent.last(10)).toEqual(['a', 'b', 'c', '', 'd']);
    expect(recent.last(0)).toEqual([]);
  });

  it('ends a block without a final newline as a line of its own', () => {
    const recent = new RecentLines();
    recent.push(Buffer.from('partial'));
    recent.push(Buffer.from('next\n'));
    expect(recent.last(5)).toEqual(['partial', 'next']);
  });

  it('counts empty lines at the very start', () => {
    const recent = new RecentLines();
    recent.push(Buffer.from('\n\n'));
    expect(recent.last(5)).toEqual(['', '']);
  });

  it('caps n at MAX_RECENT_LINES', () => {
    const recent = new RecentLines();
    for (let i = 0; i < 1000; i++) recent.push(Buffer.from(`line ${i}\n`));
    const last = recent.last(500);
    expect(last).toHaveLength(MAX_RECENT_LINES);
    expect(last[0]).toBe('line 950');
    expect(last.at(-1)).toBe('line 999');
  });

  it('drops the oldest blocks beyond its byte budget', () => {
    const recent = new RecentLines(100);
    for (let i = 0; i < 20; i++) recent.push(Buffer.from(`row ${String(i).padStart(5, '0')}\n`)); // 10 bytes each
    expect(recent.last(50)).toEqual(Array.from({ length: 10 }, (_, i) => `row ${String(i + 10).padStart(5, '0')}`));
  });
});
