const NEWLINE = 0x0a;

/** One line of one service's output; `time`: when it arrived (ms since the epoch), when known. */
export interface LogLine {
  service: string;
  text: string;
  time?: number;
}

/** Per service, this much recent output is kept: about 2,500 lines of 100 bytes. */
export const RING_BYTES_PER_SERVICE = 256 * 1024;

interface Block {
  seq: number; // order of arrival across all services
  time: number; // when its lines arrived: one chunk, one instant
  buf: Buffer;
}

const DROPPED: Block = { seq: -1, time: 0, buf: Buffer.alloc(0) };

interface ServiceRing {
  blocks: Block[];
  head: number; // blocks before it have been dropped; compacted now and then, so a push never shifts
  bytes: number;
}

/**
 * The recent output of every service, for `devsup logs`: raw blocks of whole lines as they pass
 * (no copy, no decoding), the oldest dropped once a service has more than its share. Only a
 * snapshot splits and decodes, and it merges services back into the order their output arrived.
 */
export class LogRing {
  private readonly rings = new Map<string, ServiceRing>();
  private seq = 0;

  constructor(private readonly keepBytes = RING_BYTES_PER_SERVICE) {}

  /** `time`: when these lines arrived; never earlier than the block before (the output bus sees to it). */
  push(service: string, lines: Buffer, time: number): void {
    if (lines.length === 0) return;
    let ring = this.rings.get(service);
    if (!ring) this.rings.set(service, (ring = { blocks: [], head: 0, bytes: 0 }));
    ring.blocks.push({ seq: this.seq++, time, buf: lines });
    ring.bytes += lines.length;
    while (ring.blocks.length - ring.head > 1 && ring.bytes - ring.blocks[ring.head]!.buf.length >= this.keepBytes) {
      ring.bytes -= ring.blocks[ring.head]!.buf.length;
      ring.blocks[ring.head++] = DROPPED; // let the chunk go now, not at the next compaction
    }
    if (ring.head > 64 && ring.head * 2 > ring.blocks.length) {
      ring.blocks = ring.blocks.slice(ring.head);
      ring.head = 0;
    }
  }

  /** Services that printed something, in the order they first did. */
  services(): string[] {
    return [...this.rings.keys()];
  }

  /** The last `n` lines of each of `services` that arrived at `since` or later, merged in the order they were printed. */
  last(services: string[], n: number, since = -Infinity): LogLine[] {
    const tagged: { seq: number; line: LogLine }[] = [];
    for (const service of services) {
      const ring = this.rings.get(service);
      if (!ring) continue;
      const lines: { seq: number; line: LogLine }[][] = [];
      let count = 0;
      for (let i = ring.blocks.length - 1; i >= ring.head && count < n && ring.blocks[i]!.time >= since; i--) {
        const block = ring.blocks[i]!;
        const texts = splitBlock(block.buf);
        count += texts.length;
        lines.push(texts.map((text) => ({ seq: block.seq, line: { service, text, time: block.time } })));
      }
      tagged.push(
        ...lines
          .reverse()
          .flat()
          .slice(Math.max(0, count - n)),
      );
    }
    // A stable sort keeps each block's lines in their order.
    return tagged.sort((a, b) => a.seq - b.seq).map((entry) => entry.line);
  }
}

/** A block's lines without terminators; its end ends a line even without a final newline. */
export function splitBlock(buf: Buffer): string[] {
  const end = buf[buf.length - 1] === NEWLINE ? buf.length - 1 : buf.length;
  return buf
    .toString('utf8', 0, end)
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}
