import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import { CLI } from './run-cli.js';
import { waitFor } from './wait-for.js';

const PTY_HOST = fileURLToPath(new URL('./pty-host.py', import.meta.url));

export interface PtyOptions {
  columns?: number;
  rows?: number;
  env?: NodeJS.ProcessEnv;
  /** false: the terminal going away fails the program's writes (EIO) without sending it SIGHUP. */
  controllingTerminal?: boolean;
}

/**
 * The built CLI in a real pseudo-terminal (python3's pty module, through pty-host.py), its output
 * fed to a headless xterm: tests read the screen as a user sees it, type keys and resize.
 */
export class PtySession {
  readonly child: ChildProcess;
  readonly terminal: xterm.Terminal;
  readonly exited: Promise<number | null>;
  private raw = '';

  constructor(args: string[], cwd: string, options: PtyOptions = {}) {
    const columns = options.columns ?? 100;
    const rows = options.rows ?? 30;
    // Scrollback enough for a test of plain `devsup up`, whose lines scroll rather than redraw.
    this.terminal = new xterm.Terminal({ cols: columns, rows, allowProposedApi: true, scrollback: 10_000 });
    const hostOptions = options.controllingTerminal === false ? ['--no-controlling-terminal'] : [];
    this.child = spawn('python3', [PTY_HOST, ...hostOptions, String(columns), String(rows), process.execPath, CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color', ...options.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.raw += chunk;
      this.terminal.write(chunk);
    });
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  /** Everything the program wrote, escape sequences included. */
  get output(): string {
    return this.raw;
  }

  /** The screen's rows as text, trailing spaces dropped. */
  screen(): string[] {
    const buffer = this.terminal.buffer.active;
    return Array.from({ length: this.terminal.rows }, (_, row) => (buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '').trimEnd());
  }

  screenText(): string {
    return this.screen().join('\n');
  }

  /** Every row written so far, the scrolled-off ones first, trailing spaces dropped; `wrapped` marks a row that continues the one before. */
  rows(): { text: string; wrapped: boolean }[] {
    const buffer = this.terminal.buffer.active;
    return Array.from({ length: buffer.length }, (_, row) => {
      const line = buffer.getLine(row);
      return { text: line?.translateToString(true).trimEnd() ?? '', wrapped: line?.isWrapped ?? false };
    });
  }

  /** The text of every row written so far (rows()). */
  allText(): string[] {
    return this.rows().map((row) => row.text);
  }

  /** The attributes of the cell at `row`, `column` (from 0): whether it is drawn in reverse video or on a background colour. */
  isHighlighted(row: number, column: number): boolean {
    const cell = this.terminal.buffer.active.getLine(this.terminal.buffer.active.viewportY + row)?.getCell(column);
    return cell !== undefined && (cell.isInverse() !== 0 || !cell.isBgDefault());
  }

  press(keys: string): void {
    this.child.stdin!.write(`${JSON.stringify({ keys })}\n`);
  }

  resize(columns: number, rows: number): void {
    this.terminal.resize(columns, rows);
    this.child.stdin!.write(`${JSON.stringify({ resize: [columns, rows] })}\n`);
  }

  /** Waits until the screen satisfies `accept` (given its text), showing the screen when it never does. */
  async waitForScreen(what: string, accept: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
    // xterm parses written data asynchronously: a write with a callback flushes it.
    const settled = () => new Promise<void>((resolve) => this.terminal.write('', resolve));
    return waitFor(
      async () => {
        await settled();
        const text = this.screenText();
        return accept(text) ? text : undefined;
      },
      { what, timeoutMs, describe: () => this.screenText() },
    );
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
