import { describe, expect, it } from 'vitest';
import { monotonicMs } from '../clock.js';
import { sharedRead } from './shared-read.js';

function countingRead() {
  let reads = 0;
  const read = sharedRead(async () => ++reads);
  return { read, reads: () => reads };
}

describe('sharedRead', () => {
  it('gives callers who accept an earlier start the read already in flight', async () => {
    const { read, reads } = countingRead();
    const before = monotonicMs();
    const results = await Promise.all([read(before), read(before), read(before - 1000)]);
    expect(results).toEqual([1, 1, 1]);
    expect(reads()).toBe(1);
  });

  it('reads again for a caller who needs a read started after the last one', async () => {
    const { read, reads } = countingRead();
    expect(await read(monotonicMs())).toBe(1);
    const needFresh = monotonicMs() + 0.001; // later than the first read's start
    expect(await read(needFresh)).toBe(2);
    expect(reads()).toBe(2);
  });
});
