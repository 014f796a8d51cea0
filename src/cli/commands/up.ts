import { loadManifest } from '../../manifest/load-manifest.js';
import { allocatePorts } from '../../ports/allocate-ports.js';
import { releaseLeases, startLeasing } from '../../ports/port-lease.js';
import { LogMultiplexer } from '../../output/log-multiplexer.js';
import { buildReport } from '../../output/build-report.js';
import { explainAllocations, explainEphemeralOverlaps } from '../../output/explain-allocation.js';
import { readSystemPorts } from '../../ports/system-ports.js';
import { renderPortTable } from '../../output/port-table.js';
import { shouldColor } from '../../output/color.js';
import { showStartup } from '../../output/startup-view.js';
import { TableSchedule } from '../../output/table-schedule.js';
import { Supervisor } from '../../supervisor/supervisor.js';
import { stopAllOnSignal } from '../stop-on-signal.js';
import { ensureStateFolder, readState } from '../../control/state-folder.js';
import { takeInstanceLock } from '../../control/instance-lock.js';
import { holdInstanceName } from '../../control/instance-name.js';
import { ignoreStateFolder } from '../../control/gitignore.js';
import { startControlPlane } from '../../control/control-plane.js';
import { keepStateFolder } from '../../control/keep-state-folder.js';
import { controlSocketPath } from '../../control/socket-path.js';
import { recordLogs } from '../../output/record-logs.js';
import { keepStateWritten } from '../../control/state-writer.js';
import { reclaimPreferredPorts, stopLeftovers } from '../../control/leftovers.js';
import { startWatchdog } from '../../supervisor/watchdog.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { selectServices, stickyPortsOf } from '../service-args.js';
import { watchForChanges } from '../watch-for-changes.js';
import { listenForKeys } from '../interactive-keys.js';

/** `devsup up [SERVICE…]`: load → allocate → supervise → show, until Ctrl-C or nothing is left to run. */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const loadOptions = { cwd: io.cwd, file: args.values.file as string | undefined, portOverrides: args.values.port as string[] | undefined, env: io.env };
  const loadedAt = Date.now();
  const manifest = await loadManifest(loadOptions);
  const selected = selectServices(manifest, args.positionals);
  const warn = (message: string) => io.stderr.write(`devsup: ${message}\n`);
  // Kept outside .devsup/ as well: a `git clean -fdx` must not let a second instance start.
  const name = await holdInstanceName(manifest.file, warn);
  const stateFolder = ensureStateFolder(manifest.dir);
  const lock = await takeInstanceLock(stateFolder, manifest.file, warn);

  ignoreStateFolder(manifest.dir, warn);
  const previous = readState(manifest.dir);
  const leftovers = await stopLeftovers(previous, manifest.file);
  if (leftovers.length > 0) warn(`stopped ${leftovers.join(', ')}: left running by devsup pid ${previous!.pid}, which was killed.`);
  if (args.values.reclaim) (await reclaimPreferredPorts(manifest)).forEach(warn);
  const lastRun = previous && stickyPortsOf(previous);
  startLeasing(warn); // every port this instance hands out is leased to it until it exits (port-lease.ts)
  const allocations = await allocatePorts(manifest, { sticky: lastRun });
  explainAllocations(manifest, allocations).forEach(warn);
  const neededRange = allocations.some((allocation) => allocation.failure || allocation.ports.some((port) => port.source === 'range' || port.source === 'os'));
  if (neededRange) explainEphemeralOverlaps(manifest, (await readSystemPorts()).ephemeral).forEach(warn);

  const color = shouldColor(io.stdout, io.env);
  // DEVSUP_INSTANCE and DEVSUP_MANIFEST mark every child, so `devsup who` and a later run can tell ours from strangers.
  const extraEnv = { DEVSUP_INSTANCE: String(process.pid), DEVSUP_MANIFEST: manifest.file, ...(color ? { FORCE_COLOR: '1' } : {}) };
  const watchdog = startWatchdog();
  const supervisor = new Supervisor({ manifest, allocations, warn, extraEnv, watchdog });
  const logs = new LogMultiplexer({ bus: supervisor.output, out: io.stdout, color });
  const recorded = recordLogs(supervisor.output, stateFolder, warn);
  const removeSignalHandlers = stopAllOnSignal(supervisor, warn);
  // `devsup up | head`: once nobody reads the logs, stop cleanly rather than die on EPIPE.
  io.stdout.on('error', () => void supervisor.shutdown());
  const report = () => buildReport(supervisor.manifest, supervisor, io.cwd, lastRun);
  const showTable = () => io.stdout.write(`\n${renderPortTable(report(), { color })}\n`);
  const tables = new TableSchedule(supervisor, showTable);
  const flushState = keepStateWritten(stateFolder, supervisor, report, warn);
  const control = await startControlPlane({ stateFolder, supervisor, report, ring: recorded.ring, flushLogFiles: recorded.flushFiles, warn });
  const stateKeeper = keepStateFolder(manifest.dir, controlSocketPath(stateFolder), async () => {
    ensureStateFolder(manifest.dir);
    lock.restore();
    await control.reopen();
    recorded.reopen();
    flushState();
    warn(`${stateFolder} was removed while devsup ran: made it again (lock, control socket, state and log files).`);
  }, warn);

  supervisor.on('portChanged', tables.showWhenSettled);
  const startup = showStartup(supervisor, logs, io.stdout, selected);
  supervisor.start(selected);
  if (selected.length === 0) warn('no service starts by itself here (each has autostart: false): `devsup start SERVICE` starts one; Ctrl-C stops devsup.');
  await Promise.race([startup, supervisor.done]);
  tables.showStartupTable();
  const keys = listenForKeys(supervisor, io.stdout, { showTable, warn });
  // After start-up, so watching costs the starting services nothing.
  const changes = await watchForChanges(supervisor, loadOptions, loadedAt, { note: (service, text) => supervisor.output.note(service, text), warn, applied: tables.showWhenSettled });

  const exitCode = await supervisor.done;
  stateKeeper.close();
  keys.stop();
  await changes.close();
  await supervisor.shutdown();
  releaseLeases();
  await Promise.all([control.close(), recorded.close()]);
  flushState();
  lock.release();
  await name.release();
  watchdog?.close();
  removeSignalHandlers();
  return exitCode;
}
