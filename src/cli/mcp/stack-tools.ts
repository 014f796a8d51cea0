import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevsupError, InstanceRunningError, MAX_ISSUES_SHOWN, ManifestError, NoInstanceError, messageOf } from '../../errors.js';
import { expectReply, NoAnswerError, requestInstance, requestOnce } from '../../control/control-client.js';
import { lockHolder } from '../../control/instance-lock.js';
import type { ActionType } from '../../control/protocol.js';
import { readState } from '../../control/state-folder.js';
import { stateFolderOf } from '../../control/state-paths.js';
import { findManifest } from '../../manifest/find-manifest.js';
import { loadManifest } from '../../manifest/load-manifest.js';
import type { Manifest } from '../../manifest/service-spec.js';
import { inArrivalOrder } from '../../output/arrival-order.js';
import { explainAllocations, explainEphemeralOverlaps } from '../../output/explain-allocation.js';
import type { LogLine } from '../../output/log-ring.js';
import { renderPortTable } from '../../output/port-table.js';
import type { PortsReport } from '../../output/ports-report.js';
import { loggedServices, readLogTail } from '../../output/read-log-files.js';
import { isFree, renderWho, renderWhoJson } from '../../output/render-who.js';
import { allocatePorts } from '../../ports/allocate-ports.js';
import { inspectPort } from '../../ports/inspect-port.js';
import { warnAboutLeaseFolder } from '../../ports/port-lease.js';
import { readSystemPorts } from '../../ports/system-ports.js';
import { keysByName } from '../../manifest/replicas.js';
import { didYouMean } from '../../manifest/suggest.js';
import { renderPlannedPorts } from '../commands/check.js';
import { downInstance } from '../commands/down.js';
import { ALL_LINES, parseLogQuery } from '../log-query.js';
import { selectServices } from '../service-args.js';
import { describeFailure, startInBackground, type BackgroundStart } from '../up-detached.js';
import { cutLine, lastPerService, renderLogLines } from './render-log-lines.js';
import { servicesNamed, stackState, type ServiceEntry, type ToolAnswer } from './service-entries.js';

/** Where the server runs and what it was given (`-f`), and where devsup's own notes go. */
export interface StackPlace {
  cwd: string;
  file: string | undefined;
  env: NodeJS.ProcessEnv;
  note(message: string): void;
}

/** Progress of a long tool call ("web: ready on port 8080"), for clients that asked for it. */
export type ProgressReporter = (text: string) => void;

export const DEFAULT_LOG_LINES = 100;
export const MAX_LOG_LINES = 2000;
const DEFAULT_WAIT_SECONDS = 30;
/** Beyond a service's ready_timeout, what a restart is given to stop it and start it again. */
const RESTART_SLACK_MS = 10_000;
const RETRY_MS = 100;
/** How long a start_stack that lost the race to start the stack waits for the winner's socket to answer. */
const JOIN_MS = 10_000;
/** How many of a failed service's last lines a failure shows. */
const FAILURE_LINES = 10;

/**
 * The operations behind the MCP tools, as the CLI does them (up -d, down, restart, wait, logs, who,
 * check), each returning a ToolAnswer or throwing the DevsupError whose message the CLI prints.
 * The manifest is found anew on each call, so one created or moved meanwhile is found.
 */
export class StackTools {
  /** The start_stack calls of this server, one after the other. */
  private starting: Promise<unknown> = Promise.resolve();

  constructor(private readonly place: StackPlace) {}

  /** The folder of the manifest served: its instance and its `.devsup/`. */
  folder(): string {
    return path.dirname(findManifest(this.place.cwd, this.place.file).file);
  }

  async listServices(): Promise<ToolAnswer> {
    const folder = this.folder();
    const report = await this.report(folder);
    if (report) return { text: renderPortTable(report, { color: false }), structured: stackState(report) };
    const planned = await this.plannedServices();
    if ('problems' in planned)
      return {
        text: `devsup is not running in ${folder}, and its manifest cannot be started as it is:\n${planned.problems}\ncheck_manifest lists each problem with its file, line and column.`,
        structured: { running: false, folder, services: [], problems: planned.problems },
      };
    const names = planned.services.map((service) => service.key).join(', ');
    return {
      text: `devsup is not running in ${folder}: no service runs. start_stack starts them${names ? ` (${names})` : ''}.`,
      structured: { running: false, folder, services: planned.services },
    };
  }

