import { setTimeout as sleep } from 'node:timers/promises';
import { expectReply, requestInstance, requestOnce } from '../control/control-client.js';
import { DevsupError, messageOf } from '../errors.js';
import { decodeKeys } from './decode-keys.js';
import { LINES_PER_SERVICE } from './log-store.js';
import { Screen } from './screen.js';
import { UiView, type UiCommand, type UiMode } from './ui-view.js';

/** At most this many frames a second: a flood of lines costs a frame every 50 ms, whatever its rate. */
const FRAME_MS = 50;
/** How often the services' status, CPU and memory are asked for. */
const REPORT_MS = 1_000;
const QUIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface UiOptions {
  /** The folder of the instance's manifest. */
  folder: string;
  mode: UiMode;
  color: boolean;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/** `closed`: the user left the view (in `up` mode, once the instance has stopped); `stopped`: the instance ended by itself. */
export type UiEnd = 'closed' | 'stopped';

/**
 * The view on a terminal, as a client of the instance's control socket: its lines (the ring's, then
 * every new one), its report once a second with CPU and memory, and the keys' actions as requests.
 * In `up` mode, q (or a signal) asks the instance to stop and the view stays until it has; a second
 * q leaves at once. Resolves once the view is closed and the terminal given back as it was.
 */
export async function runUi(options: UiOptions): Promise<UiEnd> {
  const { folder, input, output } = options;
  const view = new UiView({ mode: options.mode, color: options.color });
  const screen = new Screen(output);
  const leave = new AbortController();
  let stopping = false;
  let stoppedByItself = false;

  let frameTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const drawNow = () => {
    frameTimer = undefined;
    const { width, height } = screen.size;
    // A skipped frame (the terminal still busy) is drawn again later: the view's state is already newer.
    if (!screen.draw(view.render(width, height))) scheduleFrame();
  };
  const scheduleFrame = () => {
    // An answer that arrives as the view closes must not draw on the terminal given back.
    if (!closed) frameTimer ??= setTimeout(drawNow, FRAME_MS);
  };

  const act = (command: UiCommand) => {
    if (command.kind !== 'quit') {
      requestOnce(folder, { type: command.kind, services: [command.service] }, 'done', leave.signal)
        .then(({ outcomes }) => outcomes.forEach((outcome) => view.say(`${outcome.service}: ${outcome.said}`)))
        .catch((error: unknown) => view.say(`could not ${command.kind} ${command.service}: ${messageOf(error)}`))
        .finally(scheduleFrame);
      return;
    }
    if (options.mode === 'ui' || stopping) return leave.abort();
    stopping = true;
    view.say('stopping every service… (q again leaves now; they go on stopping)');
    scheduleFrame();
    // The instance stops everything, then closes its connections: the logs' end closes the view.
    // Not cancelled by leaving: a second q, or the terminal's hang-up following its signal, must
    // not take back a request that may not have reached the instance yet.
    void (async () => {
      for await (const reply of requestInstance(folder, { type: 'down' })) expectReply(reply, 'stopping', folder);
    })().catch((error: unknown) => {
      view.say(`could not stop the services: ${messageOf(error)}`);
      scheduleFrame();
    });
  };

  const onKeys = (chunk: string) => {
    for (const key of decodeKeys(chunk)) view.press(key).forEach(act);
    scheduleFrame();
  };
  const onResize = () => {
    screen.invalidate();
    drawNow();
  };
  const onSignal = () => act({ kind: 'quit' });
  // The terminal went away (closed, hung up): nothing more can be drawn, but `up --ui` must still stop the stack.
  const onOutputError = () => {
    screen.detach();
    act({ kind: 'quit' });
  };
  const restoreTerminal = () => {
    screen.close();
    try {
      input.setRawMode(false);
    } catch {
      // A terminal that has gone away has no mode to restore.
    }
  };

  input.setRawMode(true);
  input.setEncoding('utf8');
  input.on('data', onKeys);
  input.resume();
  output.on('resize', onResize);
  output.on('error', onOutputError);
  QUIT_SIGNALS.forEach((signal) => process.on(signal, onSignal));
  // Should devsup end abruptly, the terminal must not stay in raw mode on the alternate screen.
  process.once('exit', restoreTerminal);
  screen.open();
  drawNow();

  const reports = pollReports(folder, leave.signal, (report) => {
    view.setReport(report);
    scheduleFrame();
  });
  try {
    const request = { type: 'logs', services: [] as string[], lines: LINES_PER_SERVICE, follow: true, notes: true } as const;
    for await (const reply of requestInstance(folder, request, leave.signal)) {
      const batch = expectReply(reply, 'lines', folder);
      view.addLines(batch.lines);
      if (batch.dropped) view.say(`${batch.dropped} lines left out of this view, which fell behind; \`devsup logs\` has every one`);
      scheduleFrame();
    }
    stoppedByItself = !leave.signal.aborted && !stopping;
  } finally {
    closed = true;
    leave.abort();
    await reports;
    clearTimeout(frameTimer);
    input.off('data', onKeys);
    input.pause();
    output.off('resize', onResize);
    output.off('error', onOutputError);
    QUIT_SIGNALS.forEach((signal) => process.off(signal, onSignal));
    process.off('exit', restoreTerminal);
    restoreTerminal();
  }
  return stoppedByItself ? 'stopped' : 'closed';
}

/** The report with CPU and memory, now and then every second, until `signal`; a failed request is tried again. */
async function pollReports(folder: string, signal: AbortSignal, onReport: (report: Parameters<UiView['setReport']>[0]) => void): Promise<void> {
  // The first without CPU and memory: their first reading takes a quarter of a second, the list need not wait for it.
  let usage = false;
  while (!signal.aborted) {
    try {
      onReport((await requestOnce(folder, { type: 'ports', ...(usage && { usage: true }) }, 'report', signal)).report);
      if (!usage) {
        usage = true;
        continue;
      }
    } catch {
      // The instance is starting or stopping: the logs' connection tells when it is gone.
    }
    await sleep(REPORT_MS, undefined, { signal }).catch(() => undefined);
  }
}

/** The view needs a terminal on both sides: keys in, a screen out. */
export function checkTerminal(io: { stdout: NodeJS.WriteStream }, input: NodeJS.ReadStream, command: string): void {
  if (io.stdout.isTTY && input.isTTY && typeof input.setRawMode === 'function') return;
  const which = io.stdout.isTTY ? 'its input is not a terminal' : 'its output is not a terminal';
  throw new DevsupError(
    `\`${command}\` draws a full-screen view on a terminal, but ${which}.`,
    2,
    'In scripts or pipes use `devsup logs -f` for the output and `devsup ports --json` for the status, CPU and memory.',
  );
}
