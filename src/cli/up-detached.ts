import { DevsupError, InstanceRunningError, UsageError } from '../errors.js';
import { readLiveState, readState } from '../control/state-folder.js';
import { parseDuration } from '../manifest/durations.js';
import { loadManifest } from '../manifest/load-manifest.js';
import type { Manifest } from '../manifest/service-spec.js';
import { shouldColor } from '../output/color.js';
import { terminalColumns } from '../output/columns.js';
import { renderPortTable } from '../output/port-table.js';
import type { PortsReport } from '../output/ports-report.js';
import { showRemoteStartup } from '../output/remote-startup-view.js';
import { shownPath } from '../files/safe-files.js';
import type { ServiceStatus } from '../supervisor/service-status.js';
import { awaitStartup, type StartupOutcome } from './await-startup.js';
import type { CliIO, ParsedArgs } from './cli-types.js';
import { DEVSUP_LOG, launchInBackground, type BackgroundInstance } from './detach.js';
import { SignalRelay } from './relay-signals.js';
import { selectServices } from './service-args.js';
import { manifestOptions } from './manifest-options.js';

/** Statuses of a service devsup still runs or looks after: while one has it, the instance goes on. */
const ACTIVE: ReadonlySet<ServiceStatus> = new Set(['starting', 'ready', 'running', 'unhealthy', 'restarting', 'stopping']);
/** The service whose log file would be devsup.log. */
const DEVSUP_SERVICE_CLASH = DEVSUP_LOG.slice(0, -'.log'.length);
/** How long an instance left with nothing to run is given to end by itself. */
const ENDING_MS = 10_000;

/**
 * `devsup up -d [SERVICE…]`: the stack in the background. The manifest is checked here first, so a
 * mistake starts and makes nothing (exit 2). The instance is launched (detach.ts), its start-up
 * followed and shown, the port table printed, and this command exits: 0 once every service is
 * ready (or finished), 1 when one failed or the wait timed out — the stack keeps running — or the
 * instance's own exit code when it ended during start-up.
 */
export async function runDetached(args: ParsedArgs, io: CliIO): Promise<number> {
  const timeoutMs = parseWaitTimeout(args.values['wait-timeout'] as string | undefined);
  const manifest = await loadManifest(
    manifestOptions(args, io, (message) =>
      io.stderr.write(`devsup: ${message}
`),
    ),
  );
  const services = selectServices(manifest, args.positionals, (message) => io.stderr.write(`devsup: ${message}\n`));
  const color = shouldColor(io.stdout, io.env);
  // Ctrl-C while waiting stops the waiting, not the stack: that runs in the background by now.
  const signals = new SignalRelay();
  try {
    const view = showRemoteStartup(titlesOf(manifest), services, io.stdout, { color, taskList: true });
    const started = await startInBackground(manifest, services, backgroundArgs(args), io, {
      timeoutMs,
      onProgress: (service, status, text) => view.update(service, status, text),
      signal: signals.signal,
    }).finally(() => view.close());
    return await reportOutcome(started.outcome, started.instance, manifest, services, io, color);
  } finally {
    signals.close();
  }
}

/** Service key → title, in the manifest's order. */
export function titlesOf(manifest: Manifest): Map<string, string> {
  return new Map(manifest.services.map((service) => [service.key, service.title]));
}

export interface BackgroundStart {
  instance: BackgroundInstance;
  outcome: StartupOutcome;
}

/**
 * Refuses when an instance already runs, launches one in the background with `upArgs` (`up`'s
 * own options and services) and follows `services` until they settle: shared by `up -d` and `run --up`.
 */
export async function startInBackground(
  manifest: Manifest,
  services: string[],
  upArgs: string[],
  io: CliIO,
  options: Parameters<typeof awaitStartup>[3],
): Promise<BackgroundStart> {
  const instance = await launchInstance(manifest, upArgs, io);
  return { instance, outcome: await awaitStartup(manifest.dir, services, instance, options) };
}

/** Refuses when an instance already runs (or a service would write devsup.log), else launches one in the background. */
export async function launchInstance(manifest: Manifest, upArgs: string[], io: CliIO): Promise<BackgroundInstance> {
  if (manifest.services.some((service) => service.key === DEVSUP_SERVICE_CLASH)) {
    throw new DevsupError(
      `a service named "${DEVSUP_SERVICE_CLASH}" would write its log to .devsup/logs/${DEVSUP_LOG}, where devsup in the background writes its own messages.`,
      2,
      'Rename the service to run it in the background; `devsup up` in a terminal runs it as it is.',
    );
  }
  // Told here, before anything is made; a race for the lock is still caught by the instance itself.
  const live = readLiveState(manifest.dir);
  if (live) throw new InstanceRunningError(live.pid, manifest.file, live.detached === true);
  return launchInBackground(manifest.dir, upArgs, io);
}