  /** One start at a time in this server: a second call made while the first is launching the stack joins that stack. */
  startStack(names: string[] | undefined, progress: ProgressReporter, signal: AbortSignal): Promise<ToolAnswer> {
    const turn = this.starting.then(() => this.startOnce(names, progress, signal));
    this.starting = turn.catch(() => undefined);
    return turn;
  }

  private async startOnce(names: string[] | undefined, progress: ProgressReporter, signal: AbortSignal): Promise<ToolAnswer> {
    const folder = this.folder();
    const running = await this.report(folder);
    if (running) return this.startInInstance(folder, running, names, progress, signal);
    const manifest = await this.loadManifest();
    const services = selectServices(manifest, names ?? []);
    const upArgs = [...(this.place.file === undefined ? [] : ['--file', this.place.file]), '--', ...(names ?? [])];
    let started: BackgroundStart;
    try {
      started = await startInBackground(manifest, services, upArgs, this.io(), {
        onProgress: (service, _status, text) => progress(`${service}: ${text}`),
        signal,
      });
    } catch (error) {
      // One is starting already (another agent's start_stack, a terminal's `up`) and does not answer yet: join it.
      const winner = error instanceof InstanceRunningError ? await this.instanceStartedElsewhere(folder, undefined, signal) : undefined;
      if (winner) return this.startInInstance(folder, winner, names, progress, signal);
      throw error;
    }
    const { instance, outcome } = started;
    const where = `in the background (pid ${instance.pid})`;
    switch (outcome.kind) {
      case 'settled':
        return this.settled(outcome.report, services, outcome.failed, where);
      case 'ended': {
        if (outcome.exitCode === 0)
          return { text: 'every service has finished; devsup has stopped.', structured: { running: false, folder, services: [] } };
        // Ours lost the race to claim the manifest to another devsup started at the same moment: join that one.
        const winner = await this.instanceStartedElsewhere(folder, instance.pid, signal);
        if (winner) return this.startInInstance(folder, winner, names, progress, signal);
        const messages = instance.messages().trimEnd();
        throw new DevsupError(
          `${messages || `devsup stopped during start-up (exit code ${outcome.exitCode}).`}\nIts messages are in ${instance.logFile}.`,
          1,
        );
      }
      case 'timeout':
      case 'interrupted':
        throw new DevsupError(`stopped waiting; the stack goes on starting ${where}: list_services shows how far it got, stop_stack stops it.`, 1);
    }
  }

  /** `down`; with no stack running, that is said and no error: what the agent wants is so already. */
  async stopStack(): Promise<ToolAnswer> {
    const folder = this.folder();
    let pid: number | undefined;
    try {
      pid = await downInstance(folder);
    } catch (error) {
      if (!(error instanceof NoInstanceError)) throw error;
      return { text: `devsup is not running in ${folder}: nothing to stop.`, structured: { running: false, folder, pid: null } };
    }
    const text = pid === undefined ? `devsup in ${folder} has stopped.` : `devsup (pid ${pid}) in ${folder} has stopped.`;
    return { text, structured: { running: false, folder, pid: pid ?? null } };
  }

  /** restart, stop or start, as the CLI; a restart or start then waits until the services are ready again. */
  async serviceAction(action: ActionType, services: string[]): Promise<ToolAnswer> {
    const folder = this.folder();
    const reply = await requestOnce(folder, { type: action, services }, 'done');
    const said = reply.outcomes.map((outcome) => `${outcome.service}: ${outcome.said}`).join('\n');
    if (action === 'stop') {
      const report = (await requestOnce(folder, { type: 'ports' }, 'report')).report;
      return { text: said, structured: { ...stackState(report, services), outcomes: reply.outcomes } };
    }
    const timeoutMs = (await this.readyTimeoutOf(services)) + RESTART_SLACK_MS;
    try {
      const ready = await requestOnce(folder, { type: 'wait', services, timeoutMs }, 'ready');
      return {
        text: `${said}\n${statusLines(ready.report, services)}`,
        structured: { ...stackState(ready.report, services), outcomes: reply.outcomes },
      };
    } catch (error) {
      if (!(error instanceof DevsupError)) throw error;
      throw new DevsupError(`${said}\n${error.message}${await this.lastLinesOf(folder, services)}`, error.exitCode, error.hint);
    }
  }

