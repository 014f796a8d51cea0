import { describe, expect, it } from 'vitest';
import type { FallbackPolicy } from '../manifest/service-spec.js';
import { DEFAULT_PORT_RANGE } from '../manifest/service-spec.js';
import { hashOffset, listFallbackCandidates, type Candidate, type CandidatePlan } from './fallback-candidates.js';

function plan(overrides: Partial<CandidatePlan> = {}): CandidatePlan {
  return {
    project: 'shop',
    service: 'web',
    name: 'default',
    preferred: 3000,
    fallback: { kind: 'scan' },
    portRange: { from: 20000, to: 20009 },
    ...overrides,
  };
}

const all = (overrides: Partial<CandidatePlan> = {}): Candidate[] => [...listFallbackCandidates(plan(overrides))];
const portsOf = (candidates: Candidate[], source: Candidate['source']) =>
  candidates.flatMap((candidate) => (candidate.source === source && 'port' in candidate ? [candidate.port] : []));
const sequence = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const times = (count: number, source: Candidate['source']) => Array.from({ length: count }, () => source);

/** The range as walked from `offset`: every port once, wrapping around. */
function rotated(from: number, to: number, offset: number): number[] {
  const ports = sequence(from, to);
  return [...ports.slice(offset), ...ports.slice(0, offset)];
}

