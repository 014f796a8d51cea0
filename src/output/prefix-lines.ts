import type pc from 'picocolors';
import type { LineBatch } from '../supervisor/line-splitter.js';

const NEWLINE = 0x0a;

/** Distinct colours per service; red is left out so a service never looks like an error. */
const PALETTE = ['cyan', 'magenta', 'green', 'yellow', 'blue', 'cyanBright', 'magentaBright', 'greenBright', 'yellowBright', 'blueBright'] as const;

/** `key | ` with the key padded to `width` and painted in the colour of its position. */
export function renderPrefix(colors: ReturnType<typeof pc.createColors>, key: string, index: number, width: number): Buffer {
  const paint = PALETTE[index % PALETTE.length]!;
  return Buffer.from(`${colors[paint](key)}${' '.repeat(width - key.length)} | `);
}

/**
 * All lines of a batch as `prefix + line + \n`, in one Buffer sized up front. The batch is first
 * copied to the end of that Buffer in one go; each line then moves left to its place with
 * `copyWithin`, which (unlike `Buffer#copy` of a range) allocates nothing per line. A line never
 * overwrites one not yet moved: prefix and newline (at least 4 bytes) outgrow the input's terminator
 * (at most 2), and the prefix is written only after its line has moved.
 */
export function prefixLines(batch: LineBatch, prefix: Buffer): Buffer {
  const { buf, bounds, count } = batch;
  const prefixLength = prefix.length;
  const size = batch.lineBytes + count * (prefixLength + 1);
  const out = Buffer.allocUnsafe(size);
  const shift = size - batch.consumed;
  buf.copy(out, shift, 0, batch.consumed);
  let offset = 0;
  for (let i = 0; i < count * 2; i += 2) {
    const start = bounds[i]!;
    const end = bounds[i + 1]!;
    out.copyWithin(offset + prefixLength, shift + start, shift + end);
    for (let k = 0; k < prefixLength; k++) out[offset + k] = prefix[k]!;
    offset += prefixLength + end - start;
    out[offset++] = NEWLINE;
  }
  return out;
}
