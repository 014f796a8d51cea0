import { messageOf } from '../errors.js';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from '../manifest/service-spec.js';
import type { ResolvedService } from '../manifest/resolve-service.js';
import { findOwnMarkedProcesses, stopMarkedProcesses, type MarkedProcess } from '../ports/marked-processes.js';
import type { PortAssignment } from '../ports/port-types.js';
import type { OutputBus } from './output-bus.js';
import { decideAfterRun, type AfterExit } from './policies/after-exit.js';
import type { PortConflict } from './policies/reassign-port-on-conflict.js';
import { DRIFT_GRACE_MS } from './readiness.js';
import { checkDriftLater, QUICK_EXIT_MS, watchForBindErrors, watchReadiness, type Run } from './run-watches.js';
import { watchHealth } from './health-check.js';
import { ServicePorts, type MoveOptions } from './service-ports.js';
import { checkTransition, isActiveStatus, type ServiceStatus, type StopReason } from './service-status.js';
import { spawnChild, type ChildExit } from './spawn-child.js';
import { runStopCommand } from './stop-command.js';
import { killTreeNow, stopServiceTree } from './stop-service-tree.js';
import type { Watchdog } from './watchdog.js';

export interface RunnerContext {
  output: OutputBus;
  /** The command and environment for the next start, interpolated with the current ports. */
  resolve(): ResolvedService;
  /** devsup's own warnings, for stderr. */
  warn(message: string): void;
  /** Kills the services' groups should devsup itself be killed. */
  watchdog?: Watchdog;
  /** New ports for this service, its own having been taken by another process; or why there are none. */
  reassignPorts(runner: ServiceRunner, avoid: MoveOptions): Promise<PortAssignment[] | { failure: string }>;
}

export type { MoveOptions } from './service-ports.js';

/** The OS edges of a runner, and its clock: the real ones by default; tests may pass others to drive every transition. */
export interface RunnerSeams {
  spawn: typeof spawnChild;
  stopTree: typeof stopServiceTree;
  killTree: typeof killTreeNow;
  /** Runs `callback` after `delayMs` (a restart's backoff); `cancel` keeps it from running. */
  schedule(callback: () => void, delayMs: number): { cancel(): void };
}

/** The real OS edges and clock, for tests that replace only one of them. */
export const REAL_SEAMS: RunnerSeams = {
  spawn: spawnChild,
  stopTree: stopServiceTree,
  killTree: killTreeNow,
  schedule: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};

/** How a run ended: its exit code or the signal that ended it, and when (ms since the epoch). */
export interface RunExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  /** Set when devsup stopped the run because a check failed ("health check failed 3 times: …"): code and signal are then its stop's. */
  failedCheck?: string;
}

interface RunnerEvents {
  /** Its status or detail changed. */
  change: [];
  /** The service moved to a new port (its own was taken); services that use the old one must follow. */
  portChanged: [];
}

// How long an exited service's output may take to drain before devsup acts on the exit.
const OUTPUT_GRACE_MS = 1_000;

/**
 * One service's life: spawn, readiness, restarts with backoff, stop. Its status changes only in
 * `transition`, which checks every move against the table in service-status.ts and emits `change`;
 * the supervisor and the views subscribe to that. Work that runs in the background (a start, the
 * handling of an exit, a readiness check) never fails silently: an error there fails the service
 * with the error's message.
 */
export class ServiceRunner extends EventEmitter<RunnerEvents> {
  private currentStatus: ServiceStatus = 'pending';
  private currentDetail: string | undefined;
  private stopReason: StopReason | undefined;
  private readonly servicePorts: ServicePorts;
  private run: Run | undefined;
  /** Bumped by every stop: work begun before it (a start awaiting its ports) must not go on. */
  private generation = 0;
  private restartTimer: { cancel(): void } | undefined;
  private crashRestarts = 0;
  private consecutiveFailures = 0;
  private launched: ResolvedService | undefined;
  private lastRunStart: number | undefined;
  private lastRunExit: RunExit | undefined;

  constructor(
    readonly spec: ServiceSpec,
    ports: PortAssignment[],
    private readonly context: RunnerContext,
    private readonly seams: RunnerSeams = REAL_SEAMS,
  ) {
    super();
    this.servicePorts = new ServicePorts(spec, ports, (avoid) => context.reassignPorts(this, avoid), context.warn);
  }

