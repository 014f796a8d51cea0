import type { Writable } from 'node:stream';
import pc from 'picocolors';
import type { LineBatch } from '../supervisor/line-splitter.js';
import type { OutputBus } from '../supervisor/output-bus.js';
import { formatLocalTime } from './local-time.js';
import type { LogLine } from './log-ring.js';
import { prefixLines, renderPrefix } from './prefix-lines.js';

export interface LogMultiplexerOptions {
  bus: OutputBus;
  out: NodeJS.WritableStream;
  color: boolean;
  /** devsup's notes alone, not the services' lines (a background `up -d`: those are in their log files already). */
  notesOnly?: boolean;
  /** Each line starts with its arrival time (`devsup up --timestamps`). */
  timestamps?: boolean;
}

/** Back to the start of the line, and the line erased: where the prompt line was. */
const ERASE_LINE = '\r\x1b[2K';

/** While held, every service waits once this much output is buffered. */
const HOLD_LIMIT_BYTES = 1024 * 1024;
/**
 * Once `out.write` has returned false, every service waits while this much is queued in `out`. A
 * file stream's own mark (16 KiB) is smaller than one chunk of a pipe (64 KiB): waiting at it would
 * stall the child on every chunk and cost a quarter of the throughput (measured), while 512 KiB keeps
 * the pipeline full and memory bounded.
 */
const OUTPUT_LIMIT_BYTES = 512 * 1024;

/**
 * Renders the bus to one stream as `key | text`, whole lines only, keys padded to one width and
 * coloured. Hot path: one Buffer and one write per chunk of a child's output. When `out` cannot
 * keep up, the bus is paused, so the children wait rather than fill memory.
 */
export class LogMultiplexer {
  private readonly out: NodeJS.WritableStream;
  private readonly bus: OutputBus;
  private readonly colors: ReturnType<typeof pc.createColors>;
  private readonly timestamps: boolean;
  private readonly prefixes = new Map<string, Buffer>();
  private width = 0;
  private held = false;
  /** Lines, and devsup's own writes (`aside`), in the order they came while held. */
  private heldChunks: (Buffer | (() => void))[] = [];
  private heldBytes = 0;
  /** The line kept at the bottom of the terminal, under the lines (the `r` prompt), if any. */
  private prompt: string | undefined;
  private awaitingDrain = false;
  private pausedBus = false;
  private readonly unsubscribe: () => void;

  constructor(options: LogMultiplexerOptions) {
    this.out = options.out;
    this.bus = options.bus;
    this.colors = pc.createColors(options.color);
    this.timestamps = options.timestamps ?? false;
    for (const key of this.bus.keys()) this.addKey(key);
    const onKey = (key: string) => this.addKey(key);
    const onLines = (service: string, batch: LineBatch, time: number) => this.write(prefixLines(batch, this.prefixOf(service, time)));
    const onNote = (service: string, text: string) => this.note(service, text);
    this.bus.on('key', onKey).on('note', onNote);
    if (!options.notesOnly) this.bus.on('lines', onLines);
    this.unsubscribe = () => this.bus.off('key', onKey).off('lines', onLines).off('note', onNote);
  }

  /** While held, lines are buffered instead of written; the services wait once 1 MiB is buffered. */
  hold(): void {
    this.held = true;
  }

  /** Writes what was buffered while held, in order with devsup's own writes of that time, and lets the services go on. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const held = this.heldChunks;
    this.heldChunks = [];
    this.heldBytes = 0;
    let lines: Buffer[] = [];
    const writeLines = () => {
      if (lines.length > 0) this.write(Buffer.concat(lines));
      lines = [];
    };
    for (const chunk of held) {
      if (Buffer.isBuffer(chunk)) {
        lines.push(chunk);
        continue;
      }
      writeLines();
      this.aside(chunk);
    }
    writeLines();
    this.resumeIfUnblocked();
  }

  /**
   * Something devsup writes to the same terminal itself (a warning on stderr, the table, an answer
   * to a key): while the lines are held, it waits its turn behind them, so a crash's summary comes
   * after the lines that explain it; with a prompt line, it goes above the prompt.
   */
  aside(write: () => void): void {
    if (this.held) {
      this.heldChunks.push(write);
      return;
    }
    if (this.prompt === undefined) return write();
    this.out.write(ERASE_LINE);
    write();
    this.out.write(this.prompt);
  }

  /**
   * A line kept at the bottom of the terminal (the `r` prompt with what was typed), the lines going
   * on above it, so that neither mixes into the other; undefined takes it away. One row at most:
   * only that row is erased before each write.
   */
  setPrompt(text: string | undefined): void {
    if (text === undefined && this.prompt === undefined) return;
    this.prompt = text;
    this.out.write(`${ERASE_LINE}${text ?? ''}`);
  }

  /**
   * Lines that reach this process otherwise than through its bus (`devsup attach` gets them through
   * the control socket), rendered as the bus's: `note` ones as devsup's notes. A service the bus
   * has not seen becomes a key. False when `out` asks to wait for `drain`.
   */
  writeLines(lines: (LogLine & { note?: boolean })[]): boolean {
    let text = '';
    const flush = () => {
      if (text !== '') this.write(Buffer.from(text));
      text = '';
    };
    for (const line of lines) {
      this.bus.addKey(line.service);
      if (line.note) {
        flush();
        this.note(line.service, line.text);
      } else {
        text += `${this.prefixes.get(line.service)!.toString()}${line.text}\n`;
      }
    }
    flush();
    return !this.awaitingDrain;
  }

  /** Stops rendering (after the last service has stopped). */
  close(): void {
    this.unsubscribe();
    if (this.pausedBus) this.bus.resume();
  }

  private note(service: string, text: string): void {
    const prefix = this.prefixOf(service, Date.now()).toString();
    this.write(
      Buffer.from(
        text
          .split('\n')
          .map((line) => `${prefix}${this.colors.dim(line)}\n`)
          .join(''),
      ),
    );
  }

  /** `key | `, after the arrival time with timestamps: one Buffer per chunk, whatever its lines. */
  private prefixOf(service: string, time: number): Buffer {
    const prefix = this.prefixes.get(service)!;
    return this.timestamps ? Buffer.concat([Buffer.from(`${this.colors.dim(formatLocalTime(time))} `), prefix]) : prefix;
  }

  /** A new key: the prefix column is as wide as the longest key, for lines written from now on. */
  private addKey(key: string): void {
    if (this.prefixes.has(key)) return;
    this.prefixes.set(key, Buffer.alloc(0));
    this.width = Math.max(this.width, key.length);
    [...this.prefixes.keys()].forEach((name, index) => this.prefixes.set(name, renderPrefix(this.colors, name, index, this.width)));
  }

  /** Writes (or buffers while held) and pauses the bus when the output cannot take more. */
  private write(data: Buffer): void {
    if (this.held) {
      this.heldChunks.push(data);
      this.heldBytes += data.length;
    } else if (!this.out.write(this.prompt === undefined ? data : Buffer.concat([Buffer.from(ERASE_LINE), data, Buffer.from(this.prompt)]))) {
      this.awaitDrain();
    }
    if (!this.pausedBus && this.isBlocked()) {
      this.pausedBus = true;
      this.bus.pause();
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
    if (!this.pausedBus || this.isBlocked()) return;
    this.pausedBus = false;
    this.bus.resume();
  }
}
