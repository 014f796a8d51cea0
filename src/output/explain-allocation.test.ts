import { describe, expect, it } from 'vitest';
import { manifestOf, serviceSpec } from '../../test/helpers/specs.js';
import { explainEphemeralOverlaps } from './explain-allocation.js';

const EPHEMERAL = { from: 32768, to: 60999 };
const OS = "the OS's ephemeral range 32768-60999, whose ports the OS hands to outgoing connections, so devsup gives no fallback there";
const withPort = (key: string, overrides = {}) => serviceSpec(key, { ports: [{ name: 'default', preferred: 24800 }], ...overrides });

describe('explainEphemeralOverlaps', () => {
  it('says which part of a port_range or fallback range is used, or that none is', () => {
    const manifest = manifestOf(
      [
        withPort('a'),
        withPort('b', { fallback: { kind: 'range', from: 40000, to: 40010 } }),
        withPort('c', { fallback: { kind: 'range', from: 60000, to: 62000 } }),
      ],
      {
        portRange: { from: 30000, to: 40100 },
      },
    );
    expect(explainEphemeralOverlaps(manifest, EPHEMERAL)).toEqual([
      `port_range 30000-40100 overlaps ${OS}: only 30000-32767 of it is used.`,
      `the fallback range of b 40000-40010 lies inside ${OS}: choose a range outside it, e.g. 10000-10999.`,
      `the fallback range of c 60000-62000 overlaps ${OS}: only 61000-62000 of it is used.`,
    ]);
  });

  it('says nothing of ranges outside it, or of a port_range no service can fall back into', () => {
    expect(explainEphemeralOverlaps(manifestOf([withPort('a')], { portRange: { from: 10000, to: 10999 } }), EPHEMERAL)).toEqual([]);
    const strictOnly = manifestOf([withPort('a', { fallback: { kind: 'none' } }), serviceSpec('worker')], { portRange: { from: 40000, to: 40100 } });
    expect(explainEphemeralOverlaps(strictOnly, EPHEMERAL)).toEqual([]);
  });
});