  get status(): ServiceStatus {
    return this.currentStatus;
  }

  /** Why it has its status ("http /health → 503, 4 s", "blocked by db (crashed…)"). */
  get detail(): string | undefined {
    return this.currentDetail;
  }

  /** Its command's process; none once a daemon's command has exited (what it started runs on). */
  get pid(): number | null {
    return this.run && !this.run.daemonized ? this.run.pid : null;
  }

  get ports(): PortAssignment[] {
    return this.servicePorts.all;
  }

  get port(): number | undefined {
    return this.servicePorts.primary;
  }

  /** Crash restarts only, as the table shows them. */
  get restarts(): number {
    return this.crashRestarts;
  }

  /** The port it was given, when it listens on another one (it ignored PORT). */
  get driftedFrom(): number | undefined {
    return this.servicePorts.driftedFrom;
  }

  /** When its current run (or, once it has ended, its last one) started, in ms since the epoch; undefined before the first. */
  get startedAt(): number | undefined {
    return this.lastRunStart;
  }

  /** How its last run that ended did end (a run devsup stopped too); undefined while none has. */
  get lastExit(): RunExit | undefined {
    return this.lastRunExit;
  }

  /** The command and environment of its last start: a manifest edit that changes them restarts it. */
  get launchedWith(): ResolvedService | undefined {
    return this.launched;
  }

  /** Alive in the sense of "may still do something": keeps `devsup up` running. */
  get isActive(): boolean {
    return isActiveStatus(this.currentStatus);
  }

  /** Starts the service (first start, or again after a stop, a crash or an exit). Never rejects. */
  async start(): Promise<void> {
    if (this.isActive) return;
    this.consecutiveFailures = 0;
    // Claimed before the first await, so a second call meanwhile sees an active service.
    this.transition('starting');
    await this.spawnRun();
  }

  /** Pending, with why it waits ("waiting for db (ready)") or is blocked. */
  wait(detail: string | undefined): void {
    this.transition('pending', detail);
  }

  /** Back to pending, to be started once its dependencies allow. */
  queue(): void {
    if (!this.isActive) this.transition('pending');
  }

  /** Leaves the service out of this run (not named, or `autostart: false`): stopped from the start. */
  leaveOut(): void {
    this.transition('stopped');
  }

  /** Marks the service as unable to start, e.g. for lack of a port. */
  fail(reason: string): void {
    this.transition('failed', reason);
  }

  /**
   * Stops the service on purpose: `stop_signal`, `stop_timeout`, then the whole tree is killed — and,
   * unless the caller sweeps for everyone at once (`sweepEscaped: false`), the processes that left
   * its group and tree but carry its mark. A service that crashed, failed or exited keeps that status.
   */
  async stop(reason: StopReason, options: { sweepEscaped?: boolean } = {}): Promise<void> {
    this.generation += 1;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    if (this.isActive || this.currentStatus === 'pending') this.moveToStopping(reason, reason);
    const { run } = this;
    if (run) {
      run.readiness.abort(new Error('stopping'));
      await this.stopRun(run);
      await run.handled;
    }
    if (options.sweepEscaped !== false && this.launched) await this.stopEscaped(findOwnMarkedProcesses(this.spec.key));
    if (this.currentStatus === 'stopping') this.transition('stopped');
  }

  /** Processes of this service that left its process group (`setsid … &`, a daemon): stopped as the group was. */
  async stopEscaped(marked: MarkedProcess[]): Promise<void> {
    await stopMarkedProcesses(marked, this.spec.stopSignal, this.spec.stopTimeoutMs);
  }

  /** SIGKILL to the whole tree now (a second Ctrl-C), and to the processes that left it. */
  async kill(): Promise<void> {
    this.generation += 1;
    this.restartTimer?.cancel();
    if (this.isActive) this.moveToStopping('shutdown', 'shutdown');
    if (this.run) await this.seams.killTree(this.run.pid);
    else if (this.currentStatus === 'stopping') this.transition('stopped'); // nothing ran (in backoff): its exit will not come
    await stopMarkedProcesses(findOwnMarkedProcesses(this.spec.key), 'SIGKILL', 0);
  }

  /** New ports for a stopped service (back to its preferred ones): services that use the old ones must follow. */
  moveTo(ports: PortAssignment[]): void {
    this.servicePorts.replace(ports);
    this.emit('portChanged');
  }

