const NEWLINE = 0x0a;
const NEWLINE_BYTES = Buffer.from('\n');

/** The most lines `last()` returns: enough to show why a service crashed. */
export const MAX_RECENT_LINES = 50;

/**
 * The last few KiB of one service's lines as raw bytes. Pushing stores references to blocks of
 * whole lines (no copy, no decoding); only `last()` splits and decodes, which happens rarely.
 */
export class RecentLines {
  private blocks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly keepBytes = 16 * 1024) {}

  /** Stores a block of whole lines; a block without a final newline still ends a line. */
  push(lines: Buffer): void {
    if (lines.length === 0) return;
    this.add(lines);
    if (lines[lines.length - 1] !== NEWLINE) this.add(NEWLINE_BYTES);
    while (this.blocks.length > 1 && this.bytes - this.blocks[0]!.length >= this.keepBytes) {
      this.bytes -= this.blocks.shift()!.length;
    }
  }

  /** The last `n` lines (at most MAX_RECENT_LINES), oldest first, without terminators. */
  last(n: number): string[] {
    const wanted = Math.min(Math.max(Math.floor(n), 0), MAX_RECENT_LINES);
    if (wanted === 0 || this.bytes === 0) return [];
    const all = Buffer.concat(this.blocks, this.bytes);
    // All ends with a newline; step back over `wanted` more of them to find where the lines start.
    let start = all.length - 1;
    for (let found = 0; found < wanted && start >= 0; found++) {
      // lastIndexOf reads a negative offset as counted from the end, so stop at 0 by hand.
      start = start === 0 ? -1 : all.lastIndexOf(NEWLINE, start - 1);
    }
    return all
      .toString('utf8', start + 1, all.length - 1)
      .split('\n')
      .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }

  private add(block: Buffer): void {
    this.blocks.push(block);
    this.bytes += block.length;
  }
}
