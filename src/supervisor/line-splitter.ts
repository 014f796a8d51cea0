const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Lines longer than this are passed on in pieces, so one endless line cannot exhaust memory. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * The complete lines one chunk finished, as `[start, end)` byte offsets into `buf` (terminators
 * excluded). Offsets instead of one Buffer per line keep the hot path free of per-line allocations.
 * `bounds` is reused: a batch is valid only until the next call on its splitter.
 */
export interface LineBatch {
  buf: Buffer;
  bounds: Int32Array;
  count: number;
  /** The sum of the lines' lengths, so a caller can size its output in one allocation. */
  lineBytes: number;
  /** Bytes of `buf` these lines used up, terminators included; the rest stays pending. */
  consumed: number;
}

/** Splits one byte stream into lines, keeping the partial line of a chunk until its end arrives. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private bounds = new Int32Array(1024);

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  push(chunk: Buffer): LineBatch {
    const firstNewline = chunk.indexOf(NEWLINE);
    if (firstNewline === -1 && this.pendingBytes + chunk.length <= this.maxLineBytes) {
      // Queue without copying: joining on every newline-free chunk would be quadratic.
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return this.emptyBatch(chunk);
    }
    const offset = this.pendingBytes;
    const buf = offset === 0 ? chunk : Buffer.concat([...this.pending, chunk], offset + chunk.length);
    const batch = this.splitLines(buf, firstNewline === -1 ? -1 : firstNewline + offset);
    this.pending = batch.consumed < buf.length ? [buf.subarray(batch.consumed)] : [];
    this.pendingBytes = buf.length - batch.consumed;
    return batch;
  }

  /** The last line when the stream ends without a final newline (an empty batch if there is none). */
  end(): LineBatch {
    const buf = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (buf.length === 0) return this.emptyBatch(buf);
    const end = buf[buf.length - 1] === CARRIAGE_RETURN ? buf.length - 1 : buf.length;
    this.bounds[0] = 0;
    this.bounds[1] = end;
    return { buf, bounds: this.bounds, count: 1, lineBytes: end, consumed: buf.length };
  }

  private splitLines(buf: Buffer, firstNewline: number): LineBatch {
    let count = 0;
    let lineBytes = 0;
    let start = 0;
    let newline = firstNewline;
    while (newline !== -1 || buf.length - start > this.maxLineBytes) {
      const lineEnd = newline === -1 ? buf.length : newline;
      // Long lines leave in pieces cut at character boundaries.
      while (lineEnd - start > this.maxLineBytes) {
        const pieceEnd = findCharBoundary(buf, start + this.maxLineBytes, start);
        count = this.addBound(count, start, pieceEnd);
        lineBytes += pieceEnd - start;
        start = pieceEnd;
      }
      if (newline === -1) break;
      const end = newline > start && buf[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
      count = this.addBound(count, start, end);
      lineBytes += end - start;
      start = newline + 1;
      newline = buf.indexOf(NEWLINE, start);
    }
    return { buf, bounds: this.bounds, count, lineBytes, consumed: start };
  }

  private addBound(count: number, start: number, end: number): number {
    if (count * 2 + 2 > this.bounds.length) {
      const grown = new Int32Array(this.bounds.length * 2);
      grown.set(this.bounds);
      this.bounds = grown;
    }
    this.bounds[count * 2] = start;
    this.bounds[count * 2 + 1] = end;
    return count + 1;
  }

  private emptyBatch(buf: Buffer): LineBatch {
    return { buf, bounds: this.bounds, count: 0, lineBytes: 0, consumed: 0 };
  }
}

/** Moves `end` back so it does not cut a UTF-8 character (a continuation byte has the bits 10xxxxxx). */
function findCharBoundary(buf: Buffer, end: number, start: number): number {
  let cut = end;
  while (cut > end - 3 && cut > start + 1 && (buf[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}