  /** The one way a status changes: checked against the allowed moves, announced with `change`. */
  private transition(to: ServiceStatus, detail?: string): void {
    if (this.currentStatus === to && this.currentDetail === detail) return;
    checkTransition(this.spec.key, this.currentStatus, to);
    this.currentStatus = to;
    this.currentDetail = detail;
    if (to !== 'stopping') this.stopReason = undefined;
    this.emit('change');
  }

  /** devsup stopped it because a check failed (not ready in time, unhealthy): the run counts as a failed one. */
  private get stoppedForFailedCheck(): boolean {
    return this.currentStatus === 'stopping' && (this.stopReason === 'not ready in time' || this.stopReason === 'unhealthy');
  }

  private moveToStopping(reason: StopReason, detail: string): void {
    this.transition('stopping', detail);
    this.stopReason = reason;
  }

  /**
   * Background work's one owner: an error there (a port probe the OS answers strangely, a process
   * table that cannot be read) fails the service with the error's message; it never goes unseen.
   */
  private failOnError(work: Promise<void>): Promise<void> {
    return work.catch((error: unknown) => {
      const message = messageOf(error);
      this.context.warn(`${this.spec.key}: ${message}`);
      if (this.isActive || this.currentStatus === 'pending') this.transition('failed', message);
    });
  }

  /**
   * Starts one run. Its ports are probed again first (ServicePorts.claim); with `socket: true` the probe
   * socket of the first port is handed to the child as fd 3 and closed right after (kept open,
   * devsup would accept, and steal, the child's connections).
   */
  private spawnRun(): Promise<void> {
    return this.failOnError(this.spawnRunOrThrow());
  }

  private async spawnRunOrThrow(): Promise<void> {
    if (this.spec.socket && process.platform === 'win32') {
      return this.transition('failed', 'socket handoff (socket: true) needs Linux or macOS: Node cannot pass a socket to a child on Windows');
    }
    const generation = this.generation;
    const claimed = await this.servicePorts.claim(() => generation === this.generation);
    if (claimed === undefined) return; // a stop overtook it
    if ('failure' in claimed) return this.transition('failed', claimed.failure);
    if (claimed.moved) this.emit('portChanged');
    try {
      if (generation === this.generation) this.launch(claimed.listenSocket?.fd());
    } finally {
      await claimed.listenSocket?.release();
    }
  }

  private launch(listenFd: number | undefined): void {
    let resolved: ResolvedService;
    try {
      resolved = this.context.resolve();
    } catch (error) {
      // E.g. `${db.port}` of a service that could not get a port.
      return this.transition('failed', (error as Error).message);
    }
    this.launched = resolved;
    this.context.output.startRun(this.spec.key);
    const child = this.seams.spawn(resolved.command, { cwd: this.spec.cwd, env: resolved.env, listenFd, listenName: this.spec.key });
    if (child.pid === undefined) {
      // Not started at all (`command not found`): the exit says why.
      void this.failOnError(child.exited.then((exit) => this.transition('failed', exit.spawnError ?? 'could not be started')));
      return;
    }
    const pid = child.pid;
    const outputDone = Promise.all([
      this.context.output.attach(this.spec.key, child.stdout, 'stdout'),
      this.context.output.attach(this.spec.key, child.stderr, 'stderr'),
    ]);
    const startedAt = Date.now();
    this.lastRunStart = startedAt;
    const run: Run = {
      pid,
      startedAt,
      readiness: new AbortController(),
      ready: false,
      addressInUseLine: undefined,
      stopWatchingForBindErrors: () => undefined,
      handled: Promise.resolve(),
    };
    this.run = run;
    const exited = this.spec.daemon ? this.daemonExit(run, child.exited) : child.exited;
    run.handled = this.failOnError(exited.then((exit) => this.handleExit(run, exit, outputDone)));
    this.context.watchdog?.watch(pid);
    if (this.ports.length > 0) watchForBindErrors(run, this.context.output, this.spec);
    this.transition(this.spec.ready.kind === 'none' ? 'running' : 'starting');
    if (this.spec.ready.kind !== 'none') this.checkReadiness(run, resolved);
    else {
      this.checkDriftLater(run, DRIFT_GRACE_MS * 2);
      this.checkHealth(run, resolved);
    }
  }