describe('listFallbackCandidates', () => {
  it('scan: the 100 ports above the preferred one, then the port range from its hashed offset, then the OS', () => {
    const candidates = all();
    const offset = hashOffset(['shop', 'web', 'default'], 10);
    expect(candidates.map((candidate) => candidate.source)).toEqual([...times(100, 'scan'), ...times(10, 'range'), 'os']);
    expect(portsOf(candidates, 'scan')).toEqual(sequence(3001, 3100));
    expect(portsOf(candidates, 'range')).toEqual(rotated(20000, 20009, offset));
    expect(candidates.at(-1)).toEqual({ source: 'os' });
  });

  it.each([
    [65535, []],
    [65534, [65535]],
    [65500, sequence(65501, 65535)],
    [65435, sequence(65436, 65535)],
    [65434, sequence(65435, 65534)],
  ])('scan above %i stops at 65535', (preferred, expected) => {
    expect(portsOf(all({ preferred }), 'scan')).toEqual(expected);
  });

  it('scan: a sticky port comes first, even outside the port range and below the preferred port', () => {
    const candidates = all({ sticky: 2999 });
    expect(candidates[0]).toEqual({ port: 2999, source: 'sticky' });
    expect(candidates[1]).toEqual({ port: 3001, source: 'scan' });
    expect(portsOf(candidates, 'sticky')).toEqual([2999]);
    expect(candidates).toHaveLength(1 + 100 + 10 + 1);
  });

  it('auto: no scan, just the sticky port, the range and the OS', () => {
    const offset = hashOffset(['shop', 'web', 'default'], 10);
    expect(all({ preferred: 'auto' })).toEqual([...rotated(20000, 20009, offset).map((port) => ({ port, source: 'range' })), { source: 'os' }]);
    const sticky = all({ preferred: 'auto', sticky: 41000 });
    expect(sticky[0]).toEqual({ port: 41000, source: 'sticky' });
    expect(sticky.slice(1).map((candidate) => candidate.source)).toEqual([...times(10, 'range'), 'os']);
  });

  it('fallback none with an auto port (the only way it gets here) falls back like scan: range, then the OS', () => {
    const none: FallbackPolicy = { kind: 'none' };
    expect(all({ preferred: 'auto', fallback: none })).toEqual(all({ preferred: 'auto' }));
  });

  it('a hard range: its ports from its first, once each, and never the OS or the port range', () => {
    const candidates = all({ fallback: { kind: 'range', from: 4000, to: 4004 } });
    expect(candidates).toEqual(sequence(4000, 4004).map((port) => ({ port, source: 'range' })));
  });

  it('a hard range ignores the preferred port: no scan above it, for a number or auto', () => {
    const fallback: FallbackPolicy = { kind: 'range', from: 4000, to: 4002 };
    expect(all({ fallback, preferred: 3999 })).toEqual(all({ fallback, preferred: 'auto' }));
    expect(portsOf(all({ fallback, preferred: 3999 }), 'scan')).toEqual([]);
  });

  it.each([
    [4000, true],
    [4002, true],
    [4004, true],
    [3999, false],
    [4005, false],
  ])('a hard range 4000-4004 tries sticky %i first: %s', (sticky, first) => {
    const candidates = all({ fallback: { kind: 'range', from: 4000, to: 4004 }, sticky });
    expect(candidates[0]).toEqual(first ? { port: sticky, source: 'sticky' } : { port: 4000, source: 'range' });
    expect(portsOf(candidates, 'sticky')).toEqual(first ? [sticky] : []);
    expect(portsOf(candidates, 'range')).toEqual(sequence(4000, 4004));
  });

  it('a one-port range yields that port once', () => {
    expect(all({ fallback: { kind: 'range', from: 4321, to: 4321 } })).toEqual([{ port: 4321, source: 'range' }]);
    expect(portsOf(all({ preferred: 'auto', portRange: { from: 4321, to: 4321 } }), 'range')).toEqual([4321]);
  });

  it('walks the whole default port range once, from the offset, wrapping around', () => {
    const ports = portsOf(all({ portRange: DEFAULT_PORT_RANGE }), 'range');
    const offset = hashOffset(['shop', 'web', 'default'], 1000);
    expect(ports).toHaveLength(1000);
    expect(new Set(ports).size).toBe(1000);
    expect(ports[0]).toBe(10000 + offset);
    expect(ports).toEqual(rotated(10000, 10999, offset));
  });

  it('starts the port range at a different place for another project, service or port name, the same for the same', () => {
    const firstInRange = (overrides: Partial<CandidatePlan>) => portsOf(all({ portRange: DEFAULT_PORT_RANGE, ...overrides }), 'range')[0];
    const base = firstInRange({});
    expect(firstInRange({})).toBe(base);
    expect(firstInRange({ preferred: 'auto', sticky: 3005 })).toBe(base); // the rest of the plan does not move it
    const others = [firstInRange({ project: 'blog' }), firstInRange({ service: 'api' }), firstInRange({ name: 'admin' })];
    expect(new Set([base, ...others]).size).toBe(4);
  });

  it('is a fresh walk each time: one plan listed twice gives the same candidates', () => {
    const once = plan({ sticky: 3050 });
    expect([...listFallbackCandidates(once)]).toEqual([...listFallbackCandidates(once)]);
  });
});

describe('hashOffset', () => {
  it('is stable and inside 0..size-1', () => {
    for (const size of [1, 2, 7, 1000, 55536]) {
      const offset = hashOffset(['shop', 'web', 'default'], size);
      expect(offset).toBe(hashOffset(['shop', 'web', 'default'], size));
      expect(Number.isInteger(offset) && offset >= 0 && offset < size).toBe(true);
    }
    expect(hashOffset(['anything'], 1)).toBe(0);
  });

  it('keeps the parts apart: moving a character from one part to the next is another key', () => {
    expect(hashOffset(['ab', 'c'], 1_000_000)).not.toBe(hashOffset(['a', 'bc'], 1_000_000));
    expect(hashOffset(['shop', 'web', ''], 1_000_000)).not.toBe(hashOffset(['shop', 'web'], 1_000_000));
  });

  it('spreads services over the range rather than piling them up at a few places', () => {
    const offsets = new Set(Array.from({ length: 200 }, (_, i) => hashOffset(['shop', `service-${i}`, 'default'], 1000)));
    // 200 draws from 1000 places: about 181 distinct are expected, far fewer only from a bad hash.
    expect(offsets.size).toBeGreaterThan(160);
  });
});
