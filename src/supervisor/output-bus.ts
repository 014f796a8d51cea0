import { EventEmitter } from 'node:events';
import { LineSplitter, type LineBatch } from './line-splitter.js';
import { RecentLines } from './recent-lines.js';

export type StreamKind = 'stdout' | 'stderr';
/** `time`: when the line arrived, in ms since the epoch (see OutputBus). */
export type LineListener = (line: string, kind: StreamKind, time: number) => void;

interface OutputBusEvents {
  /**
   * Whole lines of one service, as one chunk of its output ended them, and when that chunk arrived
   * (ms since the epoch). `batch` is valid only during the call.
   */
  lines: [service: string, batch: LineBatch, time: number];
  /** A line devsup itself says about a service ("exited with code 1; restarting now"). */
  note: [service: string, text: string];
  /** A service seen for the first time, in the order they come. */
  key: [service: string];
}

interface ServiceOutput {
  recent: RecentLines;
  listeners: Set<LineListener>;
}

/**
 * Every service's output as the supervisor hands it on: the children's streams split into whole
 * lines, devsup's notes about services, and the last lines of each run (for crash messages).
 * `output/` renders it and `control/` reads it; the supervisor knows nothing of terminals or files.
 * Hot path: one event per chunk of output, no decoding unless someone listens for decoded lines.
 * A reader that cannot keep up calls `pause()`, and every child's stream waits until `resume()`.
 *
 * Every line of a chunk arrived at one instant, so one clock reading per chunk times them all. It
 * never goes back: a clock set back gives lines the time of the line before, so times keep the
 * order lines arrived in (the log index searches them by time).
 */
export class OutputBus extends EventEmitter<OutputBusEvents> {
  private readonly services = new Map<string, ServiceOutput>();
  private readonly sources = new Set<NodeJS.ReadableStream>();
  private paused = false;
  private lastTime = 0;

  constructor(keys: string[] = []) {
    super();
    for (const key of keys) this.addKey(key);
  }

  /** Every service seen so far, in order. */
  keys(): string[] {
    return [...this.services.keys()];
  }

  addKey(service: string): void {
    this.serviceOf(service);
  }

  /** Passes one stream of a child on line by line; resolves once it has ended and its last partial line is out. */
  attach(service: string, stream: NodeJS.ReadableStream, kind: StreamKind): Promise<void> {
    const output = this.serviceOf(service);
    const splitter = new LineSplitter();
    this.sources.add(stream);
    if (this.paused) stream.pause();
    return new Promise((resolve) => {
      const onData = (chunk: Buffer | string): void =>
        this.forward(service, output, splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)), kind);
      const finish = (): void => {
        stream.off('data', onData);
        stream.off('end', finish);
        stream.off('close', finish);
        stream.off('error', finish);
        this.sources.delete(stream);
        this.forward(service, output, splitter.end(), kind);
        resolve();
      };
      stream.on('data', onData);
      stream.on('end', finish);
      // A destroyed or failing pipe ends the service's output just the same.
      stream.on('close', finish);
      stream.on('error', finish);
    });
  }

  note(service: string, text: string): void {
    this.serviceOf(service);
    this.emit('note', service, text);
  }

  /** Decoded lines of one service as they pass. Returns an unsubscribe function. */
  onLine(service: string, listener: LineListener): () => void {
    const { listeners } = this.serviceOf(service);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  /** The last `n` lines (≤ 50) of the service's current run, for crash messages. */
  tail(service: string, n: number): string[] {
    return this.services.get(service)?.recent.last(n) ?? [];
  }

  /** A new run of the service starts: a crash then shows that run's lines alone. */
  startRun(service: string): void {
    this.serviceOf(service).recent = new RecentLines();
  }

  /** Every child's stream waits: a reader is behind. */
  pause(): void {
    this.paused = true;
    for (const stream of this.sources) stream.pause();
  }

  resume(): void {
    this.paused = false;
    for (const stream of this.sources) stream.resume();
  }

  private serviceOf(service: string): ServiceOutput {
    let output = this.services.get(service);
    if (!output) {
      output = { recent: new RecentLines(), listeners: new Set() };
      this.services.set(service, output);
      this.emit('key', service);
    }
    return output;
  }

  private forward(service: string, output: ServiceOutput, batch: LineBatch, kind: StreamKind): void {
    if (batch.count === 0) return;
    const time = (this.lastTime = Math.max(Date.now(), this.lastTime));
    this.emit('lines', service, batch, time);
    output.recent.push(batch.buf.subarray(0, batch.consumed));
    if (output.listeners.size > 0) emitLines(batch, kind, time, output.listeners);
  }
}

function emitLines(batch: LineBatch, kind: StreamKind, time: number, listeners: Set<LineListener>): void {
  for (let i = 0; i < batch.count * 2; i += 2) {
    const line = batch.buf.toString('utf8', batch.bounds[i], batch.bounds[i + 1]);
    for (const listener of listeners) listener(line, kind, time);
  }
}
