import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutputBus } from './output-bus.js';

const children: ChildProcess[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Runs `node -e code` and passes both its streams to the bus; resolves when both have ended. */
function attachNode(bus: OutputBus, service: string, code: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return Promise.all([bus.attach(service, child.stdout, 'stdout'), bus.attach(service, child.stderr, 'stderr')]).then(() => undefined);
}

describe('OutputBus', () => {
  it('hands decoded lines to onLine subscribers until they unsubscribe', async () => {
    const bus = new OutputBus(['svc']);
    const seen: string[] = [];
    const unsubscribe = bus.onLine('svc', (line, kind) => seen.push(`${kind}:${line}`));
    await attachNode(bus, 'svc', `process.stdout.write('listening on 8080\\r\\n'); process.stderr.write('warn: é');`);
    expect(seen.sort()).toEqual(['stderr:warn: é', 'stdout:listening on 8080']);
    unsubscribe();
    await attachNode(bus, 'svc', `console.log('after')`);
    expect(seen).toHaveLength(2);
  });

  it('keeps the last lines of the current run for crash messages, at most 50', async () => {
    const bus = new OutputBus(['svc', 'other']);
    await attachNode(bus, 'svc', `for (let i = 0; i < 100; i++) console.log('line ' + i); process.stdout.write('unfinished')`);
    expect(bus.tail('svc', 3)).toEqual(['line 98', 'line 99', 'unfinished']);
    const fifty = bus.tail('svc', 80);
    expect(fifty).toHaveLength(50);
    expect(fifty[0]).toBe('line 51');
    expect(fifty.at(-1)).toBe('unfinished');
    expect(bus.tail('other', 5)).toEqual([]);
    expect(bus.tail('unknown', 5)).toEqual([]);
    bus.startRun('svc');
    expect(bus.tail('svc', 3)).toEqual([]);
  });

  it('announces each service once, in order, whether it first prints, is noted or is added', async () => {
    const bus = new OutputBus(['a']);
    const keys: string[] = [];
    bus.on('key', (key) => keys.push(key));
    bus.note('b', 'hello');
    bus.addKey('c');
    bus.addKey('b');
    await attachNode(bus, 'd', `console.log('x')`);
    expect(keys).toEqual(['b', 'c', 'd']);
    expect(bus.keys()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('holds every child while paused, also one attached meanwhile, and lets them go on resume', async () => {
    const bus = new OutputBus();
    let lines = 0;
    bus.on('lines', (_service, batch) => (lines += batch.count));
    bus.pause();
    const done = attachNode(bus, 'svc', `for (let i = 0; i < 1000; i++) console.log('line ' + i)`);
    // Paused from the start: nothing is read until resume (the pipe holds the child's writes).
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toBe(0);
    bus.resume();
    await done;
    expect(lines).toBe(1000);
  });

  it('times each chunk once, for every line of it, in lines events and onLine alike', async () => {
    const bus = new OutputBus(['svc']);
    const events: { count: number; time: number }[] = [];
    const decoded: { line: string; time: number }[] = [];
    bus.on('lines', (_service, batch, time) => events.push({ count: batch.count, time }));
    bus.onLine('svc', (line, _kind, time) => decoded.push({ line, time }));
    const stream = new PassThrough();
    const done = bus.attach('svc', stream, 'stdout');
    const before = Date.now();
    stream.write('one\ntwo\nthr');
    await new Promise((resolve) => setImmediate(resolve));
    const between = Date.now();
    await waitUntilAfter(between);
    stream.end('ee\n');
    await done;
    const after = Date.now();
    expect(events.map((event) => event.count)).toEqual([2, 1]);
    expect(events[0]!.time).toBeGreaterThanOrEqual(before);
    expect(events[0]!.time).toBeLessThanOrEqual(between);
    expect(events[1]!.time).toBeGreaterThan(between);
    expect(events[1]!.time).toBeLessThanOrEqual(after);
    expect(decoded).toEqual([
      { line: 'one', time: events[0]!.time },
      { line: 'two', time: events[0]!.time },
      { line: 'three', time: events[1]!.time },
    ]);
  });

  it('never gives a line an earlier time than the line before, though the clock goes back', async () => {
    const bus = new OutputBus(['svc']);
    const times: number[] = [];
    bus.on('lines', (_service, _batch, time) => times.push(time));
    const clock = vi.spyOn(Date, 'now');
    const stream = new PassThrough();
    const done = bus.attach('svc', stream, 'stdout');
    for (const now of [5_000, 3_000, 6_000]) {
      clock.mockReturnValue(now);
      stream.write('line\n');
      await new Promise((resolve) => setImmediate(resolve));
    }
    stream.end();
    await done;
    expect(times).toEqual([5_000, 5_000, 6_000]);
  });
});

/** Resolves once the clock has passed `time` (the next millisecond at most a few away). */
async function waitUntilAfter(time: number): Promise<void> {
  while (Date.now() <= time) await new Promise((resolve) => setTimeout(resolve, 1));
}
