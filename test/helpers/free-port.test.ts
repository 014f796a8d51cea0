import { afterEach, describe, expect, it } from 'vitest';
import { claimSlice, findFreePorts, isPortFree, testPortSlice, type PortSlice } from './free-port.js';

const extra: PortSlice[] = [];
afterEach(() => extra.splice(0).forEach((slice) => slice.release()));

describe('findFreePorts', () => {
  it("hands out runs of free ports from this process's slice, never the same run twice in a row", async () => {
    const slice = await testPortSlice();
    const first = await findFreePorts(5);
    const second = await findFreePorts(5);
    for (const base of [first, second]) {
      expect(base).toBeGreaterThanOrEqual(slice.from);
      expect(base + 4).toBeLessThanOrEqual(slice.to);
      for (let port = base; port < base + 5; port++) expect(await isPortFree(port)).toBe(true);
    }
    expect(Math.abs(second - first)).toBeGreaterThanOrEqual(5);
  });

  it('gives another claimer (another test file running at the same time) a slice of its own', async () => {
    const mine = await testPortSlice();
    expect(await isPortFree(mine.from - 1)).toBe(false); // the claim: a listener on the slice's first port
    const other = await claimSlice();
    extra.push(other);
    expect(other.from).not.toBe(mine.from);
    expect(other.to < mine.from || other.from > mine.to).toBe(true);
    other.release();
    extra.pop();
    // Given back, the slice is free for the next claimer.
    const again = await claimSlice();
    extra.push(again);
    expect(again.from).toBe(other.from);
  });
});