  /** Blocks until the services (all that are meant to run, by default) are ready; at once with why when one will not be. */
  async waitReady(names: string[] | undefined, timeoutSeconds: number | undefined, signal: AbortSignal): Promise<ToolAnswer> {
    const folder = this.folder();
    const askedMs = Math.round((timeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000);
    const deadline = Date.now() + askedMs;
    for (;;) {
      try {
        const report = (await requestOnce(folder, { type: 'ports' }, 'report', signal)).report;
        const services = names ?? report.services.filter((service) => service.status !== 'stopped').map((service) => service.service);
        if (services.length === 0) return { text: 'no service is meant to run: nothing to wait for.', structured: stackState(report, []) };
        const request = { type: 'wait' as const, services, timeoutMs: Math.max(0, deadline - Date.now()), askedMs };
        try {
          const ready = await requestOnce(folder, request, 'ready', signal);
          return { text: statusLines(ready.report, services), structured: stackState(ready.report, services) };
        } catch (error) {
          if (!(error instanceof DevsupError) || error instanceof NoInstanceError || error instanceof NoAnswerError) throw error;
          throw new DevsupError(`${error.message}${await this.lastLinesOf(folder, services)}`, error.exitCode, error.hint);
        }
      } catch (error) {
        // As `devsup wait`: no instance yet is waited for; one that stops while it is waited on (NoAnswerError) ends the wait.
        if (!(error instanceof NoInstanceError)) throw error;
        if (signal.aborted) throw new DevsupError('stopped waiting: the request was cancelled.', 1);
        if (Date.now() + RETRY_MS > deadline)
          throw new DevsupError(`devsup is not running in ${folder} (waited ${askedMs / 1000} s for it to start).`, 1, 'start_stack starts it.');
        await sleep(RETRY_MS);
      }
    }
  }

  async readLogs(options: { service?: string; lines?: number; sinceRestart?: boolean; grep?: string; since?: string }): Promise<ToolAnswer> {
    const query = parseLogQuery(
      {
        lines: String(options.lines ?? DEFAULT_LOG_LINES),
        ...(options.grep !== undefined && { grep: options.grep }),
        ...(options.since !== undefined && { since: options.since }),
      },
      Date.now(),
    );
    const folder = this.folder();
    const names = options.service === undefined ? [] : [options.service];
    const filtered = options.sinceRestart === true || query.grep !== undefined;
    const wanted = filtered ? ALL_LINES : query.lines;
    let lines: LogLine[];
    let starts: Map<string, number>;
    try {
      const report = (await requestOnce(folder, { type: 'ports' }, 'report')).report;
      starts = runStarts(report);
      const since = options.sinceRestart === true ? Math.max(query.since ?? 0, earliest(starts, report, names)) : query.since;
      const request = { type: 'logs' as const, services: names, lines: wanted, follow: false, ...(since !== undefined && { since }) };
      lines = [];
      for await (const reply of requestInstance(folder, request)) {
        if (reply.type === 'end') break;
        lines.push(...expectReply(reply, 'lines', folder).lines);
      }
    } catch (error) {
      if (!(error instanceof NoInstanceError || error instanceof NoAnswerError)) throw error;
      starts = runStarts(readState(folder)?.report);
      lines = this.linesFromFiles(folder, names, wanted, query.since);
    }
    const kept = lines.filter(
      (line) =>
        (options.sinceRestart !== true || (line.time !== undefined && line.time >= (starts.get(line.service) ?? Infinity))) &&
        (query.grep === undefined || query.grep.test(line.text)),
    );
    return renderLogLines(lastPerService(kept, query.lines));
  }

  async whoHoldsPort(port: number): Promise<ToolAnswer> {
    warnAboutLeaseFolder((message) => this.place.note(message));
    const inspection = await inspectPort(port);
    const structured = JSON.parse(renderWhoJson(inspection)) as Record<string, unknown>;
    return { text: renderWho(inspection), structured: { ...structured, free: isFree(inspection) } };
  }

  async checkManifest(): Promise<ToolAnswer> {
    let manifest: Manifest;
    try {
      manifest = await this.loadManifest();
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      // As many as its text shows (MAX_ISSUES_SHOWN), which says how many more there are.
      const problems = error.issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => {
        // "unknown key "comand" — did you mean "command"?": what is wrong, then what to do.
        const [message, hint] = issue.message.split(' — ', 2) as [string, string | undefined];
        return { file: issue.file, line: issue.line, column: issue.column, message, hint: hint ?? null };
      });
      return { text: error.message, structured: { valid: false, problems }, isError: true };
    }
    warnAboutLeaseFolder((message) => this.place.note(message));
    const allocations = await allocatePorts(manifest);
    const notes = [...explainAllocations(manifest, allocations), ...explainEphemeralOverlaps(manifest, (await readSystemPorts()).ephemeral)];
    const services = manifest.services.map((service) => {
      const allocation = allocations.find((candidate) => candidate.service === service.key);
      return {
        key: service.key,
        title: service.title,
        autostart: service.autostart,
        dependsOn: service.dependsOn.map((dependency) => ({ service: dependency.service, condition: dependency.condition })),
        ready: service.ready.kind,
        readyTimeoutMs: service.readyTimeoutMs,
        ports: (allocation?.ports ?? []).map((port) => ({
          name: port.name,
          port: port.port,
          preferred: port.preferred ?? null,
          plan: port.port === port.preferred ? 'preferred port is free' : port.source === 'os' ? 'OS-assigned' : `fallback (${port.source})`,
        })),
        ...(allocation?.failure !== undefined && { failure: allocation.failure }),
      };
    });
    const text = [renderPlannedPorts(manifest, allocations).trimEnd(), ...notes, `${manifest.file} is valid.`].join('\n');
    return { text, structured: { valid: true, file: manifest.file, sources: manifest.sources, services, notes } };
  }