  /**
   * The end of a daemon's run: its command exiting 0 means what it started runs on, so the run ends
   * only when devsup stops it (`stopRun`); any other exit of its command ends the run at once.
   */
  private daemonExit(run: Run, exited: Promise<ChildExit>): Promise<ChildExit> {
    return exited.then((exit) => {
      if (exit.code !== 0 || this.currentStatus === 'stopping' || this.run !== run) return exit;
      run.daemonized = true;
      return new Promise<ChildExit>((resolve) => (run.endDaemon = () => resolve(exit)));
    });
  }

  /**
   * Stops one run: its `stop_command` (with the environment it was started with) or its `stop_signal`,
   * the grace, then the tree; a daemon's run ends there, its command having exited long before.
   */
  private async stopRun(run: Run): Promise<void> {
    const stopCommand = this.launched?.stopCommand;
    const env = this.launched?.env ?? {};
    const instead =
      stopCommand === undefined
        ? undefined
        : async (timeoutMs: number) => {
            const { key, cwd } = this.spec;
            const problem = await runStopCommand(stopCommand, { service: key, cwd, env, timeoutMs, output: this.context.output });
            if (problem !== undefined) this.context.warn(`${key}: ${problem}`);
          };
    await this.seams.stopTree(run.pid, { signal: this.spec.stopSignal, timeoutMs: this.spec.stopTimeoutMs, ...(instead && { instead }) });
    run.endDaemon?.();
  }

  private checkReadiness(run: Run, resolved: ResolvedService): void {
    const target = {
      port: this.port,
      givenPorts: this.ports.map((assignment) => assignment.port),
      host: this.spec.host,
      cwd: this.spec.cwd,
      env: resolved.env,
      // What a daemon started (a container, a forked server) is not in its command's tree.
      anyListener: this.spec.daemon,
      onLine: (listener: (line: string) => void) => this.context.output.onLine(this.spec.key, listener),
    };
    const checked = watchReadiness(run, this.spec, target, () => this.run === run, {
      progress: (detail) => this.transition('starting', detail),
      ready: (driftedTo) => {
        run.ready = true;
        this.servicePorts.noteReady();
        run.stopWatchingForBindErrors();
        if (driftedTo !== undefined) this.noteDrift(driftedTo);
        else if (this.spec.ready.kind !== 'tcp' && this.spec.ready.kind !== 'http' && !this.spec.daemon) this.checkDriftLater(run, 0);
        this.transition('ready');
        this.checkHealth(run, resolved);
      },
      // Not ready in time is a failed run: devsup stops it, and the restart policy sees why (not the signal it sent).
      notReady: async (why) => {
        this.context.warn(`${this.spec.key}: ${why}`);
        this.moveToStopping('not ready in time', why);
        await this.stopRun(run);
      },
    });
    void this.failOnError(checked);
  }

  /** Once it is ready (or running), its `health` check, while the run lasts: `failures` failed in a row stop it as a failed run. */
  private checkHealth(run: Run, resolved: ResolvedService): void {
    const { health } = this.spec;
    if (health === undefined) return;
    const target = { port: this.port, host: this.spec.host, cwd: this.spec.cwd, env: resolved.env };
    const healthyStatus = this.currentStatus === 'running' ? 'running' : 'ready';
    const watched = watchHealth(health, target, run.readiness.signal, () => this.run === run && this.currentStatus !== 'stopping', {
      failing: (seen, count) => this.transition('unhealthy', `${seen} (${count} of ${health.failures} failed checks)`),
      recovered: () => this.transition(healthyStatus),
      failed: async (why) => {
        this.context.warn(`${this.spec.key}: ${why}`);
        this.moveToStopping('unhealthy', why);
        await this.stopRun(run);
      },
    });
    void this.failOnError(watched);
  }

