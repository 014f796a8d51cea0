import { messageOf } from '../errors.js';
import { EventEmitter } from 'node:events';
import { startsByItself, type Manifest, type ServiceSpec } from '../manifest/service-spec.js';
import { startOrder, withDependencies } from '../manifest/dependency-graph.js';
import { withReplicaCounts } from '../manifest/replicas.js';
import { resolveService, servicesReferencedBy, type AssignedPorts, type ResolvedService } from '../manifest/resolve-service.js';
import { diffServices, portsChanged, sameLaunch, type ManifestChanges } from './manifest-diff.js';
import { allocatePorts } from '../ports/allocate-ports.js';
import { releaseLease } from '../ports/port-lease.js';
import { findOwnMarkedProcesses, stopMarkedProcesses } from '../ports/marked-processes.js';
import { OutputBus } from './output-bus.js';
import type { PortAssignment, ServiceAllocation } from '../ports/port-types.js';
import { ServiceRunner, type MoveOptions, type RunnerSeams } from './service-runner.js';
import type { StopReason } from './service-status.js';
import type { Watchdog } from './watchdog.js';
import { dependencyVerdict } from './dependency-gate.js';

export interface SupervisorOptions {
  manifest: Manifest;
  allocations: ServiceAllocation[];
  warn(message: string): void;
  /** Extra variables for every child, e.g. FORCE_COLOR when devsup's own output is a TTY. */
  extraEnv?: Record<string, string>;
  watchdog?: Watchdog;
  /** The runners' OS edges; the real ones unless a test passes others. */
  seams?: RunnerSeams;
}

/** Escaped processes of a service no longer in the manifest get the default stop_timeout. */
const ORPHAN_GRACE_MS = 5_000;

interface SupervisorEvents {
  change: [ServiceRunner];
  /** Every selected service is ready, running, finished, failed or blocked (again): time for the table. */
  settled: [];
  /** A service moved to a new port: time for the table again. */
  portChanged: [ServiceRunner];
}

/** Everything the supervisor knows of one service: one record each, no parallel maps. */
interface ServiceRecord {
  runner: ServiceRunner;
  /** Chosen to run in this instance (named, `autostart`, started later, or added by an edit). */
  selected: boolean;
  /** Stopped by `devsup stop`: it may be started again, so it keeps `up` running. */
  stoppedOnRequest: boolean;
  /** Why allocation gave it no port: it fails when it would start. */
  allocationFailure?: string;
}