  /** `devsup://ports`: the `devsup ports --json` object. */
  async portsJson(): Promise<PortsReport> {
    const folder = this.folder();
    const report = await this.report(folder);
    if (!report) throw new NoInstanceError(folder);
    return report;
  }

  /**
   * The report of the devsup (not `ours`) that holds the manifest's lock, once its socket answers;
   * undefined when none holds it, or it does not answer within JOIN_MS.
   */
  private async instanceStartedElsewhere(folder: string, ours: number | undefined, signal: AbortSignal): Promise<PortsReport | undefined> {
    const deadline = Date.now() + JOIN_MS;
    for (;;) {
      const holder = lockHolder(stateFolderOf(folder));
      if (holder === undefined || holder === ours) return undefined;
      const report = await this.report(folder);
      if (report || signal.aborted || Date.now() + RETRY_MS > deadline) return report;
      await sleep(RETRY_MS);
    }
  }

  /** The running instance's report, or undefined when none runs. */
  private async report(folder: string): Promise<PortsReport | undefined> {
    try {
      return (await requestOnce(folder, { type: 'ports' }, 'report')).report;
    } catch (error) {
      if (error instanceof NoInstanceError || error instanceof NoAnswerError) return undefined;
      throw error;
    }
  }

  private loadManifest(): Promise<Manifest> {
    return loadManifest({ cwd: this.place.cwd, file: this.place.file, note: this.place.note, env: this.place.env });
  }

  private io() {
    // The background instance's output goes to its devsup.log, never to this process's stdout (the MCP stream).
    return { cwd: this.place.cwd, env: this.place.env, stdout: process.stderr, stderr: process.stderr };
  }

  /** With no instance: the manifest's services, not running, with the ports they prefer; or what keeps it from being read. */
  private async plannedServices(): Promise<{ services: ServiceEntry[] } | { problems: string }> {
    let manifest: Manifest;
    try {
      manifest = await this.loadManifest();
    } catch (error) {
      if (!(error instanceof DevsupError)) throw error;
      return { problems: errorText(error) };
    }
    const services = manifest.services.map((service) => {
      const preferred = service.ports[0]?.preferred;
      return {
        key: service.key,
        title: service.title,
        status: 'not running',
        port: null,
        ports: {},
        preferred: typeof preferred === 'number' ? preferred : null,
        url: null,
        pid: null,
        restarts: 0,
      };
    });
    return { services };
  }

  /** start_stack with an instance running: the named services started in it, then followed until they settle. */
  private async startInInstance(
    folder: string,
    running: PortsReport,
    names: string[] | undefined,
    progress: ProgressReporter,
    signal: AbortSignal,
  ): Promise<ToolAnswer> {
    if (names !== undefined && names.length > 0) await requestOnce(folder, { type: 'start', services: names }, 'done', signal);
    const services = names?.length ? names : running.services.filter((service) => service.status !== 'stopped').map((service) => service.service);
    for await (const reply of requestInstance(folder, { type: 'startup', services }, signal)) {
      if (reply.type === 'progress') progress(`${reply.service}: ${reply.text}`);
      else {
        const settled = expectReply(reply, 'settled', folder);
        return this.settled(settled.report, services, settled.failed, `(pid ${settled.report.pid})`);
      }
    }
    throw new DevsupError(`stopped waiting; the stack goes on starting (pid ${running.pid}): list_services shows how far it got.`, 1);
  }

