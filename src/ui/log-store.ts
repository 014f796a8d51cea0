/** One line of the log pane: a service's output, or (`note`) what devsup says about the service. */
export interface ViewLine {
  service: string;
  text: string;
  note?: true;
}

/** The view keeps at least this many lines of each service: its scrollback. */
export const LINES_PER_SERVICE = 10_000;

/**
 * A fixed-size ring of lines numbered from the first ever added: line `n` stays `n` as older ones
 * fall out, so a position in the scrollback holds still while new lines arrive.
 */
export class LineRing {
  private readonly slots: ViewLine[] = [];
  private added = 0;

  constructor(private capacity: number) {}

  push(line: ViewLine): void {
    this.slots[this.added % this.capacity] = line;
    this.added += 1;
  }

  /** One past the newest line's number. */
  get end(): number {
    return this.added;
  }

  /** The oldest line still held. */
  get start(): number {
    return Math.max(0, this.added - this.capacity);
  }

  at(index: number): ViewLine | undefined {
    return index >= this.start && index < this.added ? this.slots[index % this.capacity] : undefined;
  }

  /** A larger ring holding the same lines (the merged view grows with the services). */
  grownTo(capacity: number): LineRing {
    if (capacity <= this.capacity) return this;
    const grown = new LineRing(capacity);
    grown.added = this.start;
    for (let index = this.start; index < this.added; index += 1) grown.push(this.at(index)!);
    return grown;
  }
}

/** Every service's scrollback, and all of them merged in arrival order. */
export class LogStore {
  private readonly byService = new Map<string, LineRing>();
  private merged = new LineRing(LINES_PER_SERVICE);

  constructor(private readonly perService = LINES_PER_SERVICE) {}

  add(line: ViewLine): void {
    this.lines(line.service).push(line);
    this.merged.push(line);
  }

  /** One service's lines, or (undefined) every service's. */
  lines(service: string | undefined): LineRing {
    if (service === undefined) return this.merged;
    let ring = this.byService.get(service);
    if (!ring) {
      ring = new LineRing(this.perService);
      this.byService.set(service, ring);
      this.merged = this.merged.grownTo(this.perService * this.byService.size);
    }
    return ring;
  }
}
