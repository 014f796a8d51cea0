import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../supervisor/line-splitter.js';
import { prefixLines, renderPrefix } from './prefix-lines.js';

/** A small deterministic generator, so a failure can be replayed. */
function randomFrom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('prefixLines', () => {
  it('matches a naive line-by-line join for random text with \\r\\n, empty and over-long lines', () => {
    const random = randomFrom(7);
    const alphabet = ['a', 'b', 'é', '\n', '\r\n', '\r', '\n\n'];
    for (let round = 0; round < 200; round++) {
      let text = '';
      while (text.length < 200) text += alphabet[Math.floor(random() * alphabet.length)];
      const data = Buffer.from(text);
      const splitter = new LineSplitter(12);
      const expectedSplitter = new LineSplitter(12);
      const prefix = Buffer.from(round % 2 ? 'svc | ' : 'a | ');
      const got: Buffer[] = [];
      const want: string[] = [];
      const expectLines = (batch: ReturnType<LineSplitter['push']>) => {
        for (let i = 0; i < batch.count; i++)
          want.push(`${prefix.toString()}${batch.buf.toString('utf8', batch.bounds[i * 2], batch.bounds[i * 2 + 1])}\n`);
      };
      for (let offset = 0; offset < data.length;) {
        const size = 1 + Math.floor(random() * 40);
        const chunk = data.subarray(offset, offset + size);
        offset += size;
        got.push(prefixLines(splitter.push(chunk), prefix));
        expectLines(expectedSplitter.push(chunk));
      }
      got.push(prefixLines(splitter.end(), prefix));
      expectLines(expectedSplitter.end());
      expect(Buffer.concat(got).toString(), `round ${round}`).toBe(want.join(''));
    }
  });
});

describe('renderPrefix', () => {
  it('pads the key to the width and paints only with colour on', () => {
    expect(renderPrefix(pc.createColors(false), 'db', 0, 5).toString()).toBe('db    | ');
    expect(renderPrefix(pc.createColors(true), 'db', 0, 5).toString()).toBe('\x1b[36mdb\x1b[39m    | ');
    expect(renderPrefix(pc.createColors(true), 'db', 1, 5).toString()).toBe('\x1b[35mdb\x1b[39m    | ');
  });
});
