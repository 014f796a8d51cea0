import type { Writable } from 'node:stream';
import pc from 'picocolors';
import { LineSplitter, type LineBatch } from './line-splitter.js';
import { prefixLines, renderPrefix } from './prefix-lines.js';
import { RecentLines } from './recent-lines.js';

export interface LogMultiplexerOptions {
  out: NodeJS.WritableStream;
  color: boolean;
  keys: string[];
}

type StreamKind = 'stdout' | 'stderr';
type LineListener = (line: string, kind: StreamKind) => void;
/** Whole lines of one service as raw bytes, as they pass; a block that does not end with `\n` still ends a line. */
export type OutputListener = (service: string, lines: Buffer) => void;

interface ServiceLog {
  index: number; // picks the service's colour
  prefix: Buffer;
  recent: RecentLines;
  listeners: Set<LineListener>;
}

/** While held, streams are paused once this much output waits. */
const HOLD_LIMIT_BYTES = 1024 * 1024;
/**
 * Once `out.write` has returned false, streams are paused when this much is queued in `out`. A file
 * stream's own mark (16 KiB) is smaller than one chunk of a pipe (64 KiB): pausing at it would stall
 * the child on every chunk and cost a quarter of the throughput (measured), while 512 KiB keeps the
 * pipeline full and memory bounded.
 */
const OUTPUT_LIMIT_BYTES = 512 * 1024;

/**
 * Writes the lines of every child to one stream as `key | text`, whole lines only. Hot path: one
 * Buffer and one write per incoming chunk; decoding happens only for `onLine` subscribers.
 */
export class LogMultiplexer {
  private readonly out: NodeJS.WritableStream;
  private readonly colors: ReturnType<typeof pc.createColors>;
  private readonly services = new Map<string, ServiceLog>();
  private width = 0;
  private held = false;
  private heldChunks: Buffer[] = [];
  private heldBytes = 0;
  private awaitingDrain = false;
  private readonly paused = new Set<NodeJS.ReadableStream>();
  private readonly outputListeners = new Set<OutputListener>();

  constructor(options: LogMultiplexerOptions) {
    this.out = options.out;
    this.colors = pc.createColors(options.color);
    for (const key of options.keys) this.addKey(key);
  }

  /** Pipes one stream of a child line by line to `out` as `key | text`; resolves when the stream has ended and its last partial line is flushed. */
  attach(service: string, stream: NodeJS.ReadableStream, kind: StreamKind): Promise<void> {
    this.addKey(service);
    const splitter = new LineSplitter();
    return new Promise((resolve) => {
      const onData = (chunk: Buffer | string): void => {
        this.forward(service, kind, splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)), stream);
      };
      const finish = (): void => {
        stream.off('data', onData);
        stream.off('end', finish);
        stream.off('close', finish);
        stream.off('error', finish);
        this.forward(service, kind, splitter.end(), stream);
        this.paused.delete(stream);
        resolve();
      };
      stream.on('data', onData);
      stream.on('end', finish);
      // A destroyed or failing pipe ends the service's output just the same.
      stream.on('close', finish);
      stream.on('error', finish);
    });
  }

  /** A line devsup itself says about a service, prefixed the same way (dimmed on colour). */
  note(service: string, text: string): void {
    this.addKey(service);
    const prefix = this.services.get(service)!.prefix.toString();
    const lines = text.split('\n').map((line) => `${prefix}${this.colors.dim(line)}\n`);
    this.write(Buffer.from(lines.join('')));
  }

  /** Decoded lines of one service as they pass. Returns an unsubscribe function. */
  onLine(service: string, listener: LineListener): () => void {
    this.addKey(service);
    const listeners = this.services.get(service)!.listeners;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  /** Every service's output in blocks of whole raw lines (one call per chunk, no decoding). Returns an unsubscribe function. */
  onOutput(listener: OutputListener): () => void {
    this.outputListeners.add(listener);
    return () => {
      this.outputListeners.delete(listener);
    };
  }

  /** The last `n` lines (≤ 50) a service printed, for crash messages. */
  tail(service: string, n: number): string[] {
    return this.services.get(service)?.recent.last(n) ?? [];
  }

  /** Forgets a service's recent lines as a new run of it starts, so a crash shows that run's lines alone. */
  startRun(service: string): void {
    this.addKey(service);
    this.services.get(service)!.recent = new RecentLines();
  }

  /** Adds a key (width of the prefix column is recomputed for lines written after). */
  addKey(key: string): void {
    if (this.services.has(key)) return;
    this.services.set(key, { index: this.services.size, prefix: Buffer.alloc(0), recent: new RecentLines(), listeners: new Set() });
    this.width = Math.max(this.width, key.length);
    for (const [name, log] of this.services) log.prefix = renderPrefix(this.colors, name, log.index, this.width);
  }

  /** While held, lines are buffered instead of written; streams are paused once 1 MiB is buffered. */
  hold(): void {
    this.held = true;
  }

  /** Writes what was buffered while held and lets the streams flow again. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const buffered = Buffer.concat(this.heldChunks, this.heldBytes);
    this.heldChunks = [];
    this.heldBytes = 0;
    if (buffered.length > 0) this.write(buffered);
    this.resumeIfUnblocked();
  }

  private forward(service: string, kind: StreamKind, batch: LineBatch, stream: NodeJS.ReadableStream): void {
    if (batch.count === 0) return;
    const log = this.services.get(service)!;
    this.write(prefixLines(batch, log.prefix), stream);
    const lines = batch.buf.subarray(0, batch.consumed);
    log.recent.push(lines);
    for (const listener of this.outputListeners) listener(service, lines);
    if (log.listeners.size > 0) emitLines(batch, kind, log.listeners);
  }

  /** Writes (or buffers while held) and pauses `source` when the output cannot take more. */
  private write(data: Buffer, source?: NodeJS.ReadableStream): void {
    if (this.held) {
      this.heldChunks.push(data);
      this.heldBytes += data.length;
    } else if (!this.out.write(data)) {
      this.awaitDrain();
    }
    if (source && this.isBlocked()) {
      source.pause();
      this.paused.add(source);
    }
  }

  private awaitDrain(): void {
    if (this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.out.once('drain', () => {
      this.awaitingDrain = false;
      this.resumeIfUnblocked();
    });
  }

  private isBlocked(): boolean {
    if (this.held) return this.heldBytes >= HOLD_LIMIT_BYTES;
    // A stream that does not report its queue is taken at its word.
    const queued = (this.out as Partial<Writable>).writableLength ?? OUTPUT_LIMIT_BYTES;
    return this.awaitingDrain && queued >= OUTPUT_LIMIT_BYTES;
  }

  private resumeIfUnblocked(): void {
    if (this.isBlocked()) return;
    for (const stream of this.paused) stream.resume();
    this.paused.clear();
  }

}

function emitLines(batch: LineBatch, kind: StreamKind, listeners: Set<LineListener>): void {
  for (let i = 0; i < batch.count * 2; i += 2) {
    const line = batch.buf.toString('utf8', batch.bounds[i], batch.bounds[i + 1]);
    for (const listener of listeners) listener(line, kind);
  }
}
