import { ignoreStateFolder } from '../../control/gitignore.js';
import { startControlPlane } from '../../control/control-plane.js';
import { keepStateFolder } from '../../control/keep-state-folder.js';
import { controlSocketPath } from '../../control/socket-path.js';
import { ensureStateFolder } from '../../control/state-folder.js';
import { keepStateWritten } from '../../control/state-writer.js';
import { loadManifest } from '../../manifest/load-manifest.js';
import type { Manifest } from '../../manifest/service-spec.js';
import { buildReport, type LastRunPorts } from '../../output/build-report.js';
import { shouldColor } from '../../output/color.js';
import { terminalColumns } from '../../output/columns.js';
import { explainAllocations, explainEphemeralOverlaps } from '../../output/explain-allocation.js';
import { LogMultiplexer } from '../../output/log-multiplexer.js';
import { renderPortTable } from '../../output/port-table.js';
import { recordLogs } from '../../output/record-logs.js';
import { showStartup } from '../../output/startup-view.js';
import { TableSchedule } from '../../output/table-schedule.js';
import { allocatePorts } from '../../ports/allocate-ports.js';
import { releaseLeases, startLeasing } from '../../ports/port-lease.js';
import type { ServiceAllocation } from '../../ports/port-types.js';
import { readSystemPorts } from '../../ports/system-ports.js';
import { Supervisor } from '../../supervisor/supervisor.js';
import type { LineBatch } from '../../supervisor/line-splitter.js';
import type { OutputBus } from '../../supervisor/output-bus.js';
import { startWatchdog } from '../../supervisor/watchdog.js';
import { UsageError } from '../../errors.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { claimInstance } from '../claim-instance.js';
import { listenForKeys } from '../interactive-keys.js';
import { manifestOptions } from '../manifest-options.js';
import { selectServices } from '../service-args.js';
import { restoreV8Defaults } from '../startup-tuning.js';
import { stopAllOnSignal } from '../stop-on-signal.js';
import { Teardown } from '../teardown.js';

