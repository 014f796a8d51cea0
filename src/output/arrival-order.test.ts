import { describe, expect, it } from 'vitest';
import { inArrivalOrder } from './arrival-order.js';

describe('inArrivalOrder', () => {
  it('merges services by time, keeping each service in its order, lines of no known time with the line before', () => {
    const merged = inArrivalOrder([
      { service: 'a', text: 'a untimed' },
      { service: 'a', text: 'a1', time: 10 },
      { service: 'a', text: 'a2', time: 30 },
      { service: 'a', text: 'a untimed after a2' },
      { service: 'b', text: 'b untimed' },
      { service: 'b', text: 'b1', time: 20 },
      { service: 'b', text: 'b2', time: 30 },
      { service: 'b', text: 'b3', time: 40 },
    ]);
    expect(merged.map((line) => line.text)).toEqual(['a untimed', 'b untimed', 'a1', 'b1', 'a2', 'a untimed after a2', 'b2', 'b3']);
  });
});
