import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from './sha256.js';

describe('sha256', () => {
  // Names of running instances, sockets and leases come from it: a digest unlike node:crypto's would
  // make a new devsup miss an instance an older one started.
  it.each(['', 'abc', '/home/ana/project/services.yaml', 'é 名前 🚀', 'x'.repeat(10_000), 'a\0b'])('is node:crypto’s digest of %j', (text) => {
    expect(sha256(text).toString('hex')).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('is a Buffer, as its callers read it', () => {
    expect(sha256('abc').readUInt32BE(0)).toBe(0xba7816bf);
  });
});