  private async handleExit(run: Run, exit: ChildExit, outputDone: Promise<unknown>): Promise<void> {
    run.readiness.abort(new Error('exited'));
    const stoppedFor = this.stoppedForFailedCheck ? this.currentDetail : undefined;
    this.lastRunExit = { code: exit.code, signal: exit.signal, at: Date.now(), ...(stoppedFor !== undefined && { failedCheck: stoppedFor }) };
    try {
      // Grandchildren left in the group would hold the port against the next run.
      await this.seams.stopTree(run.pid, { signal: this.spec.stopSignal, timeoutMs: this.spec.stopTimeoutMs });
      // The group is gone: its id may be reused by an unrelated process, so never signal it again.
      this.context.watchdog?.unwatch(run.pid);
      // Its last lines belong before what we say about its exit; a descendant that left the group
      // may keep the pipes open, so do not wait for them for ever.
      await Promise.race([outputDone, sleep(OUTPUT_GRACE_MS, undefined, { ref: false })]);
    } finally {
      run.stopWatchingForBindErrors();
      this.run = undefined; // however its handling ends, this run is over
    }
    const failedCheck = this.stoppedForFailedCheck ? this.currentDetail : undefined;
    if (this.currentStatus === 'stopping' && failedCheck === undefined) return this.transition('stopped');
    const uptimeMs = Date.now() - run.startedAt;
    const decision = await decideAfterRun(this.spec, {
      ...exit,
      uptimeMs,
      port: this.port,
      beforeReady: this.spec.ready.kind === 'none' ? uptimeMs < QUICK_EXIT_MS : !run.ready,
      addressInUseLine: run.addressInUseLine,
      failedCheck,
      consecutiveFailures: this.consecutiveFailures,
      restarts: this.crashRestarts,
      portMoves: this.servicePorts.movesInARow,
    });
    // A stop asked for while the policies decided wins over what they decided.
    if (this.currentStatus === 'stopping' && !this.stoppedForFailedCheck) return this.transition('stopped');
    await this.follow(decision);
  }

  /** Carries out what the exit policies decided. */
  private async follow(decision: AfterExit): Promise<void> {
    const key = this.spec.key;
    switch (decision.kind) {
      case 'move':
        return this.moveAfterLostRace(decision.conflict);
      case 'fail':
        return this.transition(
          'failed',
          decision.detail.startsWith('command not found') ? `${decision.detail}${this.lastLinesSuffix()}` : decision.detail,
        );
      case 'exited':
        return this.transition('exited', decision.detail);
      case 'crashed': {
        this.consecutiveFailures = decision.consecutiveFailures;
        // An exit reads "it exited with code 1"; a readiness timeout "it was not ready within …"; a health check "its health check failed …".
        const clause = decision.detail.startsWith('not ready')
          ? `it was ${decision.detail}`
          : decision.detail.startsWith('health check')
            ? `its ${decision.detail}`
            : `it ${decision.detail}`;
        this.context.warn(`${key} crashed: ${clause}; devsup gives up on it.${this.lastLinesSuffix()}`);
        return this.transition('crashed', decision.detail);
      }
      case 'restart': {
        this.consecutiveFailures = decision.consecutiveFailures;
        this.crashRestarts += 1;
        const when = decision.delayMs === 0 ? 'now' : `in ${decision.delayMs} ms`;
        this.context.output.note(
          key,
          `${decision.detail}; restarting ${when} (restart ${decision.consecutiveFailures} of ${this.spec.maxRestarts} in a row)`,
        );
        this.transition('restarting', decision.detail);
        const generation = this.generation;
        this.restartTimer = this.seams.schedule(() => {
          if (generation === this.generation) void this.spawnRun();
        }, decision.delayMs);
        return;
      }
    }
  }

  /** Its port was taken between the probe and its own bind: new ports and a new start at once, not a crash. */
  private async moveAfterLostRace(conflict: PortConflict): Promise<void> {
    const outcome = await this.servicePorts.moveAfterLostRace(conflict);
    if ('failure' in outcome) return this.transition('failed', outcome.failure);
    this.transition('starting', `moving to port ${this.port}`);
    // The services that use its port follow: the supervisor restarts them on `portChanged`.
    this.emit('portChanged');
    await this.spawnRun();
  }

  private checkDriftLater(run: Run, delayMs: number): void {
    const givenPorts = this.ports.map((assignment) => assignment.port);
    checkDriftLater(
      run,
      givenPorts,
      delayMs,
      () => this.run === run,
      (port) => this.noteDrift(port),
    );
  }

  /** The service ignored PORT and listens on `actual`: from now on that is its port. */
  private noteDrift(actual: number): void {
    this.servicePorts.noteDrift(actual);
    this.emit('portChanged');
  }

  private lastLinesSuffix(): string {
    const lines = this.context.output.tail(this.spec.key, 10);
    return lines.length === 0 ? '' : `\nLast lines of ${this.spec.key}:\n${lines.map((line) => `  ${line}`).join('\n')}`;
  }
}
