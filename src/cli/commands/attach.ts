import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { expectReply, requestInstance, requestOnce } from '../../control/control-client.js';
import { DevsupError, messageOf, NoInstanceError } from '../../errors.js';
import { shouldColor } from '../../output/color.js';
import { terminalColumns } from '../../output/columns.js';
import { LogMultiplexer } from '../../output/log-multiplexer.js';
import { renderPortTable } from '../../output/port-table.js';
import { isSameProcess, processStartTime } from '../../ports/process-identity.js';
import { OutputBus } from '../../supervisor/output-bus.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';
import { readKeys } from '../interactive-keys.js';
import { KeyCommands, type KeyAction } from '../key-commands.js';

/** Each service's last lines shown before the live ones: enough to see where it stands. */
const RECENT_LINES = 20;
const POLL_MS = 20;

/**
 * `devsup attach [SERVICE…]`: the running instance's output as its own terminal shows it (the
 * last lines of each service, then every new one, rendered by the same LogMultiplexer), with
 * `up`'s keys on a terminal, acting through the control socket. Ctrl-C detaches; the services run
 * on. Ends with exit 0 once the instance has stopped.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const folder = instanceFolder(args, io);
  const color = shouldColor(io.stdout, io.env);
  const detach = new AbortController();
  const onInterrupt = () => detach.abort();
  process.on('SIGINT', onInterrupt);
  // `devsup attach | head`: once nobody reads, leave as Ctrl-C would.
  io.stdout.once('error', onInterrupt);
  let logs: LogMultiplexer | undefined;
  // The answers to keys go through the lines shown, never into one, nor over the `r` prompt.
  const actions = new KeyActions(folder, io, color, detach, (write) => (logs ? logs.aside(write) : write()));
  let keys: { stop(): void } | undefined;
  let instance: { pid: number; startTime: string | undefined } | undefined;
  try {
    const request = { type: 'logs', services: args.positionals, lines: RECENT_LINES, follow: true, notes: true } as const;
    for await (const reply of requestInstance(folder, request, detach.signal)) {
      const batch = expectReply(reply, 'lines', folder);
      // The first reply: the recent lines, and what is needed to show them and act as `up` does.
      const services = batch.keys ?? [];
      logs ??= new LogMultiplexer({ bus: new OutputBus(services), out: io.stdout, color });
      if (batch.pid !== undefined) instance = { pid: batch.pid, startTime: processStartTime(batch.pid) };
      if (batch.dropped) io.stderr.write(`devsup: ${batch.dropped} lines left out: this terminal did not keep up.\n`);
      const drained = logs.writeLines(batch.lines);
      // After the recent lines, as `up` gives the hint after its start-up.
      keys ??= readKeys(new KeyCommands(() => services, 'attach'), io.stdout, logs, (action) => actions.perform(action));
      if (!drained) await once(io.stdout, 'drain').catch(onInterrupt);
    }
  } catch (error) {
    if (error instanceof NoInstanceError)
      throw new DevsupError(`${error.message}: nothing to attach to.`, 1, `Start it with \`devsup up\` in ${folder}, then attach.`);
    throw error;
  } finally {
    keys?.stop();
    process.off('SIGINT', onInterrupt);
    logs?.close();
    await actions.settled();
  }
  if (detach.signal.aborted) {
    const after = actions.stopping ? 'is stopping' : 'keeps running (`devsup down` stops it)';
    io.stderr.write(`devsup: detached; devsup in ${folder} ${after}.\n`);
    return 0;
  }
  // The connection closes as the instance stops: once its process is gone, `devsup up` may start again at once.
  while (instance && isSameProcess(instance.pid, instance.startTime)) await sleep(POLL_MS);
  io.stderr.write(`devsup: devsup in ${folder} has stopped.\n`);
  return 0;
}

/** What the keys do from another terminal: each a request to the instance, its answer printed as `up` prints it. */
class KeyActions {
  private readonly pending = new Set<Promise<void>>();
  /** `q` was pressed: the instance was asked to stop. */
  stopping = false;

  constructor(
    private readonly folder: string,
    private readonly io: CliIO,
    private readonly color: boolean,
    private readonly detach: AbortController,
    private readonly print: (write: () => void) => void,
  ) {}

  perform(action: Exclude<KeyAction, { kind: 'say' | 'prompt' }>): void {
    switch (action.kind) {
      case 'detach':
        return this.detach.abort();
      case 'table':
        return this.track('show the port table', async () => {
          const { report } = await requestOnce(this.folder, { type: 'ports' }, 'report', this.detach.signal);
          this.print(() => this.io.stdout.write(`\n${renderPortTable(report, { color: this.color, width: terminalColumns(this.io.stdout) })}\n`));
        });
      case 'restart':
        return this.track(`restart ${action.service}`, async () => {
          const { outcomes } = await requestOnce(this.folder, { type: 'restart', services: [action.service] }, 'done', this.detach.signal);
          for (const outcome of outcomes) this.print(() => this.io.stdout.write(`${outcome.service}: ${outcome.said}\n`));
        });
      case 'quit':
        this.stopping = true;
        this.print(() => this.io.stderr.write('devsup: stopping every service (as `devsup down`)…\n'));
        // The instance closes this connection, and the one of the logs, once it has stopped; Ctrl-C leaves sooner.
        return this.track('stop everything', async () => {
          for await (const reply of requestInstance(this.folder, { type: 'down' }, this.detach.signal)) expectReply(reply, 'stopping', this.folder);
        });
    }
  }

  /** Resolves once every request sent has been answered, has failed, or was left by detaching (the instance carries it out). */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  private track(what: string, request: () => Promise<void>): void {
    const done = request().catch((error: unknown) => {
      if (!this.detach.signal.aborted) this.print(() => this.io.stderr.write(`devsup: could not ${what}: ${messageOf(error)}\n`));
    });
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}
