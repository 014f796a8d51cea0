import { EventEmitter } from 'node:events';
import type { Manifest, ServiceSpec } from '../manifest/service-spec.js';
import { startOrder, withDependencies } from '../manifest/dependency-graph.js';
import { resolveService, servicesReferencedBy, type AssignedPorts, type ResolvedService } from '../manifest/resolve-service.js';
import { diffServices, portsChanged, sameLaunch, type ManifestChanges } from './manifest-diff.js';
import { allocatePorts } from '../ports/allocate-ports.js';
import { releaseLease } from '../ports/port-lease.js';
import { findMarkedProcesses, ownStartTime, stopMarkedProcesses } from '../ports/marked-processes.js';
import { OutputBus } from './output-bus.js';
import type { PortAssignment, ServiceAllocation } from '../ports/port-types.js';
import { ServiceRunner, type MoveOptions } from './service-runner.js';
import type { Watchdog } from './watchdog.js';
import { dependencyVerdict } from './dependency-gate.js';

export interface SupervisorOptions {
  manifest: Manifest;
  allocations: ServiceAllocation[];
  warn(message: string): void;
  /** Extra variables for every child, e.g. FORCE_COLOR when devsup's own output is a TTY. */
  extraEnv?: Record<string, string>;
  watchdog?: Watchdog;
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

/**
 * Owns one runner per service: starts them in dependency order as their dependencies allow,
 * notices when nothing is left to run, and stops everything in reverse dependency order.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly runners = new Map<string, ServiceRunner>();
  /** Every service's output and devsup's notes about them, for output/ to render and control/ to read. */
  readonly output: OutputBus;
  /** Resolves with devsup's exit code once nothing runs or may still start, or after `shutdown`. */
  readonly done: Promise<number>;
  private finish!: (code: number) => void;
  private selected = new Set<string>();
  private shuttingDown = false;
  /** Whether, at the last check, nothing selected was starting, restarting or waiting to start. */
  private settled = false;
  private restartsUnderway = 0;
  /** Stopped by `devsup stop`: such a service may be started again, so it keeps `up` running. */
  private readonly stoppedOnRequest = new Set<string>();
  /** Every service's current ports, as `${svc.port}` sees them. */
  private readonly ports: AssignedPorts = new Map();

