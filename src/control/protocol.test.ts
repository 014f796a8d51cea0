import { describe, expect, it } from 'vitest';
import { encodeMessage, parseRequest, PROTOCOL_VERSION, readJsonLines } from './protocol.js';

describe('control protocol', () => {
  it('encodes one JSON line carrying the protocol version', () => {
    const line = encodeMessage({ type: 'ports' });
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ v: PROTOCOL_VERSION, type: 'ports' });
  });

  it('reads JSON lines split across chunks, several per chunk, and marks a line that is not JSON', () => {
    const values: unknown[] = [];
    const push = readJsonLines((value) => values.push(value));
    push('{"a":');
    push(Buffer.from('1}\n{"b":2}\n\nnot json\n{"c"'));
    push(':3}\n');
    expect(values).toEqual([{ a: 1 }, { b: 2 }, undefined, { c: 3 }]);
  });

  it('keeps a multi-byte character whole when a chunk ends inside it', () => {
    const values: unknown[] = [];
    const push = readJsonLines((value) => values.push(value));
    const line = Buffer.from('{"text":"…é"}\n');
    push(line.subarray(0, 10));
    push(line.subarray(10));
    expect(values).toEqual([{ text: '…é' }]);
  });

  it('stops at a line longer than its limit, says so once, and reads nothing after it', () => {
    const values: unknown[] = [];
    let tooLarge = 0;
    const push = readJsonLines((value) => values.push(value), { maxLineBytes: 16, onTooLarge: () => (tooLarge += 1) });
    push('{"a":"01234567"}\n{"b":'); // 16 bytes, then the start of the next line
    push('"0123456789');
    expect(tooLarge).toBe(0);
    push('0"}\n{"c":1}\n');
    expect(tooLarge).toBe(1);
    push('{"d":1}\n');
    expect(values).toEqual([{ a: '01234567' }]);
    expect(tooLarge).toBe(1);
  });

  it('reads a long line in many chunks in linear time: 16 MiB in 64 KiB chunks', () => {
    const lengths: number[] = [];
    const push = readJsonLines((value) => lengths.push((value as string).length));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const started = Date.now();
    push('"');
    for (let i = 0; i < 256; i++) push(chunk);
    push('"\n');
    expect(lengths).toEqual([16 * 1024 * 1024]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('accepts each request type with its fields', () => {
    expect(parseRequest({ v: 1, type: 'ports' })).toEqual({ type: 'ports' });
    expect(parseRequest({ v: 1, type: 'ports', usage: true })).toEqual({ type: 'ports', usage: true });
    expect(parseRequest({ v: 1, type: 'ports', usage: 'yes' })).toEqual({ type: 'ports' });
    expect(parseRequest({ v: 1, type: 'down' })).toEqual({ type: 'down' });
    expect(parseRequest({ v: 1, type: 'watch' })).toEqual({ type: 'watch' });
    expect(parseRequest({ v: 1, type: 'watch', since: 1_700_000_000_000 })).toEqual({ type: 'watch', since: 1_700_000_000_000 });
    expect(parseRequest({ v: 1, type: 'watch', since: 'now' })).toBe('"since" of "watch" must be a time in ms since the epoch');
    expect(parseRequest({ v: 1, type: 'scale', scales: [{ service: 'web', replicas: 3, extra: 1 }] })).toEqual({
      type: 'scale',
      scales: [{ service: 'web', replicas: 3 }],
    });
    for (const scales of [[], [{ service: 'web', replicas: 0 }], [{ service: 'web' }], 'web=3'])
      expect(parseRequest({ v: 1, type: 'scale', scales })).toMatch(/^"scale" needs "scales"/);
    expect(parseRequest({ v: 1, type: 'restart', services: ['a', 'b'] })).toEqual({ type: 'restart', services: ['a', 'b'] });
    expect(parseRequest({ v: 1, type: 'logs', services: [], lines: 100, follow: true })).toEqual({
      type: 'logs',
      services: [],
      lines: 100,
      follow: true,
    });
    expect(parseRequest({ v: 1, type: 'logs', services: ['a'], lines: 20, follow: true, notes: true })).toEqual({
      type: 'logs',
      services: ['a'],
      lines: 20,
      follow: true,
      notes: true,
    });
    expect(parseRequest({ v: 1, type: 'logs', services: ['a'], lines: 5, follow: false, since: 1_700_000_000_000 })).toEqual({
      type: 'logs',
      services: ['a'],
      lines: 5,
      follow: false,
      since: 1_700_000_000_000,
    });
    expect(parseRequest({ v: 1, type: 'wait', services: ['a'], timeoutMs: 5000 })).toEqual({ type: 'wait', services: ['a'], timeoutMs: 5000 });
    expect(parseRequest({ v: 1, type: 'wait', services: ['a'], timeoutMs: 4800, askedMs: 5000 })).toEqual({
      type: 'wait',
      services: ['a'],
      timeoutMs: 4800,
      askedMs: 5000,
    });
    expect(parseRequest({ v: 1, type: 'startup', services: ['a'] })).toEqual({ type: 'startup', services: ['a'] });
    expect(parseRequest({ v: 1, type: 'startup', services: [] })).toEqual({ type: 'startup', services: [] });
  });

  it('says what is wrong with a malformed request', () => {
    expect(parseRequest(undefined)).toBe('a request must be a JSON object on one line');
    expect(parseRequest({ type: 'explode' })).toBe('unknown request type "explode"');
    expect(parseRequest({ type: 'stop', services: [] })).toBe('"stop" needs "services": a list of service names');
    expect(parseRequest({ type: 'stop', services: [1] })).toBe('"stop" needs "services": a list of service names');
    expect(parseRequest({ type: 'logs', services: [], lines: -1, follow: false })).toMatch(/^"logs" needs/);
    expect(parseRequest({ type: 'logs', services: [], lines: 1, follow: false, since: '10m' })).toBe(
      '"since" of "logs" must be a time in ms since the epoch',
    );
    expect(parseRequest({ type: 'wait', services: ['a'] })).toMatch(/^"wait" needs/);
    expect(parseRequest({ type: 'startup' })).toBe('"startup" needs "services": a list of service names');
  });
});