/**
 * `devsup up [SERVICE…]`: load → claim the instance → allocate → supervise → show, until Ctrl-C or
 * nothing is left to run. Everything set up on the way is undone however it ends (teardown.ts).
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.values.ui === true) return (await import('../up-with-ui.js')).runWithUi(args, io);
  if (args.values.detach === true) return (await import('../up-detached.js')).runDetached(args, io);
  if (args.values['wait-timeout'] !== undefined) throw new UsageError('--wait-timeout goes with -d (--detach): it bounds the wait for the start-up.');
  // The background process `up -d` starts (detach.ts): the same flow, with no terminal.
  const detached = args.values['detached-child'] === true;
  // Once the services' lines are shown (logs, below), devsup's messages take their turn among them.
  let linesShown: LogMultiplexer | undefined;
  const warn = (message: string) => {
    const write = () => io.stderr.write(`devsup: ${message}\n`);
    if (linesShown) linesShown.aside(write);
    else write();
  };
  const loadOptions = manifestOptions(args, io, warn);
  const loadedAt = Date.now();
  const manifest = await loadManifest(loadOptions);
  const selected = selectServices(manifest, args.positionals, warn);
  const teardown = new Teardown();
  try {
    const { stateFolder, lock, lastRun } = await claimInstance(manifest, args.values.reclaim === true, warn, teardown);
    const allocations = await allocateAndExplain(manifest, lastRun, warn, teardown);

    const color = shouldColor(io.stdout, io.env);
    // DEVSUP_INSTANCE and DEVSUP_MANIFEST mark every child, so `devsup who` and a later run can tell ours from strangers.
    // `up --ui` shows the services' lines on a terminal, though this instance writes to a file.
    const colorServices = color || args.values['color-services'] === true;
    const extraEnv = { DEVSUP_INSTANCE: String(process.pid), DEVSUP_MANIFEST: manifest.file, ...(colorServices ? { FORCE_COLOR: '1' } : {}) };
    const watchdog = startWatchdog();
    teardown.add('close the watchdog', () => watchdog?.close());
    const supervisor = new Supervisor({ manifest, allocations, warn, extraEnv, watchdog });
    const stopOnSignal = stopAllOnSignal(supervisor, warn);
    teardown.add('remove the signal handlers', stopOnSignal.remove);
    // In the background, stdout is .devsup/logs/devsup.log: the services' lines are in their own files already.
    const logs = new LogMultiplexer({
      bus: supervisor.output,
      out: io.stdout,
      color,
      notesOnly: detached,
      timestamps: args.values.timestamps === true,
    });
    linesShown = logs;
    const recorded = recordLogs(supervisor.output, stateFolder, warn);
    teardown.add('write the log files', () => recorded.close());
    const report = () => buildReport(supervisor.manifest, supervisor, io.cwd, lastRun, detached);
    const showTable = () => logs.aside(() => io.stdout.write(`\n${renderPortTable(report(), { color, width: terminalColumns(io.stdout) })}\n`));
    const tables = new TableSchedule(supervisor, showTable);
    const state = keepStateWritten(stateFolder, supervisor, report, warn);
    teardown.add('write the final state', () => state.close(supervisor.stoppedEverything));
    // Listens while the services spawn: nothing a service needs waits for the control socket.
    const controlPlane = startControlPlane({ stateFolder, supervisor, report, ring: recorded.ring, flushLogFiles: recorded.flushFiles, warn });
    controlPlane.catch(() => undefined); // its failure is thrown where it is awaited, below: not an unhandled one meanwhile
    teardown.add('close the control socket', () =>
      controlPlane.then(
        (control) => control.close(),
        () => undefined,
      ),
    );
    teardown.add('stop the services', () => supervisor.shutdown());
    // `devsup up | head`: once nobody reads the logs, stop cleanly rather than die on EPIPE.
    io.stdout.on('error', () => void supervisor.shutdown());

    supervisor.on('portChanged', tables.showWhenSettled);
    const startup = showStartup(supervisor, logs, io.stdout, selected, color);
    supervisor.start(selected);
    optimizeOnceOutputIsBusy(supervisor.output);
    if (selected.length === 0)
      warn(
        'no service starts by itself here (each has autostart: false, or profiles none of which is active): `devsup start SERVICE` starts one; Ctrl-C stops devsup.',
      );
    // The rest of the bookkeeping comes once the first spawns are under way: no service needs it to start.
    const control = await controlPlane;
    ignoreStateFolder(manifest.dir, warn);
    const stateKeeper = keepStateFolder(
      manifest.dir,
      controlSocketPath(stateFolder),
      async () => {
        ensureStateFolder(manifest.dir);
        lock.restore();
        await control.reopen();
        recorded.reopen();
        await state.flush();
        warn(`${stateFolder} was removed while devsup ran: made it again (lock, control socket, state and log files).`);
      },
      warn,
    );
    teardown.add('stop watching the state folder', () => stateKeeper.close());
    await Promise.race([startup, supervisor.done]);
    tables.showStartupTable();
    const keys = listenForKeys(supervisor, io.stdout, logs, { showTable, warn, quit: stopOnSignal.request });
    teardown.add('give the terminal back', () => keys.stop());
    // After start-up, so watching (and loading its modules) costs the starting services nothing.
    const { watchForChanges } = await import('../watch-for-changes.js');
    const changes = await watchForChanges(supervisor, loadOptions, loadedAt, {
      note: (service, text) => supervisor.output.note(service, text),
      warn,
      applied: tables.showWhenSettled,
    });
    teardown.add('stop watching for edits', () => changes.close());
    return await supervisor.done;
  } finally {
    await teardown.run(warn);
  }
}

/** How much output the services relay before V8 optimizes again (startup-tuning.ts): a few thousand lines. */
const BUSY_OUTPUT_BYTES = 256 * 1024;

/**
 * V8 gets its defaults back once the services' output is busy: that stream is the one hot path of
 * a running devsup. Until then (and a stack that logs little never gets there) devsup idles without
 * the optimizer's code and pages: switched on when start-up ended, it optimized what start-up had
 * made hot and took 3 MB more while idle.
 */
function optimizeOnceOutputIsBusy(bus: OutputBus): void {
  let relayed = 0;
  const count = (_service: string, batch: LineBatch) => {
    relayed += batch.consumed;
    if (relayed < BUSY_OUTPUT_BYTES) return;
    bus.off('lines', count);
    restoreV8Defaults();
  };
  bus.on('lines', count);
}

/** Every service's ports, leased to this instance until it ends; each fallback said with its reason. */
async function allocateAndExplain(
  manifest: Manifest,
  lastRun: LastRunPorts | undefined,
  warn: (message: string) => void,
  teardown: Teardown,
): Promise<ServiceAllocation[]> {
  startLeasing(warn);
  teardown.add('give back the port leases', releaseLeases);
  const allocations = await allocatePorts(manifest, { sticky: lastRun });
  explainAllocations(manifest, allocations).forEach(warn);
  const neededRange = allocations.some(
    (allocation) => allocation.failure || allocation.ports.some((port) => port.source === 'range' || port.source === 'os'),
  );
  if (neededRange) explainEphemeralOverlaps(manifest, (await readSystemPorts()).ephemeral).forEach(warn);
  return allocations;
}
