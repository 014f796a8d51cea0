import { describe, expect, it } from 'vitest';
import { LineSplitter, type LineBatch } from './line-splitter.js';

function linesOf(batch: LineBatch): string[] {
  const lines: string[] = [];
  for (let i = 0; i < batch.count; i++) lines.push(batch.buf.toString('utf8', batch.bounds[i * 2], batch.bounds[i * 2 + 1]));
  return lines;
}

function splitAll(chunks: (string | Buffer)[], maxLineBytes?: number): string[] {
  const splitter = new LineSplitter(maxLineBytes);
  const lines = chunks.flatMap((chunk) => linesOf(splitter.push(Buffer.from(chunk))));
  return [...lines, ...linesOf(splitter.end())];
}

describe('LineSplitter', () => {
  it('keeps a partial line until its newline arrives, whatever the chunking', () => {
    const text = 'alpha\nbeta\n\ngamma delta\nlast';
    const expected = ['alpha', 'beta', '', 'gamma delta', 'last'];
    for (let size = 1; size <= text.length; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(splitAll(chunks), `chunks of ${size}`).toEqual(expected);
    }
  });

  it('strips the \\r of \\r\\n, also when \\r and \\n arrive in different chunks', () => {
    expect(splitAll(['one\r\ntwo\r', '\nthree\r\n', 'partial\r'])).toEqual(['one', 'two', 'three', 'partial']);
  });

  it('keeps a lone \\r inside a line', () => {
    expect(splitAll(['50%\r100%\n'])).toEqual(['50%\r100%']);
  });

  it('reports the bytes used and sizes so a caller can allocate once', () => {
    const batch = new LineSplitter().push(Buffer.from('ab\r\ncde\nf'));
    expect(linesOf(batch)).toEqual(['ab', 'cde']);
    expect(batch.lineBytes).toBe(5);
    expect(batch.consumed).toBe(8);
  });

  it('passes a line longer than the limit on in pieces, from one chunk or many', () => {
    const long = 'x'.repeat(25);
    expect(splitAll([`${long}\nok\n`], 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5), 'ok']);
    expect(splitAll([...long, '\n'], 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('never cuts a UTF-8 character when cutting a long line', () => {
    const text = 'é'.repeat(20); // 40 bytes, every character two bytes
    const pieces = splitAll([Buffer.from('a' + text)], 10);
    expect(pieces.join('')).toBe('a' + text);
    expect(pieces.every((piece) => !piece.includes('\uFFFD'))).toBe(true);
    expect(pieces[0]).toBe('a' + 'é'.repeat(4)); // 9 bytes: the 10th would split an é
  });

  it('keeps pending memory bounded by the limit when no newline comes', () => {
    const splitter = new LineSplitter(1024);
    let emitted = 0;
    for (let i = 0; i < 100; i++) emitted += splitter.push(Buffer.alloc(100, 0x61)).lineBytes;
    expect(emitted).toBeGreaterThanOrEqual(100 * 100 - 1024);
    expect(splitter.end().lineBytes).toBe(100 * 100 - emitted);
  });

  it('returns an empty batch at the end when nothing is pending', () => {
    const splitter = new LineSplitter();
    splitter.push(Buffer.from('done\n'));
    expect(splitter.end().count).toBe(0);
  });
});