  /** The manifest in force: the one devsup started with, or the last valid edit of it. */
  manifest: Manifest;
  /** Allocation failures not yet turned into a `failed` status at start. */
  private failures = new Map<string, string>();
  /** The ports each service was allocated, for its runner. */
  private readonly allocated = new Map<string, PortAssignment[]>();

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.manifest = options.manifest;
    this.output = new OutputBus(options.manifest.services.map((spec) => spec.key));
    for (const allocation of options.allocations) this.adopt(allocation);
    for (const spec of options.manifest.services) this.runners.set(spec.key, this.createRunner(spec));
  }

  /** Records a service's allocation: its ports for `${svc.port}`, or why it got none. */
  private adopt(allocation: ServiceAllocation): void {
    this.giveBackPorts(this.allocated.get(allocation.service) ?? [], allocation.ports);
    this.ports.set(allocation.service, portRecord(allocation.ports));
    if (allocation.failure) this.failures.set(allocation.service, allocation.failure);
    this.allocated.set(allocation.service, allocation.ports);
  }

  private createRunner(spec: ServiceSpec): ServiceRunner {
    const runner = new ServiceRunner(spec, this.allocated.get(spec.key) ?? [], {
      output: this.output,
      warn: this.options.warn,
      watchdog: this.options.watchdog,
      resolve: () => this.resolve(spec),
      reassignPorts: (moving, avoid) => this.reassignPorts(moving, avoid),
    });
    runner.on('change', () => this.onRunnerChange(runner));
    runner.on('portChanged', () => this.onPortChanged(runner));
    return runner;
  }

  /** The services chosen to run (by `start`, `startService` or a manifest edit that added them). */
  selectedServices(): ServiceSpec[] {
    return this.manifest.services.filter((spec) => this.selected.has(spec.key));
  }

  /** A service's command and full environment with the current manifest and ports. */
  private resolve(spec: ServiceSpec): ResolvedService {
    return resolveService(this.manifest, spec, this.ports, process.env, { extraEnv: this.options.extraEnv });
  }

  /**
   * Applies an edited manifest as a difference: added services start, removed ones stop, services
   * whose definition — or whose command or environment once interpolated, e.g. through a moved
   * `${svc.port}` — changed restart; every other service keeps its process and port.
   */
  async applyManifest(next: Manifest): Promise<ManifestChanges> {
    return this.whileRestarting(() => this.applyDifference(next));
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
    const replaced = [...changes.added, ...changes.restarted];
    await Promise.all([...changes.removed, ...changes.restarted].map((key) => this.runners.get(key)!.stop()));
    for (const key of changes.removed) this.forget(key);
    for (const key of changes.restarted) this.allocated.set(key, this.runners.get(key)!.ports);
    this.manifest = next;
    const needPorts = [...changes.added, ...changes.restarted.filter((key) => portsChanged(previous.get(key)!, next, key))];
    if (needPorts.length > 0) {
      const exclude = new Set([...this.runners.values()].filter((runner) => !needPorts.includes(runner.spec.key)).flatMap((runner) => runner.ports.map((p) => p.port)));
      for (const allocation of await allocatePorts(next, { only: needPorts, exclude })) this.adopt(allocation);
    }
    // Unchanged so far, but their interpolated command or environment differs now (a moved `${svc.port}`).
    for (const key of changes.unchanged) {
      const runner = this.runners.get(key)!;
      if (runner.launchedWith && !sameLaunch(runner.launchedWith, this.resolve(runner.spec))) {
        changes.unchanged = changes.unchanged.filter((other) => other !== key);
        changes.restarted.push(key);
        replaced.push(key);
        await runner.stop();
        this.allocated.set(key, runner.ports);
      }
    }
    this.rebuildRunners(next, new Set(replaced));
    for (const key of changes.added) if (next.services.find((spec) => spec.key === key)!.autostart) this.selected.add(key);
    for (const key of replaced) {
      this.output.addKey(key);
      this.prepare(this.runners.get(key)!);
    }
    return changes;
  }

  /** The runners in the manifest's order, new ones for the `replaced` keys. */
  private rebuildRunners(next: Manifest, replaced: Set<string>): void {
    const kept = new Map(this.runners);
    this.runners.clear();
    for (const spec of next.services) {
      const existing = kept.get(spec.key);
      if (existing && replaced.has(spec.key)) existing.removeAllListeners();
      this.runners.set(spec.key, existing && !replaced.has(spec.key) ? existing : this.createRunner(spec));
    }
  }

  private forget(key: string): void {
    this.giveBackPorts(this.runners.get(key)?.ports ?? this.allocated.get(key) ?? [], []);
    this.runners.get(key)?.removeAllListeners();
    this.runners.delete(key);
    this.ports.delete(key);
    this.allocated.delete(key);
    this.selected.delete(key);
    this.stoppedOnRequest.delete(key);
  }

  /**
   * Starts `selected` (keys in start order, dependencies included) as their dependencies allow;
   * the other services release their planned ports but keep the numbers for `${svc.port}`.
   */
  start(selected: string[]): void {
    this.selected = new Set(selected);
    for (const runner of this.runners.values()) this.prepare(runner);
    this.advance();
  }

  /**
   * Starts a service that is not running (e.g. `autostart: false`, or stopped by hand) and whatever
   * it depends on that does not run either; resolves once it has been started (not yet ready).
   */
  startService(key: string): void {
    // A restart still under way when everything is being stopped must not start anything again.
    if (this.shuttingDown) return;
    for (const name of withDependencies(this.manifest.services, [key])) {
      const runner = this.runners.get(name)!;
      // A dependency that runs, or finished its work (a one-shot migration), is left as it is.
      if (name !== key && (runner.isActive || runner.status === 'pending' || runner.status === 'exited')) continue;
      this.selected.add(name);
      this.stoppedOnRequest.delete(name);
      if (!runner.isActive && runner.status !== 'pending') runner.setStatus('pending');
    }
    this.advance();
  }

  /** A service that will not start (not selected, or no port) says so; the rest wait in `pending`. */
  private prepare(runner: ServiceRunner): void {
    const key = runner.spec.key;
    if (!this.selected.has(key)) {
      runner.leaveOut(); // it keeps the port's number for `${svc.port}` and a later start
      return;
    }
    const failure = this.failures.get(key);
    this.failures.delete(key);
    if (failure) runner.fail(failure);
  }

  /** Whether a stopped service stays so until asked (`devsup start`): left out of this run, or stopped on purpose, and no restart under way. */
  staysStopped(key: string): boolean {
    const stopped = this.runners.get(key)?.status === 'stopped';
    return stopped && this.restartsUnderway === 0 && (!this.selected.has(key) || this.stoppedOnRequest.has(key));
  }

  /** Stops one service on purpose; it keeps its port, for a later start. Dependents keep running. */
  async stopService(key: string): Promise<void> {
    this.stoppedOnRequest.add(key);
    await this.runners.get(key)!.stop();
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
  async restartServices(keys: string[], options: { preferred?: boolean } = {}): Promise<Map<string, string>> {
    const kept = new Map<string, string>();
    await this.whileRestarting(async () => {
      await this.stopDependentsFirst(keys, (key) => this.stopService(key));
      for (const key of options.preferred ? keys : []) {
        const why = await this.returnToPreferredPorts(this.runners.get(key)!);
        if (why !== undefined) kept.set(key, why);
      }
      for (const key of startOrder(this.manifest.services)) if (keys.includes(key)) this.startService(key);
    });
    return kept;
  }

  /** Gives a stopped service its preferred ports again when all are free; else says who holds one. */
  private async returnToPreferredPorts(runner: ServiceRunner): Promise<string | undefined> {
    if (runner.ports.every((assignment) => assignment.preferred === undefined || assignment.port === assignment.preferred)) return undefined;
    const exclude = new Set([...this.runners.values()].filter((other) => other !== runner).flatMap((other) => other.ports.map((assignment) => assignment.port)));
    const [allocation] = await allocatePorts(this.manifest, { only: [runner.spec.key], exclude, preferredOnly: true });
    if (!allocation || allocation.failure) return allocation?.failure ?? 'its preferred port could not be had';
    this.giveBackPorts(runner.ports, allocation.ports);
    runner.moveTo(allocation.ports);
    return undefined;
  }

  /** Resolves once every selected service has settled (at once if they have): after start-up, or after an edit was applied. */
  whenSettled(): Promise<void> {
    return this.settled ? Promise.resolve() : new Promise((resolve) => this.once('settled', resolve));
  }

  /** Stops every service, dependents before their dependencies; resolves when all are gone. */
  async shutdown(exitCode: 0 | 1 = 0): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    // A stop on request is clean, but it does not make a service that crashed for good a success.
    const failed = [...this.runners.values()].some((runner) => this.selected.has(runner.spec.key) && (runner.status === 'crashed' || runner.status === 'failed'));
    await this.stopDependentsFirst([...this.runners.keys()], (key) => this.runners.get(key)!.stop({ sweepEscaped: false }));
    // One look for every service's escaped processes, rather than one per service.
    const escaped = findMarkedProcesses({ instance: process.pid, instanceStart: ownStartTime() });
    const orphans = escaped.filter((entry) => !this.runners.has(entry.service)); // of services an edit removed
    await Promise.all([
      ...[...this.runners.values()].map((runner) => runner.stopEscaped(escaped.filter((entry) => entry.service === runner.spec.key))),
      stopMarkedProcesses(orphans, 'SIGTERM', ORPHAN_GRACE_MS),
    ]);
    this.finish(failed ? 1 : exitCode);
  }

  /** Stops `keys` at once, except that each waits for the services among them that depend on it. */
  private async stopDependentsFirst(keys: string[], stop: (key: string) => Promise<void>): Promise<void> {
    const stopped = new Map<string, Promise<void>>();
    // Walk from the last started, so a service's dependents have their promises when it is reached.
    for (const key of startOrder(this.manifest.services).reverse()) {
      if (!keys.includes(key)) continue;
      const dependents = this.dependentsOf(key).map((dependent) => stopped.get(dependent) ?? Promise.resolve());
      stopped.set(key, Promise.all(dependents).then(() => stop(key)));
    }
    await Promise.all(stopped.values());
  }

  /** SIGKILL to every service's tree at once (a second Ctrl-C). */
  async killAll(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.kill()));
  }

  /** New ports for a service whose own were taken: allocated as at start, never one another service of ours has. */
  private async reassignPorts(runner: ServiceRunner, avoid: MoveOptions): Promise<PortAssignment[] | { failure: string }> {
    const others = [...this.runners.values()].filter((other) => other !== runner);
    const exclude = new Set(others.flatMap((other) => other.ports.map((assignment) => assignment.port)));
    const [allocation] = await allocatePorts(this.manifest, { only: [runner.spec.key], exclude, ...avoid });
    if (!allocation || allocation.failure) return { failure: allocation?.failure ?? 'no port could be allocated' };
    this.giveBackPorts(runner.ports, allocation.ports);
    return allocation.ports;
  }

  /** Leases on the ports a service no longer uses go back at once, so other devsup instances may have them. */
  private giveBackPorts(before: PortAssignment[], after: PortAssignment[]): void {
    const kept = new Set(after.map((assignment) => assignment.port));
    for (const { port } of before) if (!kept.has(port)) releaseLease(port);
  }

  /** Records a service's new ports and restarts the running services whose command, env or url use them. */
  private onPortChanged(moved: ServiceRunner): void {
    this.ports.set(moved.spec.key, portRecord(moved.ports));
    this.emit('portChanged', moved);
    const users = [...this.runners.values()].filter(
      (runner) => runner !== moved && runner.isActive && servicesReferencedBy(this.manifest, runner.spec).has(moved.spec.key),
    );
    for (const runner of users) this.options.warn(`restarting ${runner.spec.key}: it uses the port of ${moved.spec.key}, now ${moved.port}.`);
    if (users.length > 0) void this.restartServices(users.map((runner) => runner.spec.key));
  }

  private dependentsOf(key: string): string[] {
    return this.manifest.services.filter((s) => s.dependsOn.some((d) => d.service === key)).map((s) => s.key);
  }

  private onRunnerChange(runner: ServiceRunner): void {
    this.emit('change', runner);
    if (this.shuttingDown) return;
    if (runner.status === 'crashed' || runner.status === 'failed') {
      if (runner.spec.critical && this.selected.has(runner.spec.key)) {
        this.options.warn(`${runner.spec.key} is critical and ${runner.status === 'crashed' ? 'crashed' : 'could not start'}: stopping everything.`);
        void this.shutdown(1);
        return;
      }
    }
    this.advance();
  }

  /** Starts every pending service whose dependencies allow it, marks blocked ones, and checks for the end. */
  private advance(): void {
    if (this.shuttingDown) return;
    for (const key of startOrder(this.manifest.services)) {
      const runner = this.runners.get(key)!;
      if (!this.selected.has(key) || runner.status !== 'pending') continue;
      const verdict = dependencyVerdict(runner.spec, this.runners);
      if (verdict.kind === 'go') void runner.start();
      else runner.setStatus('pending', verdict.detail);
    }
    this.checkProgress();
  }

  private checkProgress(): void {
    if (this.restartsUnderway > 0) return;
    const selected = [...this.runners.values()].filter((runner) => this.selected.has(runner.spec.key));
    const waiting = selected.filter((runner) => runner.status === 'pending' && dependencyVerdict(runner.spec, this.runners).kind !== 'blocked');
    const settled = selected.every((runner) => runner.status !== 'starting' && runner.status !== 'restarting') && waiting.length === 0;
    const justSettled = settled && !this.settled;
    this.settled = settled;
    if (justSettled) this.emit('settled');
    // Nothing selected (every service has autostart: false): devsup waits for `devsup start`.
    if (selected.length === 0 || waiting.length > 0 || this.stoppedOnRequest.size > 0 || selected.some((runner) => runner.isActive)) return;
    const failed = selected.some((runner) => runner.status === 'crashed' || runner.status === 'failed');
    this.finish(failed ? 1 : 0);
  }
}

function portRecord(assignments: PortAssignment[]): Record<string, number> {
  return Object.fromEntries(assignments.map((assignment) => [assignment.name, assignment.port]));
}