/**
 * Owns one runner per service: starts them in dependency order as their dependencies allow,
 * notices when nothing is left to run, and stops everything in reverse dependency order. A failure
 * in work of its own that runs in the background (a restart, a move of dependents) is said and
 * stops everything with exit code 1: it never goes unseen.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  /** Every service's output and devsup's notes about them, for output/ to render and control/ to read. */
  readonly output: OutputBus;
  /** Resolves with devsup's exit code once nothing runs or may still start, or after `shutdown`. */
  readonly done: Promise<number>;
  /** The manifest in force: the one devsup started with, or the last valid edit of it. */
  manifest: Manifest;
  private readonly records = new Map<string, ServiceRecord>();
  private runnerView: Map<string, ServiceRunner> | undefined;
  private finish!: (code: number) => void;
  private shuttingDown = false;
  /** Set once `shutdown` has stopped every service and every process that escaped its group. */
  stoppedEverything = false;
  /** Whether, at the last check, nothing selected was starting, restarting or waiting to start. */
  private settled = false;
  private restartsUnderway = 0;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.manifest = options.manifest;
    this.output = new OutputBus(options.manifest.services.map((spec) => spec.key));
    const allocations = new Map(options.allocations.map((allocation) => [allocation.service, allocation]));
    for (const spec of options.manifest.services) {
      const allocation = allocations.get(spec.key);
      this.records.set(spec.key, {
        runner: this.createRunner(spec, allocation?.ports ?? []),
        selected: false,
        stoppedOnRequest: false,
        allocationFailure: allocation?.failure,
      });
    }
  }

  /** Every service's runner, in the manifest's order. */
  get runners(): ReadonlyMap<string, ServiceRunner> {
    this.runnerView ??= new Map([...this.records].map(([key, record]) => [key, record.runner]));
    return this.runnerView;
  }

  /** The services chosen to run (by `start`, `startService` or a manifest edit that added them). */
  selectedServices(): ServiceSpec[] {
    return this.manifest.services.filter((spec) => this.records.get(spec.key)?.selected);
  }

  /**
   * Starts `selected` (keys in start order, dependencies included) as their dependencies allow;
   * the other services keep their planned ports' numbers for `${svc.port}` and a later start.
   */
  start(selected: string[]): void {
    for (const [key, record] of this.records) record.selected = selected.includes(key);
    for (const record of this.records.values()) this.prepare(record);
    this.advance();
  }

  /**
   * Starts a service that is not running (e.g. `autostart: false`, or stopped by hand) and whatever
   * it depends on that does not run either.
   */
  startService(key: string): void {
    // A restart still under way when everything is being stopped must not start anything again.
    if (this.shuttingDown) return;
    for (const name of withDependencies(this.manifest.services, [key])) {
      const record = this.records.get(name)!;
      const { runner } = record;
      // A dependency that runs, or finished its work (a one-shot migration), is left as it is.
      if (name !== key && (runner.isActive || runner.status === 'pending' || runner.status === 'exited')) continue;
      record.selected = true;
      record.stoppedOnRequest = false;
      runner.queue();
    }
    this.advance();
  }

  /** Whether a stopped service stays so until asked (`devsup start`): left out of this run, or stopped on purpose, and no restart under way. */
  staysStopped(key: string): boolean {
    const record = this.records.get(key);
    return record?.runner.status === 'stopped' && this.restartsUnderway === 0 && (!record.selected || record.stoppedOnRequest);
  }

  /** Stops one service on purpose; it keeps its port, for a later start. Dependents keep running. */
  async stopService(key: string, reason: StopReason = 'requested'): Promise<void> {
    const record = this.records.get(key)!;
    record.stoppedOnRequest = true;
    await record.runner.stop(reason);
  }

  /**
   * Stops and starts one service again on the same port; not counted as a crash. With `preferred`,
   * on its preferred ports when they are free; then the answer says why it kept the ones it has.
   */
  async restartService(key: string, options: { preferred?: boolean } = {}): Promise<string | undefined> {
    return (await this.restartServices([key], options)).get(key);
  }

  /**
   * Restarts several services together: all are stopped (dependents first) before any starts, since
   * starting a dependent also starts its dependencies — one still stopping would be started twice.
   * Returns, per service that could not go back to its preferred ports, why.
   */
  async restartServices(keys: string[], options: { preferred?: boolean; reason?: StopReason } = {}): Promise<Map<string, string>> {
    const kept = new Map<string, string>();
    await this.whileRestarting(async () => {
      await this.stopDependentsFirst(keys, (key) => this.stopService(key, options.reason ?? 'restart'));
      for (const key of options.preferred ? keys : []) {
        const why = await this.returnToPreferredPorts(this.records.get(key)!.runner);
        if (why !== undefined) kept.set(key, why);
      }
      for (const key of startOrder(this.manifest.services)) if (keys.includes(key)) this.startService(key);
    });
    return kept;
  }

  /**
   * Applies an edited manifest as a difference: added services start, removed ones stop, services
   * whose definition — or whose command or environment once interpolated, e.g. through a moved
   * `${svc.port}` — changed restart; every other service keeps its process and port.
   */
  async applyManifest(next: Manifest): Promise<ManifestChanges> {
    return this.whileRestarting(() => this.applyDifference(next));
  }

  /**
   * Gives replicated services another number of replicas (`devsup scale`): new ones get ports and
   * start, the highest numbers go, and every other replica and service keeps its process; a service
   * whose command or env lists the replicas' ports (`${web.ports}`) restarts. Until the manifest is
   * edited: a reload applies its `replicas` again.
   */
  async scale(counts: Map<string, number>): Promise<ManifestChanges> {
    return this.applyManifest(withReplicaCounts(this.manifest, counts));
  }

  /** Resolves once every selected service has settled (at once if they have): after start-up, or after an edit was applied. */
  whenSettled(): Promise<void> {
    return this.settled ? Promise.resolve() : new Promise((resolve) => this.once('settled', resolve));
  }

  /**
   * Stops every service, dependents before their dependencies; resolves when all are gone. It always
   * ends `done`: a service that could not be stopped is said, and the exit code is then 1.
   */
  async shutdown(exitCode: 0 | 1 = 0): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    // A stop on request is clean, but it does not make a service that crashed for good a success.
    let failed = [...this.records.values()].some(({ runner, selected }) => selected && (runner.status === 'crashed' || runner.status === 'failed'));
    try {
      await this.stopDependentsFirst([...this.records.keys()], (key) => this.records.get(key)!.runner.stop('shutdown', { sweepEscaped: false }));
      // One look for every service's escaped processes, rather than one per service.
      const escaped = findOwnMarkedProcesses();
      const orphans = escaped.filter((entry) => !this.records.has(entry.service)); // of services an edit removed
      await Promise.all([
        ...[...this.records.values()].map(({ runner }) => runner.stopEscaped(escaped.filter((entry) => entry.service === runner.spec.key))),
        stopMarkedProcesses(orphans, 'SIGTERM', ORPHAN_GRACE_MS),
      ]);
      this.stoppedEverything = true;
    } catch (error) {
      failed = true;
      this.options.warn(`could not stop every service cleanly: ${messageOf(error)}`);
    } finally {
      this.finish(failed ? 1 : exitCode);
    }
  }

  /** SIGKILL to every service's tree at once (a second Ctrl-C). */
  async killAll(): Promise<void> {
    await Promise.all([...this.records.values()].map(({ runner }) => runner.kill()));
  }

  private createRunner(spec: ServiceSpec, ports: PortAssignment[]): ServiceRunner {
    const runner = new ServiceRunner(
      spec,
      ports,
      {
        output: this.output,
        warn: this.options.warn,
        watchdog: this.options.watchdog,
        resolve: () => this.resolve(spec),
        reassignPorts: (moving, avoid) => this.reassignPorts(moving, avoid),
      },
      this.options.seams,
    );
    runner.on('change', () => this.onRunnerChange(runner));
    runner.on('portChanged', () => this.onPortChanged(runner));
    return runner;
  }

  /** A service's command and full environment with the current manifest and every service's current ports. */
  private resolve(spec: ServiceSpec, portsOf: Map<string, PortAssignment[]> = this.currentPorts()): ResolvedService {
    const assigned: AssignedPorts = new Map([...portsOf].map(([key, ports]) => [key, portRecord(ports)]));
    return resolveService(this.manifest, spec, assigned, process.env, { extraEnv: this.options.extraEnv });
  }

  /** Every service's ports now, as `${svc.port}` sees them. */
  private currentPorts(): Map<string, PortAssignment[]> {
    return new Map([...this.records].map(([key, { runner }]) => [key, runner.ports]));
  }

  /** Services stopped on the way to their restart must not look like the end of everything. */
  private async whileRestarting<T>(work: () => Promise<T>): Promise<T> {
    this.restartsUnderway += 1;
    try {
      return await work();
    } finally {
      this.restartsUnderway -= 1;
      this.advance();
    }
  }

  private async applyDifference(next: Manifest): Promise<ManifestChanges> {
    const previous = new Map(this.manifest.services.map((spec) => [spec.key, spec]));
    const changes = diffServices(this.manifest, next);
    await Promise.all([...changes.removed, ...changes.restarted].map((key) => this.records.get(key)!.runner.stop('reload')));
    for (const key of changes.removed) this.forget(key);
    this.manifest = next;
    const portsOf = this.currentPorts();
    const failures = new Map<string, string>();
    const needPorts = [...changes.added, ...changes.restarted.filter((key) => portsChanged(previous.get(key)!, next, key))];
    if (needPorts.length > 0) {
      const exclude = new Set(
        [...portsOf].filter(([key]) => !needPorts.includes(key)).flatMap(([, ports]) => ports.map((assignment) => assignment.port)),
      );
      for (const allocation of await allocatePorts(next, { only: needPorts, exclude })) {
        this.giveBackPorts(portsOf.get(allocation.service) ?? [], allocation.ports);
        portsOf.set(allocation.service, allocation.ports);
        if (allocation.failure) failures.set(allocation.service, allocation.failure);
      }
    }
    // Unchanged so far, but their interpolated command or environment differs now (a moved `${svc.port}`).
    for (const key of changes.unchanged) {
      const { runner } = this.records.get(key)!;
      if (runner.launchedWith && !sameLaunch(runner.launchedWith, this.resolve(runner.spec, portsOf))) {
        changes.unchanged = changes.unchanged.filter((other) => other !== key);
        changes.restarted.push(key);
        await runner.stop('reload');
      }
    }
    const replaced = new Set([...changes.added, ...changes.restarted]);
    this.rebuildRecords(next, replaced, portsOf, failures);
    for (const key of replaced) {
      this.output.addKey(key);
      this.prepare(this.records.get(key)!);
    }
    return changes;
  }

  /** The records in the manifest's order, with new runners for the `replaced` keys (added ones are selected when they start by themselves). */
  private rebuildRecords(next: Manifest, replaced: Set<string>, portsOf: Map<string, PortAssignment[]>, failures: Map<string, string>): void {
    const kept = new Map(this.records);
    this.records.clear();
    this.runnerView = undefined;
    for (const spec of next.services) {
      const existing = kept.get(spec.key);
      if (existing && !replaced.has(spec.key)) {
        this.records.set(spec.key, existing);
        continue;
      }
      existing?.runner.removeAllListeners();
      const runner = this.createRunner(spec, portsOf.get(spec.key) ?? []);
      this.records.set(spec.key, {
        runner,
        selected: existing?.selected ?? startsByItself(spec),
        stoppedOnRequest: false,
        allocationFailure: failures.get(spec.key),
      });
    }
  }

  private forget(key: string): void {
    const record = this.records.get(key);
    if (!record) return;
    this.giveBackPorts(record.runner.ports, []);
    record.runner.removeAllListeners();
    this.records.delete(key);
    this.runnerView = undefined;
  }

  /** A service that will not start (not selected, or no port) says so; the rest wait in `pending`. */
  private prepare(record: ServiceRecord): void {
    if (!record.selected) {
      record.runner.leaveOut(); // it keeps the port's number for `${svc.port}` and a later start
      return;
    }
    const failure = record.allocationFailure;
    record.allocationFailure = undefined;
    if (failure) record.runner.fail(failure);
  }

  /** Gives a stopped service its preferred ports again when all are free; else says who holds one. */
  private async returnToPreferredPorts(runner: ServiceRunner): Promise<string | undefined> {
    if (runner.ports.every((assignment) => assignment.preferred === undefined || assignment.port === assignment.preferred)) return undefined;
    const [allocation] = await allocatePorts(this.manifest, { only: [runner.spec.key], exclude: this.portsOfOthers(runner), preferredOnly: true });
    if (!allocation || allocation.failure) return allocation?.failure ?? 'its preferred port could not be had';
    this.giveBackPorts(runner.ports, allocation.ports);
    runner.moveTo(allocation.ports);
    return undefined;
  }

  /**
   * Stops `keys` at once, except that each waits for the services among them that depend on it. One
   * that fails to stop does not keep the others running: all are tried, then the first failure is thrown.
   */
  private async stopDependentsFirst(keys: string[], stop: (key: string) => Promise<void>): Promise<void> {
    const stopped = new Map<string, Promise<unknown>>();
    // Walk from the last started, so a service's dependents have their promises when it is reached.
    for (const key of startOrder(this.manifest.services).reverse()) {
      if (!keys.includes(key)) continue;
      const dependents = this.dependentsOf(key).map((dependent) => stopped.get(dependent) ?? Promise.resolve());
      stopped.set(
        key,
        Promise.allSettled(dependents).then(() => stop(key)),
      );
    }
    const failure = (await Promise.allSettled(stopped.values())).find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** New ports for a service whose own were taken: allocated as at start, never one another service of ours has. */
  private async reassignPorts(runner: ServiceRunner, avoid: MoveOptions): Promise<PortAssignment[] | { failure: string }> {
    const [allocation] = await allocatePorts(this.manifest, { only: [runner.spec.key], exclude: this.portsOfOthers(runner), ...avoid });
    if (!allocation || allocation.failure) return { failure: allocation?.failure ?? 'no port could be allocated' };
    this.giveBackPorts(runner.ports, allocation.ports);
    return allocation.ports;
  }

  private portsOfOthers(runner: ServiceRunner): Set<number> {
    return new Set(
      [...this.records.values()]
        .filter((other) => other.runner !== runner)
        .flatMap((other) => other.runner.ports.map((assignment) => assignment.port)),
    );
  }

  /** Leases on the ports a service no longer uses go back at once, so other devsup instances may have them. */
  private giveBackPorts(before: PortAssignment[], after: PortAssignment[]): void {
    const kept = new Set(after.map((assignment) => assignment.port));
    for (const { port } of before) if (!kept.has(port)) releaseLease(port);
  }

  /** Restarts the running services whose command, env or url use the moved service's port. */
  private onPortChanged(moved: ServiceRunner): void {
    this.emit('portChanged', moved);
    const users = [...this.records.values()]
      .map(({ runner }) => runner)
      .filter((runner) => runner !== moved && runner.isActive && servicesReferencedBy(this.manifest, runner.spec).has(moved.spec.key));
    for (const runner of users) this.options.warn(`restarting ${runner.spec.key}: it uses the port of ${moved.spec.key}, now ${moved.port}.`);
    if (users.length > 0)
      this.inBackground(
        this.restartServices(
          users.map((runner) => runner.spec.key),
          { reason: 'port moved' },
        ),
        'restarting the services that use a moved port',
      );
  }

  /** Work that nobody awaits: a failure in it is said, and stops everything with exit code 1. */
  private inBackground(work: Promise<unknown>, what: string): void {
    work
      .catch((error: unknown) => {
        this.options.warn(`${what} failed, so devsup stops everything: ${messageOf(error)}`);
        return this.shutdown(1);
      })
      .catch(() => undefined); // the shutdown's own failure has nothing left to tell it to
  }

  private dependentsOf(key: string): string[] {
    return this.manifest.services.filter((s) => s.dependsOn.some((d) => d.service === key)).map((s) => s.key);
  }

  private onRunnerChange(runner: ServiceRunner): void {
    this.emit('change', runner);
    if (this.shuttingDown) return;
    if ((runner.status === 'crashed' || runner.status === 'failed') && runner.spec.critical && this.records.get(runner.spec.key)?.selected) {
      this.options.warn(`${runner.spec.key} is critical and ${runner.status === 'crashed' ? 'crashed' : 'could not start'}: stopping everything.`);
      this.inBackground(this.shutdown(1), 'stopping everything after a critical service gave up');
      return;
    }
    this.advance();
  }

  /** Starts every pending service whose dependencies allow it, marks blocked ones, and checks for the end. */
  private advance(): void {
    if (this.shuttingDown) return;
    for (const key of startOrder(this.manifest.services)) {
      const { runner, selected } = this.records.get(key)!;
      if (!selected || runner.status !== 'pending') continue;
      const verdict = dependencyVerdict(runner.spec, this.runners);
      if (verdict.kind === 'go')
        void runner.start(); // never rejects: a failure becomes its status
      else runner.wait(verdict.detail);
    }
    this.checkProgress();
  }

  private checkProgress(): void {
    if (this.restartsUnderway > 0) return;
    const records = [...this.records.values()].filter((record) => record.selected);
    const selected = records.map((record) => record.runner);
    const waiting = selected.filter((runner) => runner.status === 'pending' && dependencyVerdict(runner.spec, this.runners).kind !== 'blocked');
    const settled = selected.every((runner) => runner.status !== 'starting' && runner.status !== 'restarting') && waiting.length === 0;
    const justSettled = settled && !this.settled;
    this.settled = settled;
    if (justSettled) this.emit('settled');
    // Nothing selected (every service has autostart: false): devsup waits for `devsup start`.
    const stoppedOnRequest = [...this.records.values()].some((record) => record.stoppedOnRequest);
    if (selected.length === 0 || waiting.length > 0 || stoppedOnRequest || selected.some((runner) => runner.isActive)) return;
    const failed = selected.some((runner) => runner.status === 'crashed' || runner.status === 'failed');
    this.finish(failed ? 1 : 0);
  }
}

function portRecord(assignments: PortAssignment[]): Record<string, number> {
  return Object.fromEntries(assignments.map((assignment) => [assignment.name, assignment.port]));
}