  private settled(
    report: PortsReport,
    services: string[],
    failed: { service: string; why: string; lastLines: string[] }[],
    where: string,
  ): ToolAnswer {
    const table = renderPortTable(report, { color: false });
    if (failed.length > 0)
      throw new DevsupError(
        `${failed.map((failure) => describeFailure({ ...failure, lastLines: failure.lastLines.map(cutLine) })).join('\n')}\n\n${table}\nThe stack keeps running ${where}: read_logs shows more, stop_stack stops it.`,
        1,
      );
    return { text: `${table}\nRunning ${where}; stop_stack stops it.`, structured: stackState(report, services) };
  }

  /** The longest ready_timeout of `services`, from the manifest on disk (the default where it cannot be read). */
  private async readyTimeoutOf(services: string[]): Promise<number> {
    try {
      const manifest = await this.loadManifest();
      // `web` of a replicated service: its replicas, whose keys are web.1, web.2…
      const named = manifest.services.filter(
        (service) => services.includes(service.key) || (service.replica !== undefined && services.includes(service.replica.group)),
      );
      return Math.max(0, ...named.map((service) => service.readyTimeoutMs));
    } catch {
      return 60_000;
    }
  }

  /** "\nLast lines of web:\n  …" for each of `services` that has any; nothing when they cannot be read. */
  private async lastLinesOf(folder: string, services: string[]): Promise<string> {
    try {
      const lines: LogLine[] = [];
      for await (const reply of requestInstance(folder, { type: 'logs', services, lines: FAILURE_LINES, follow: false })) {
        if (reply.type === 'end') break;
        lines.push(...expectReply(reply, 'lines', folder).lines);
      }
      // By the lines' own keys: `web` of a replicated service is web.1, web.2…
      const keys = [...new Set(lines.map((line) => line.service))];
      return keys
        .map(
          (key) =>
            `\nLast lines of ${key}:\n${lines
              .filter((line) => line.service === key)
              .map((line) => `  ${cutLine(line.text)}`)
              .join('\n')}`,
        )
        .join('');
    } catch (error) {
      this.place.note(`could not read the last lines: ${messageOf(error)}`);
      return '';
    }
  }

  /** With no instance: the services' last lines from `.devsup/logs/`, merged by arrival time. */
  private linesFromFiles(folder: string, names: string[], n: number, since: number | undefined): LogLine[] {
    const stateFolder = stateFolderOf(folder);
    const logged = loggedServices(stateFolder);
    if (logged.length === 0) throw new NoInstanceError(folder);
    for (const name of names) {
      if (keysByName(logged, name).length === 0)
        throw new DevsupError(
          `no logs of a service "${name}" in ${stateFolder}${didYouMean(name, logged)}`,
          2,
          `Logged services: ${logged.join(', ')}.`,
        );
    }
    // `web` of a replicated service: the logs of web.1, web.2…
    const services = names.length > 0 ? names.flatMap((name) => keysByName(logged, name)) : logged;
    return inArrivalOrder(services.flatMap((service) => readLogTail(stateFolder, service, n, since).lines));
  }
}

/** "web is ready on port 8080", one line per service `names` mean. */
function statusLines(report: PortsReport, names: string[]): string {
  return servicesNamed(report, names)
    .map(
      (service) =>
        `${service.service} is ${service.status}${service.port === null ? '' : ` on port ${service.port}`}${service.pid === null ? '' : ` (pid ${service.pid})`}`,
    )
    .join('\n');
}

/** Each service's current run's start (ms since the epoch), from a report. */
function runStarts(report: PortsReport | undefined): Map<string, number> {
  return new Map(
    (report?.services ?? []).flatMap((service) =>
      service.startedAt === undefined ? [] : [[service.service, Date.parse(service.startedAt)] as const],
    ),
  );
}

/** The earliest run start of the services `names` mean (all with none named): where the instance need look from. */
function earliest(starts: Map<string, number>, report: PortsReport, names: string[]): number {
  const keys = servicesNamed(report, names.length > 0 ? names : undefined).map((service) => service.service);
  const times = keys.map((key) => starts.get(key) ?? Date.now());
  return times.length === 0 ? Date.now() : Math.min(...times);
}

/** A DevsupError as the CLI prints it: the message, then the hint. */
export function errorText(error: DevsupError): string {
  return error.hint ? `${error.message}\n${error.hint}` : error.message;
}
