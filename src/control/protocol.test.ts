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

  it('accepts each request type with its fields', () => {
    expect(parseRequest({ v: 1, type: 'ports' })).toEqual({ type: 'ports' });
    expect(parseRequest({ v: 1, type: 'down' })).toEqual({ type: 'down' });
    expect(parseRequest({ v: 1, type: 'restart', services: ['a', 'b'] })).toEqual({ type: 'restart', services: ['a', 'b'] });
    expect(parseRequest({ v: 1, type: 'logs', services: [], lines: 100, follow: true })).toEqual({ type: 'logs', services: [], lines: 100, follow: true });
    expect(parseRequest({ v: 1, type: 'wait', services: ['a'], timeoutMs: 5000 })).toEqual({ type: 'wait', services: ['a'], timeoutMs: 5000 });
    expect(parseRequest({ v: 1, type: 'wait', services: ['a'], timeoutMs: 4800, askedMs: 5000 })).toEqual({ type: 'wait', services: ['a'], timeoutMs: 4800, askedMs: 5000 });
  });

  it('says what is wrong with a malformed request', () => {
    expect(parseRequest(undefined)).toBe('a request must be a JSON object on one line');
    expect(parseRequest({ type: 'explode' })).toBe('unknown request type "explode"');
    expect(parseRequest({ type: 'stop', services: [] })).toBe('"stop" needs "services": a list of service names');
    expect(parseRequest({ type: 'stop', services: [1] })).toBe('"stop" needs "services": a list of service names');
    expect(parseRequest({ type: 'logs', services: [], lines: -1, follow: false })).toMatch(/^"logs" needs/);
    expect(parseRequest({ type: 'wait', services: ['a'] })).toMatch(/^"wait" needs/);
  });
});
