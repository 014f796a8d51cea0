import { spawn } from 'node:child_process';
import os from 'node:os';
import { DevsupError, messageOf, NoInstanceError, UsageError } from '../../errors.js';
import { expectReply, NoAnswerError, requestInstance, requestOnce } from '../../control/control-client.js';
import { readState } from '../../control/state-folder.js';
import { loadManifest } from '../../manifest/load-manifest.js';
import { withReplicaCounts } from '../../manifest/replicas.js';
import { resolveStackEnv, type AssignedPorts } from '../../manifest/resolve-service.js';
import type { Manifest } from '../../manifest/service-spec.js';
import { shouldColor } from '../../output/color.js';
import type { PortsReport } from '../../output/ports-report.js';
import { showRemoteStartup } from '../../output/remote-startup-view.js';
import type { ServiceStatus } from '../../supervisor/service-status.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { readReport } from '../read-report.js';
import { SignalRelay } from '../relay-signals.js';
import { selectServices, stickyPortsOf } from '../service-args.js';
import { backgroundArgs, describeFailure, parseWaitTimeout, startInBackground, titlesOf } from '../up-detached.js';
import { downInstance } from './down.js';
import { manifestOptions } from '../manifest-options.js';

/** Statuses of a service that `run --up` starts in an instance already running. */
const NOT_RUNNING: ReadonlySet<ServiceStatus> = new Set(['stopped', 'crashed', 'failed']);
/** The longest timer node keeps: "no --wait-timeout" waits this long. */
const FOREVER_MS = 2 ** 31 - 1;
const STOPPED_HINT = 'devsup stopped what it had started for the command; the command did not run.';

/** What `run --up` started, stopped once the command has ended. */
interface Started {
  stop(): Promise<void>;
}

/**
 * `devsup run [--up [SERVICE…] --] COMMAND [ARGS…]`: COMMAND, without a shell, with the stack's
 * environment — the top-level env files and `env`, every `DEVSUP_<KEY>_PORT` and `_URL` of the
 * running instance, or of the ports `up` would give now when none runs — and its exit code
 * (128 + n after signal n). With --up, the services are brought up first and stopped after:
 * a background instance when none runs (then `down`), else those of the running one that were not running.
 * `--scale` and `--profile` mean what they mean to `up`; a running instance's replicas are its own, so a
 * `--scale` it does not match is refused.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const say = (text: string) => io.stderr.write(`devsup: ${text}\n`);
  const manifest = await loadManifest(manifestOptions(args, io, say));
  const running = await runningReport(manifest.dir);
  if (running) refuseOtherScale(manifest, running, (args.values.scale as string[] | undefined) ?? []);
  const relay = new SignalRelay();
  let started: Started | undefined;
  try {
    if (args.values.up === true) {
      const brought = await bringUp(manifest, args, io, relay.signal);
      if (typeof brought === 'number') return brought;
      started = brought;
    }
    if (relay.signal.aborted) return exitCodeOf(relay.signal.reason);
    const { stack, ports } = await stackForCommand(manifest);
    const env = resolveStackEnv(stack, ports, io.env, (name, why) => say(`${name} is left out of the command's environment: ${why}.`));
    return await runCommand(args.positionals, env, io, relay);
  } finally {
    await started?.stop().catch((error: unknown) => say(`could not stop what it started for the command: ${messageOf(error)}`));
    relay.close();
  }
}

/**
 * The named services and their dependencies (all `autostart` ones when none is named), ready: a
 * Started to stop them with, or the exit code when a signal stopped the start-up. A service that
 * will not be ready is an error, after what was started has been stopped again.
 */
async function bringUp(manifest: Manifest, args: ParsedArgs, io: CliIO, signal: AbortSignal): Promise<Started | number> {
  const names = (args.values.services as string[] | undefined) ?? [];
  const services = selectServices(manifest, names);
  const timeoutMs = parseWaitTimeout(args.values['wait-timeout'] as string | undefined);
  const running = await runningReport(manifest.dir);
  if (running) return startInRunningInstance(manifest.dir, running, services, timeoutMs, signal);

  const upArgs = backgroundArgs({ values: { file: args.values.file, profile: args.values.profile, scale: args.values.scale }, positionals: names });
  // Plain lines on stderr: the command's output and terminal stay its own.
  const view = showRemoteStartup(titlesOf(manifest), services, io.stderr, { color: shouldColor(io.stderr, io.env), taskList: false });
  const { instance, outcome } = await startInBackground(manifest, services, upArgs, io, { timeoutMs, onProgress: view.update, signal });
  const stop = async () => void (await downInstance(manifest.dir).catch(ignoreNoInstance));
  switch (outcome.kind) {
    case 'settled':
      if (outcome.failed.length === 0) return { stop };
      await stop();
      throw new DevsupError(outcome.failed.map(describeFailure).join('\n'), 1, STOPPED_HINT);
    case 'timeout':
      await stop();
      throw new DevsupError(`timed out waiting for ${outcome.waiting.join('; ')}.`, 1, STOPPED_HINT);
    case 'interrupted':
      await stop();
      return exitCodeOf(signal.reason);
    case 'ended':
      // Every service finished (one-shots): the command runs with the ports they had.
      if (outcome.exitCode === 0) return { stop: async () => undefined };
      throw new DevsupError(`devsup stopped during start-up (exit code ${outcome.exitCode}):\n${instance.messages().trimEnd()}`, 1);
  }
}

