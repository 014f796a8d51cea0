import { requestOnce } from '../control/control-client.js';
import { UsageError } from '../errors.js';
import { loadManifest } from '../manifest/load-manifest.js';
import { shouldColor } from '../output/color.js';
import { shownPath } from '../files/safe-files.js';
import { awaitStartup } from './await-startup.js';
import type { CliIO, ParsedArgs } from './cli-types.js';
import { selectServices } from './service-args.js';
import { backgroundArgs, launchInstance } from './up-detached.js';
import { manifestOptions } from './manifest-options.js';

/**
 * `devsup up --ui`: the stack, with `devsup ui` on it from the start. The instance runs as `up -d`
 * runs it (its own process, its messages in .devsup/logs/devsup.log), so the view's drawing never
 * slows the services' output; the view is its client. q, Ctrl-C, or the terminal closing stop the
 * stack as Ctrl-C stops `up`, and this command returns once the instance is gone, with its exit code.
 */
export async function runWithUi(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.values.detach === true || args.values['wait-timeout'] !== undefined)
    throw new UsageError(
      '--ui opens the view in this terminal, -d (and --wait-timeout) leave the stack in the background: use one or the other.',
      'To watch a stack in the background: `devsup up -d`, then `devsup ui`.',
    );
  const { checkTerminal, runUi } = await import('../ui/run-ui.js');
  checkTerminal(io, process.stdin, 'devsup up --ui');
  const color = shouldColor(io.stdout, io.env);
  const manifest = await loadManifest(
    manifestOptions(args, io, (message) =>
      io.stderr.write(`devsup: ${message}
`),
    ),
  );
  selectServices(manifest, args.positionals); // an unknown service is refused here, before anything starts
  // The services colour their output as under `up` on this terminal: the view shows their colours.
  const instance = await launchInstance(manifest, [...(color ? ['--color-services'] : []), ...backgroundArgs(args)], io);
  // The control socket answering (no service waited for), or the instance ending first (a lock conflict).
  const started = await awaitStartup(manifest.dir, [], instance, { onProgress: () => undefined });
  if (started.kind === 'ended') {
    io.stderr.write(instance.messages());
    io.stderr.write(`devsup: its messages are in ${shownPath(instance.logFile)}.\n`);
    return started.exitCode;
  }
  try {
    await runUi({ folder: manifest.dir, mode: 'up', color, input: process.stdin, output: io.stdout });
  } catch (error) {
    // The view failed: the stack it started must not stay behind in the background.
    await stopInstance(manifest.dir);
    throw error;
  }
  const exitCode = await instance.awaitExit();
  io.stderr.write(`devsup: every service has stopped.\n`);
  return exitCode;
}

/** Asks the instance to stop, as `devsup down` does, without waiting for it; it may be gone already. */
async function stopInstance(folder: string): Promise<void> {
  try {
    await requestOnce(folder, { type: 'down' }, 'stopping');
  } catch {
    // Gone already, or going.
  }
}
