/** The alternate screen, the cursor hidden, mouse reports (button presses and the wheel, SGR-encoded). */
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?1006h\x1b[2J';
const LEAVE = '\x1b[?1006l\x1b[?1000l\x1b[?25h\x1b[?1049l';
/** Terminals that know it show a frame at once, never half drawn; the others ignore it. */
const BEGIN_FRAME = '\x1b[?2026h';
const END_FRAME = '\x1b[?2026l';

/**
 * The terminal as the view draws on it: each frame's rows are compared with the previous frame's,
 * and only the rows that changed are written, in one write, so nothing flickers and a busy log
 * costs a few rows per frame. While the terminal has not taken the last frame (a write returned
 * false) frames are skipped, never queued: the next one drawn shows the latest state.
 */
export class Screen {
  private previous: string[] = [];
  private waiting = false;
  private opened = false;
  private gone = false;

  constructor(private readonly out: NodeJS.WriteStream) {}

  get size(): { width: number; height: number } {
    return { width: this.out.columns || 80, height: this.out.rows || 24 };
  }

  open(): void {
    this.opened = true;
    this.out.write(ENTER);
  }

  /** Draws `rows`; false when the frame was skipped because the terminal is still busy with the last one. */
  draw(rows: string[]): boolean {
    if (this.gone) return true;
    if (this.waiting) return false;
    let frame = '';
    rows.forEach((row, index) => {
      if (this.previous[index] !== row) frame += `\x1b[${index + 1};1H${row}`;
    });
    this.previous = rows;
    if (frame === '') return true;
    if (!this.out.write(`${BEGIN_FRAME}${frame}${END_FRAME}`)) {
      this.waiting = true;
      this.out.once('drain', () => (this.waiting = false));
    }
    return true;
  }

  /** The terminal is gone: nothing more is written to it. */
  detach(): void {
    this.gone = true;
    this.opened = false;
  }

  /** After a resize: the next frame is drawn whole on a cleared screen. */
  invalidate(): void {
    this.previous = [];
    if (!this.gone) this.out.write('\x1b[2J');
  }

  close(): void {
    if (!this.opened) return;
    this.opened = false;
    this.out.write(LEAVE);
  }
}