/** In an instance that runs already: starts the services that are not running, and waits until all are ready. */
async function startInRunningInstance(
  folder: string,
  report: PortsReport,
  services: string[],
  timeoutMs: number | undefined,
  signal: AbortSignal,
): Promise<Started | number> {
  const toStart = services.filter((service) => NOT_RUNNING.has(report.services.find((entry) => entry.service === service)?.status ?? 'ready'));
  const stop = async () => {
    // Dependents first: the reverse of the start order.
    if (toStart.length > 0) await requestOnce(folder, { type: 'stop', services: [...toStart].reverse() }, 'done').catch(ignoreNoInstance);
  };
  try {
    if (toStart.length > 0) await requestOnce(folder, { type: 'start', services: toStart }, 'done');
    if (await waitReady(folder, services, timeoutMs ?? FOREVER_MS, signal)) return { stop };
  } catch (error) {
    await stop();
    throw error instanceof DevsupError ? new DevsupError(error.message, error.exitCode, STOPPED_HINT) : error;
  }
  await stop();
  return exitCodeOf(signal.reason);
}

/** True once every service is ready (devsup wait's verdict); false when `signal` aborted first. */
async function waitReady(folder: string, services: string[], timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  if (services.length === 0) return true;
  for await (const reply of requestInstance(folder, { type: 'wait', services, timeoutMs }, signal)) {
    expectReply(reply, 'ready', folder);
    return true;
  }
  if (signal.aborted) return false;
  throw new NoAnswerError(folder);
}

async function runningReport(folder: string): Promise<PortsReport | undefined> {
  try {
    return await readReport(folder);
  } catch (error) {
    if (error instanceof NoInstanceError) return undefined;
    throw error;
  }
}

/**
 * The stack as the command sees it: the running instance's services (with as many replicas as it
 * has: `--scale` and `devsup scale` are not in the manifest) and ports; when none runs, the
 * manifest's and the ports `up` would give now (last run's first, as `up` tries them).
 */
async function stackForCommand(manifest: Manifest): Promise<{ stack: Manifest; ports: AssignedPorts }> {
  const report = await runningReport(manifest.dir);
  if (report) {
    const ports = new Map(report.services.filter((entry) => Object.keys(entry.ports).length > 0).map((entry) => [entry.service, entry.ports]));
    return { stack: withReplicaCounts(manifest, replicaCountsOf(report)), ports };
  }
  const { allocatePorts } = await import('../../ports/allocate-ports.js');
  const allocations = await allocatePorts(manifest, { sticky: stickyPortsOf(readState(manifest.dir)) });
  const ports = new Map(
    allocations
      .filter((allocation) => allocation.ports.length > 0)
      .map((allocation) => [allocation.service, Object.fromEntries(allocation.ports.map((port) => [port.name, port.port]))]),
  );
  return { stack: manifest, ports };
}

/** How many replicas each replicated service of a running instance has. */
function replicaCountsOf(report: PortsReport): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { replicaOf } of report.services) if (replicaOf !== undefined) counts.set(replicaOf, (counts.get(replicaOf) ?? 0) + 1);
  return counts;
}

/** `--scale web=3` beside an instance with another number of web replicas: its ports are not the ones asked for. */
function refuseOtherScale(manifest: Manifest, report: PortsReport, scales: string[]): void {
  const counts = replicaCountsOf(report);
  for (const scale of scales) {
    const service = scale.slice(0, scale.indexOf('=')); // loadManifest has checked the form
    const asked = (manifest.declared ?? manifest.services).find((spec) => spec.key === service)?.replicas;
    const running = counts.get(service) ?? 0;
    if (asked === running) continue;
    const has = running === 0 ? `no replicas of ${service}` : `${running} ${running === 1 ? 'replica' : 'replicas'} of ${service}`;
    throw new UsageError(
      `--scale ${scale}: the running instance has ${has}, so the command would not get the ports it asks for.`,
      running === 0
        ? `Leave --scale out to run the command beside that instance, or stop it (\`devsup down\`) first.`
        : `\`devsup scale ${scale}\` changes the running instance first; or leave --scale out, and the command gets the ports it has.`,
    );
  }
}

/** Runs the command as given (no shell), its stdio the terminal's; resolves with its exit code. */
function runCommand([file, ...rest]: string[], env: Record<string, string>, io: CliIO, relay: SignalRelay): Promise<number> {
  return new Promise((resolve) => {
    const command = spawn(file!, rest, { cwd: io.cwd, env, stdio: 'inherit' });
    relay.relayTo(command);
    command.once('error', (error: NodeJS.ErrnoException) => {
      // As a shell says it: 127 for a command not found, 126 for one that cannot be run.
      io.stderr.write(`devsup: cannot run ${file}: ${error.code === 'ENOENT' ? 'command not found' : messageOf(error)}.\n`);
      resolve(error.code === 'ENOENT' ? 127 : 126);
    });
    command.once('exit', (code, signal) => resolve(code ?? exitCodeOf(signal)));
  });
}

/** 128 + the signal's number, as a shell reports a process a signal ended. */
function exitCodeOf(signal: unknown): number {
  return 128 + (os.constants.signals[signal as NodeJS.Signals] ?? 0);
}

function ignoreNoInstance(error: unknown): undefined {
  if (error instanceof NoInstanceError || error instanceof NoAnswerError) return undefined;
  throw error;
}