/** `--wait-timeout 60s` in ms; undefined: wait until the services settle. */
export function parseWaitTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--wait-timeout ${value} is not a duration: use e.g. 500ms, 30s or 2m.`);
  return ms;
}

/** `up`'s options for the background instance, as the user gave them (it starts in the same folder, so a relative -f means the same). */
export function backgroundArgs(args: ParsedArgs): string[] {
  const file = args.values.file as string | undefined;
  const ports = (args.values.port as string[] | undefined) ?? [];
  const basePort = args.values['base-port'] as string | undefined;
  const profiles = (args.values.profile as string[] | undefined) ?? [];
  const scales = (args.values.scale as string[] | undefined) ?? [];
  return [
    ...(file === undefined ? [] : ['--file', file]),
    ...ports.flatMap((port) => ['--port', port]),
    ...(basePort === undefined ? [] : ['--base-port', basePort]),
    ...profiles.flatMap((profile) => ['--profile', profile]),
    ...scales.flatMap((scale) => ['--scale', scale]),
    ...(args.values.reclaim === true ? ['--reclaim'] : []),
    ...(args.values.timestamps === true ? ['--timestamps'] : []),
    '--',
    ...args.positionals,
  ];
}

async function reportOutcome(
  outcome: StartupOutcome,
  instance: BackgroundInstance,
  manifest: Manifest,
  services: string[],
  io: CliIO,
  color: boolean,
): Promise<number> {
  const say = (text: string) => io.stderr.write(`devsup: ${text}\n`);
  const where = `in the background (pid ${instance.pid})`;
  switch (outcome.kind) {
    case 'settled': {
      io.stdout.write(`\n${renderPortTable(outcome.report, { color, width: terminalColumns(io.stdout) })}\n`);
      const critical = outcome.failed.find((failure) => manifest.services.find((service) => service.key === failure.service)?.critical);
      const ended = services.length > 0 && (await endsByItself(outcome.report, instance, critical !== undefined)) !== undefined;
      for (const failure of outcome.failed) say(describeFailure(failure));
      if (ended && critical) say(`${critical.service} is critical: devsup stopped every service and has ended.`);
      else if (ended)
        say(outcome.failed.length > 0 ? 'devsup has stopped: no service was left running.' : 'every service has finished; devsup has stopped.');
      else if (outcome.failed.length > 0) say(`the stack keeps running ${where}: \`devsup down\` stops it.`);
      else say(`running ${where}: \`devsup attach\` follows it, \`devsup down\` stops it.`);
      return outcome.failed.length > 0 ? 1 : 0;
    }
    case 'timeout':
      say(`timed out waiting for ${outcome.waiting.join('; ')}.`);
      say(`the stack keeps running ${where}: \`devsup ports\` shows how far it got, \`devsup down\` stops it.`);
      return 1;
    case 'ended': {
      const report = outcome.exitCode === 0 ? readState(manifest.dir)?.report : undefined;
      if (report) io.stdout.write(`\n${renderPortTable(report, { color, width: terminalColumns(io.stdout) })}\n`);
      const messages = instance.messages();
      if (outcome.exitCode === 0) say('every service has finished; devsup has stopped.');
      else io.stderr.write(messages === '' ? `devsup stopped during start-up (exit code ${outcome.exitCode}).\n` : messages);
      if (outcome.exitCode !== 0) say(`its messages are in ${shownPath(instance.logFile)}.`);
      return outcome.exitCode;
    }
    case 'interrupted':
      say(`stopped waiting; the stack goes on starting ${where}: \`devsup ports\` shows how far it got, \`devsup down\` stops it.`);
      return 130;
  }
}

/** "web will not be ready: crashed (exited with code 3)", its last lines, and where to read more. */
export function describeFailure(failure: { service: string; why: string; lastLines: string[] }): string {
  const lines =
    failure.lastLines.length === 0 ? '' : `\nLast lines of ${failure.service}:\n${failure.lastLines.map((line) => `  ${line}`).join('\n')}`;
  return `${failure.service} will not be ready: ${failure.why}.${lines}\n\`devsup logs ${failure.service}\` shows more.`;
}

/**
 * With no service left running, or after a critical one failed, the instance ends by itself (as
 * `up` does): resolves with its exit code once it has, or undefined at once while it runs on.
 */
async function endsByItself(report: PortsReport, instance: BackgroundInstance, criticalFailed: boolean): Promise<number | undefined> {
  if (!criticalFailed && report.services.some((service) => ACTIVE.has(service.status))) return undefined;
  return instance.awaitExit(ENDING_MS);
}
