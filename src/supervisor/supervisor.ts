import { EventEmitter } from 'node:events';
import type { Manifest } from '../manifest/service-spec.js';
import { startOrder, withDependencies } from '../manifest/dependency-graph.js';
import { resolveService, servicesReferencedBy, type AssignedPorts } from '../manifest/resolve-service.js';
import { allocatePorts } from '../ports/allocate-ports.js';
import type { LogMultiplexer } from '../output/log-multiplexer.js';
import type { PortAssignment, ServiceAllocation } from '../ports/port-types.js';
import { ServiceRunner } from './service-runner.js';
import type { Watchdog } from './watchdog.js';
import { dependencyVerdict } from './dependency-gate.js';

export interface SupervisorOptions {
  manifest: Manifest;
  allocations: ServiceAllocation[];
  logs: LogMultiplexer;
  warn(message: string): void;
  /** Extra variables for every child, e.g. FORCE_COLOR when devsup's own output is a TTY. */
  extraEnv?: Record<string, string>;
  watchdog?: Watchdog;
}

interface SupervisorEvents {
  change: [ServiceRunner];
  /** Every selected service is ready, running, finished, failed or blocked: time for the table. */
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
  /** Resolves with devsup's exit code once nothing runs or may still start, or after `shutdown`. */
  readonly done: Promise<number>;
  private finish!: (code: number) => void;
  private selected = new Set<string>();
  private shuttingDown = false;
  private settledOnce = false;
  /** Every service's current ports, as `${svc.port}` sees them. */
  private readonly ports: AssignedPorts = new Map();

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.done = new Promise((resolve) => (this.finish = resolve));
    const ports = this.ports;
    for (const allocation of options.allocations) ports.set(allocation.service, portRecord(allocation.ports));
    const allocationOf = new Map(options.allocations.map((allocation) => [allocation.service, allocation]));
    for (const spec of options.manifest.services) {
      const allocation = allocationOf.get(spec.key);
      const runner = new ServiceRunner(spec, allocation?.ports ?? [], {
        logs: options.logs,
        warn: options.warn,
        watchdog: options.watchdog,
        resolve: () => {
          const resolved = resolveService(options.manifest, spec, ports);
          return { ...resolved, env: { ...resolved.env, ...options.extraEnv } };
        },
        reassignPorts: (moving) => this.reassignPorts(moving),
      });
      runner.on('change', () => this.onRunnerChange(runner));
      runner.on('portChanged', () => this.onPortChanged(runner));
      this.runners.set(spec.key, runner);
    }
  }

  /**
   * Starts `selected` (keys in start order, dependencies included) as their dependencies allow;
   * the other services release their planned ports but keep the numbers for `${svc.port}`.
   */
  start(selected: string[]): void {
    this.selected = new Set(selected);
    const failures = new Map(this.options.allocations.filter((a) => a.failure).map((a) => [a.service, a.failure!]));
    for (const runner of this.runners.values()) {
      if (!this.selected.has(runner.spec.key)) {
        void runner.stop();
        continue;
      }
      const failure = failures.get(runner.spec.key);
      if (failure) runner.fail(failure);
    }
    this.advance();
  }

  /**
   * Starts a service that is not running (e.g. `autostart: false`, or stopped by hand) and whatever
   * it depends on that does not run either; resolves once it has been started (not yet ready).
   */
  startService(key: string): void {
    for (const name of withDependencies(this.options.manifest.services, [key])) {
      const runner = this.runners.get(name)!;
      this.selected.add(name);
      if (!runner.isActive && runner.status !== 'pending') runner.setStatus('pending');
    }
    this.advance();
  }

  /** Stops one service on purpose; it keeps its port, for a later start. Dependents keep running. */
  async stopService(key: string): Promise<void> {
    await this.runners.get(key)!.stop();
  }

  /** Stops and starts one service again on the same port; not counted as a crash. */
  async restartService(key: string): Promise<void> {
    await this.stopService(key);
    this.startService(key);
  }

  /** Stops every service, dependents before their dependencies; resolves when all are gone. */
  async shutdown(exitCode: 0 | 1 = 0): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const order = startOrder(this.options.manifest.services);
    const stopped = new Map<string, Promise<void>>();
    // Walk from the last started: each stop waits for the stops of the services that depend on it.
    for (const key of [...order].reverse()) {
      const runner = this.runners.get(key)!;
      const dependents = this.dependentsOf(key).map((dependent) => stopped.get(dependent) ?? Promise.resolve());
      stopped.set(key, Promise.all(dependents).then(() => runner.stop()));
    }
    await Promise.all(stopped.values());
    this.finish(exitCode);
  }

  /** SIGKILL to every service's tree at once (a second Ctrl-C). */
  async killAll(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.kill()));
  }

  /** New ports for a service whose own were taken: allocated as at start, never one another service of ours has. */
  private async reassignPorts(runner: ServiceRunner): Promise<PortAssignment[] | { failure: string }> {
    const others = [...this.runners.values()].filter((other) => other !== runner);
    const exclude = new Set(others.flatMap((other) => other.ports.map((assignment) => assignment.port)));
    const [allocation] = await allocatePorts(this.options.manifest, { only: [runner.spec.key], exclude });
    if (!allocation || allocation.failure) return { failure: allocation?.failure ?? 'no port could be allocated' };
    return allocation.ports;
  }

  /** Records a service's new ports and restarts the running services whose command, env or url use them. */
  private onPortChanged(moved: ServiceRunner): void {
    this.ports.set(moved.spec.key, portRecord(moved.ports));
    this.emit('portChanged', moved);
    for (const runner of this.runners.values()) {
      if (runner === moved || !runner.isActive) continue;
      if (servicesReferencedBy(this.options.manifest, runner.spec).has(moved.spec.key)) {
        this.options.warn(`restarting ${runner.spec.key}: it uses the port of ${moved.spec.key}, now ${moved.port}.`);
        void this.restartService(runner.spec.key);
      }
    }
  }

  private dependentsOf(key: string): string[] {
    return this.options.manifest.services.filter((s) => s.dependsOn.some((d) => d.service === key)).map((s) => s.key);
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
    for (const key of startOrder(this.options.manifest.services)) {
      const runner = this.runners.get(key)!;
      if (!this.selected.has(key) || runner.status !== 'pending') continue;
      const verdict = dependencyVerdict(runner.spec, this.runners);
      if (verdict.kind === 'go') void runner.start();
      else runner.setStatus('pending', verdict.detail);
    }
    this.checkProgress();
  }

  private checkProgress(): void {
    const selected = [...this.runners.values()].filter((runner) => this.selected.has(runner.spec.key));
    const waiting = selected.filter((runner) => runner.status === 'pending' && dependencyVerdict(runner.spec, this.runners).kind !== 'blocked');
    const settled = selected.every((runner) => runner.status !== 'starting' && runner.status !== 'restarting') && waiting.length === 0;
    if (settled && !this.settledOnce) {
      this.settledOnce = true;
      this.emit('settled');
    }
    if (waiting.length > 0 || selected.some((runner) => runner.isActive)) return;
    const failed = selected.some((runner) => runner.status === 'crashed' || runner.status === 'failed');
    this.finish(failed ? 1 : 0);
  }
}

function portRecord(assignments: PortAssignment[]): Record<string, number> {
  return Object.fromEntries(assignments.map((assignment) => [assignment.name, assignment.port]));
}
