import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputBus } from '../supervisor/output-bus.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { formatLocalTime } from './local-time.js';
import { LogMultiplexer } from './log-multiplexer.js';

const children: ChildProcess[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const folder of folders.splice(0)) await fs.rm(folder, { recursive: true, force: true });
});

/** Runs `node -e code` with piped stdout and stderr. */
function runNode(code: string): ChildProcess & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream } {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** A bus, and the multiplexer that renders it to `out`. */
function render(out: NodeJS.WritableStream, keys: string[], color = false): { bus: OutputBus; mux: LogMultiplexer } {
  const bus = new OutputBus(keys);
  return { bus, mux: new LogMultiplexer({ bus, out, color }) };
}

/** Attaches both streams of a child and resolves when both have ended. */
function attachChild(bus: OutputBus, service: string, child: ReturnType<typeof runNode>): Promise<void> {
  return Promise.all([bus.attach(service, child.stdout, 'stdout'), bus.attach(service, child.stderr, 'stderr')]).then(() => undefined);
}

/** A Writable that keeps everything, optionally slowly (each write completes after a timer). */
class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  /** The most bytes ever queued in this stream (seen each time a write starts). */
  maxQueued = 0;
  private readonly delayMs: number | undefined;

  constructor(options: { highWaterMark?: number; delayMs?: number } = {}) {
    super({ highWaterMark: options.highWaterMark });
    this.delayMs = options.delayMs;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.maxQueued = Math.max(this.maxQueued, this.writableLength);
    this.chunks.push(chunk);
    if (this.delayMs === undefined) callback();
    else setTimeout(callback, this.delayMs);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** A child script that writes `total` numbered lines in blocks, respecting back-pressure. */
function floodScript(total: number, label: string, padding: number): string {
  return `
    let i = 0;
    const next = () => {
      while (i < ${total}) {
        let block = '';
        for (let k = 0; k < 500 && i < ${total}; k++, i++) block += '${label}-' + i + ' ' + 'x'.repeat(i % ${padding}) + '\\n';
        if (!process.stdout.write(block)) return process.stdout.once('drain', next);
      }
    };
    next();`;
}

describe('LogMultiplexer', () => {
  it('prefixes every line with its key, padded to the longest key, without ANSI when colour is off', async () => {
    const out = new Collector();
    const { bus } = render(out, ['web', 'worker-long']);
    const child = runNode(`console.log('one'); console.log('two'); console.error('oops'); console.log('three');`);
    await attachChild(bus, 'web', child);
    const lines = out.text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.filter((line) => line !== 'web         | oops')).toEqual(['web         | one', 'web         | two', 'web         | three']);
    expect(lines).toContain('web         | oops');
    expect(stripVTControlCharacters(out.text())).toBe(out.text());
  });

  it('colours the prefix when asked, and dims devsup notes', async () => {
    const out = new Collector();
    const { bus } = render(out, ['api', 'db'], true);
    await attachChild(bus, 'api', runNode(`console.log('hello')`));
    bus.note('db', 'exited with code 1; restarting in 200 ms');
    const [apiLine = '', dbLine = ''] = out.text().split('\n');
    expect(stripVTControlCharacters(apiLine)).not.toBe(apiLine);
    expect(stripVTControlCharacters(apiLine)).toBe('api | hello');
    expect(dbLine).toContain('\x1b[2mexited with code 1; restarting in 200 ms');
    // Different services get different colours.
    expect(apiLine.slice(0, 5)).not.toBe(dbLine.slice(0, 5));
  });

  it('writes notes like child lines, one prefixed line per line of text', () => {
    const out = new Collector();
    const { bus } = render(out, ['llm', 'tools']);
    bus.note('llm', 'exited with code 1; restarting in 200 ms');
    bus.note('tools', 'first\nsecond');
    expect(out.text()).toBe('llm   | exited with code 1; restarting in 200 ms\ntools | first\ntools | second\n');
  });

  it('with notesOnly, writes devsup notes and leaves the lines of the services out', async () => {
    const out = new Collector();
    const bus = new OutputBus(['web']);
    new LogMultiplexer({ bus, out, color: false, notesOnly: true });
    await attachChild(bus, 'web', runNode(`console.log('from the service')`));
    bus.note('web', 'ready on port 8080');
    expect(out.text()).toBe('web | ready on port 8080\n');
  });

  it('with timestamps, starts each line with the arrival time of its chunk, notes with the time they are said', async () => {
    const out = new Collector();
    const bus = new OutputBus(['web', 'db']);
    new LogMultiplexer({ bus, out, color: false, timestamps: true });
    const times: number[] = [];
    bus.on('lines', (_service, _batch, time) => times.push(time));
    const before = Date.now();
    await attachChild(bus, 'web', runNode(`console.log('one\\ntwo')`));
    bus.note('db', 'exited with code 1');
    const after = Date.now();
    const lines = out.text().split('\n').slice(0, -1);
    expect(lines.map((line) => line.slice(30))).toEqual(['web | one', 'web | two', 'db  | exited with code 1']);
    expect(lines[0]!.slice(0, 30)).toBe(`${formatLocalTime(times[0]!)} `);
    expect(lines[1]!.slice(0, 30)).toBe(lines[0]!.slice(0, 30));
    const noted = Date.parse(lines[2]!.slice(0, 29));
    expect(noted).toBeGreaterThanOrEqual(before);
    expect(noted).toBeLessThanOrEqual(after);
  });

  it('widens the prefix column for lines written after addKey', () => {
    const out = new Collector();
    const { bus } = render(out, ['a']);
    bus.note('a', 'before');
    bus.addKey('longer');
    bus.note('a', 'after');
    expect(out.text()).toBe('a | before\na      | after\n');
  });

  it('renders lines handed to it (as `attach` gets them) exactly as those of the bus: prefix, colour, dimmed notes, new keys', async () => {
    const fromBus = new Collector();
    const { bus } = render(fromBus, ['api', 'db'], true);
    await attachChild(bus, 'api', runNode(`console.log('hello')`));
    bus.note('db', 'exited with code 1');
    const handed = new Collector();
    const { mux } = render(handed, ['api', 'db'], true);
    expect(
      mux.writeLines([
        { service: 'api', text: 'hello' },
        { service: 'db', text: 'exited with code 1', note: true },
      ]),
    ).toBe(true);
    expect(handed.text()).toBe(fromBus.text());
    mux.writeLines([{ service: 'cache-new', text: 'up' }]);
    expect(stripVTControlCharacters(handed.text()).split('\n').at(-2)).toBe('cache-new | up');
  });

  it('passes 200,000 flooded lines into a file, all present, in order, unsplit', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'devsup-mux-'));
    folders.push(folder);
    const file = path.join(folder, 'out.log');
    const out = createWriteStream(file);
    const { bus } = render(out, ['svc']);
    await attachChild(bus, 'svc', runNode(floodScript(200_000, 'line', 37)));
    await new Promise<void>((resolve) => out.end(resolve));
    const lines = (await fs.readFile(file, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(200_000);
    const wrong = lines.findIndex((line, i) => line !== `svc | line-${i} ${'x'.repeat(i % 37)}`);
    expect(wrong).toBe(-1);
  });

  it('flushes a partial last line when the stream ends', async () => {
    const out = new Collector();
    const { bus } = render(out, ['svc']);
    await attachChild(bus, 'svc', runNode(`process.stdout.write('a\\nb\\nno newline at the end')`));
    expect(out.text()).toBe('svc | a\nsvc | b\nsvc | no newline at the end\n');
  });

  it('joins lines split across writes at odd places, including inside a UTF-8 character', async () => {
    const out = new Collector();
    const { bus } = render(out, ['svc']);
    // Pieces are written one by one, each after the previous was flushed to the pipe.
    const child = runNode(`
      const e = Buffer.from('é');
      const pieces = ['hel', 'lo\\nwor', 'ld\\n\\nx', Buffer.from([0x63, 0x61, 0x66, e[0]]), Buffer.from([e[1], 0x0a]), 'y', 'z\\n'];
      const next = () => { const piece = pieces.shift(); if (piece !== undefined) process.stdout.write(piece, () => setTimeout(next, 5)); };
      next();`);
    await attachChild(bus, 'svc', child);
    expect(out.text()).toBe('svc | hello\nsvc | world\nsvc | \nsvc | xcafé\nsvc | yz\n');
  });

  it('strips the \\r of \\r\\n line ends', async () => {
    const out = new Collector();
    const { bus } = render(out, ['win']);
    await attachChild(bus, 'win', runNode(`process.stdout.write('one\\r\\ntwo\\r\\nthree\\r\\n')`));
    expect(out.text()).toBe('win | one\nwin | two\nwin | three\n');
  });

  it('pauses a flooding child while the output is slow, keeping what devsup buffers bounded', async () => {
    const out = new Collector({ highWaterMark: 1024, delayMs: 1 });
    const { bus } = render(out, ['flood']);
    const total = 300_000; // about 20 MiB: far more than the output can take without waiting
    const child = runNode(floodScript(total, 'f', 100));
    let sawPaused = false;
    child.stdout.on('pause', () => (sawPaused = true));
    await attachChild(bus, 'flood', child);
    await new Promise<void>((resolve) => out.end(resolve));
    const text = out.text();
    expect(text.length).toBeGreaterThan(16 * 1024 * 1024);
    expect(out.maxQueued).toBeLessThan(2 * 1024 * 1024);
    expect(sawPaused).toBe(true);
    const lines = text.split('\n');
    lines.pop();
    expect(lines).toHaveLength(total);
    expect(lines.at(-1)).toBe(`flood | f-${total - 1} ${'x'.repeat((total - 1) % 100)}`);
  });

  it('never interleaves two children within a line', async () => {
    const out = new Collector();
    const { bus } = render(out, ['a', 'b']);
    await Promise.all([attachChild(bus, 'a', runNode(floodScript(50_000, 'a', 300))), attachChild(bus, 'b', runNode(floodScript(50_000, 'b', 300)))]);
    const next = { a: 0, b: 0 };
    const wrong: string[] = [];
    const lines = out.text().split('\n');
    lines.pop();
    for (const line of lines) {
      const match = /^([ab]) \| ([ab])-(\d+) (x*)$/.exec(line);
      const service = match?.[1] as 'a' | 'b';
      const whole = match && match[2] === service && Number(match[3]) === next[service] && match[4]?.length === next[service] % 300;
      if (!whole) wrong.push(line.slice(0, 80));
      else next[service]++;
    }
    expect(wrong).toEqual([]);
    expect(next).toEqual({ a: 50_000, b: 50_000 });
  });

  it('buffers while held and writes everything, in order, on release', async () => {
    const out = new Collector();
    const { bus, mux } = render(out, ['svc']);
    mux.hold();
    await attachChild(bus, 'svc', runNode(`for (let i = 0; i < 1000; i++) console.log('held ' + i)`));
    bus.note('svc', 'ready');
    expect(out.chunks).toHaveLength(0);
    mux.release();
    const lines = out.text().split('\n');
    expect(lines).toHaveLength(1002);
    expect(lines[0]).toBe('svc | held 0');
    expect(lines[999]).toBe('svc | held 999');
    expect(lines[1000]).toBe('svc | ready');
  });

  it("while held, devsup's own writes wait their turn: written after the lines that came before them", () => {
    const out = new Collector();
    const { mux } = render(out, ['api', 'db']);
    mux.hold();
    mux.writeLines([{ service: 'api', text: 'Error: no DATABASE_URL' }]);
    mux.aside(() => out.write('devsup: api crashed\n'));
    mux.writeLines([{ service: 'db', text: 'ready' }]);
    expect(out.chunks).toHaveLength(0);
    mux.release();
    expect(out.text()).toBe('api | Error: no DATABASE_URL\ndevsup: api crashed\ndb  | ready\n');
    mux.aside(() => out.write('devsup: now\n'));
    expect(out.text().endsWith('db  | ready\ndevsup: now\n')).toBe(true);
  });

  it('keeps a prompt line at the bottom: lines and asides go above it, erasing it first, and it is drawn again after them', () => {
    const out = new Collector();
    const { mux } = render(out, ['api']);
    mux.writeLines([{ service: 'api', text: 'one' }]);
    mux.setPrompt('restart which service? ');
    mux.writeLines([{ service: 'api', text: 'two' }]);
    mux.setPrompt('restart which service? a');
    mux.aside(() => out.write('devsup: a note\n'));
    mux.setPrompt(undefined);
    mux.writeLines([{ service: 'api', text: 'three' }]);
    const erase = '\r\x1b[2K';
    expect(out.text()).toBe(
      [
        'api | one\n',
        `${erase}restart which service? `,
        `${erase}api | two\nrestart which service? `,
        `${erase}restart which service? a`,
        `${erase}devsup: a note\nrestart which service? a`,
        erase,
        'api | three\n',
      ].join(''),
    );
  });

  it('pauses the streams once 1 MiB is held, and resumes them on release', async () => {
    const out = new Collector();
    const { bus, mux } = render(out, ['svc']);
    mux.hold();
    const total = 100_000; // about 6 MiB
    const child = runNode(floodScript(total, 'h', 100));
    const done = attachChild(bus, 'svc', child);
    await waitFor(() => child.stdout.isPaused(), { what: 'the held stream to be paused' });
    expect(out.chunks).toHaveLength(0);
    expect(child.exitCode).toBeNull(); // blocked on its full pipe
    mux.release();
    await done;
    const lines = out.text().split('\n');
    lines.pop();
    expect(lines).toHaveLength(total);
    expect(lines.at(-1)).toBe(`svc | h-${total - 1} ${'x'.repeat((total - 1) % 100)}`);
  });
});
