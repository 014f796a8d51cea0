import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from '../manifest/service-spec.js';
import type { ResolvedService } from '../manifest/resolve-service.js';
import type { AllocateOptions } from '../ports/allocate-ports.js';
import { findMarkedProcesses, ownStartTime, stopMarkedProcesses, type MarkedProcess } from '../ports/marked-processes.js';
import type { PortAssignment, PortReservation } from '../ports/port-types.js';
import { probePort } from '../ports/probe-port.js';
import type { OutputBus } from './output-bus.js';
import { decideAfterRun, type AfterExit } from './policies/after-exit.js';
import { explainPortConflict, findAddressInUse, MAX_PORT_MOVES } from './policies/reassign-port-on-conflict.js';
import { DRIFT_GRACE_MS, findDriftedPort, ReadinessTimeout, waitUntilReady } from './readiness.js';
import { checkTransition, isActiveStatus, type ServiceStatus, type StopReason } from './service-status.js';
import { spawnChild, type ChildExit } from './spawn-child.js';
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

/** What a move must avoid: ports the service could not bind, and (after such a failure) TIME_WAIT ports. */
export type MoveOptions = Pick<AllocateOptions, 'unbindable' | 'deferTimeWait'>;

/** The OS edges of a runner, and its clock: the real ones by default; tests may pass others to drive every transition. */
export interface RunnerSeams {
  spawn: typeof spawnChild;
  stopTree: typeof stopServiceTree;
  killTree: typeof killTreeNow;
  /** Runs `callback` after `delayMs` (a restart's backoff); `cancel` keeps it from running. */
  schedule(callback: () => void, delayMs: number): { cancel(): void };
}

const REAL_SEAMS: RunnerSeams = {
  spawn: spawnChild,
  stopTree: stopServiceTree,
  killTree: killTreeNow,
  schedule: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};

interface RunnerEvents {
  /** Its status or detail changed. */
  change: [];
  /** The service moved to a new port (its own was taken); services that use the old one must follow. */
  portChanged: [];
}

/** One spawn of the service's command, from launch to the end of its exit handling. */
interface Run {
  pid: number;
  startedAt: number;
  readiness: AbortController;
  ready: boolean;
  /** A line of its output that said its address was in use, seen while it was not ready yet. */
  addressInUseLine: string | undefined;
  stopWatchingForBindErrors(): void;
  /** Resolves once its exit has been handled (the next status set). */
  handled: Promise<void>;
}

// A service without a readiness check that exits this soon may have failed to bind its port.
const QUICK_EXIT_MS = 5_000;
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
  private assigned: PortAssignment[];
  private run: Run | undefined;
  /** Bumped by every stop: work begun before it (a start awaiting its ports) must not go on. */
  private generation = 0;
  private restartTimer: { cancel(): void } | undefined;
  private crashRestarts = 0;
  private consecutiveFailures = 0;
  private portMoves = 0;
  /** Ports this service failed to bind since it was last ready, though a probe calls them free. */
  private readonly unbindablePorts = new Map<number, string>();
  /** It once failed on a port that held only TIME_WAIT connections: such ports come last for it. */
  private defersTimeWait = false;
  private drifted: number | undefined;
  private launched: ResolvedService | undefined;

  constructor(
    readonly spec: ServiceSpec,
    ports: PortAssignment[],
    private readonly context: RunnerContext,
    private readonly seams: RunnerSeams = REAL_SEAMS,
  ) {
    super();
    this.assigned = ports;
  }

  get status(): ServiceStatus {
    return this.currentStatus;
  }

  /** Why it has its status ("http /health → 503, 4 s", "blocked by db (crashed…)"). */
  get detail(): string | undefined {
    return this.currentDetail;
  }

  get pid(): number | null {
    return this.run?.pid ?? null;
  }

  get ports(): PortAssignment[] {
    return this.assigned;
  }

  get port(): number | undefined {
    return this.assigned[0]?.port;
  }

  /** Crash restarts only, as the table shows them. */
  get restarts(): number {
    return this.crashRestarts;
  }

  /** The port it was given, when it listens on another one (it ignored PORT). */
  get driftedFrom(): number | undefined {
    return this.drifted;
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
      await this.seams.stopTree(run.pid, { signal: this.spec.stopSignal, timeoutMs: this.spec.stopTimeoutMs });
      await run.handled;
    }
    if (options.sweepEscaped !== false && this.launched)
      await this.stopEscaped(findMarkedProcesses({ instance: process.pid, instanceStart: ownStartTime(), service: this.spec.key }));
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
    await stopMarkedProcesses(findMarkedProcesses({ instance: process.pid, instanceStart: ownStartTime(), service: this.spec.key }), 'SIGKILL', 0);
  }

  /** New ports for a stopped service (back to its preferred ones): services that use the old ones must follow. */
  moveTo(ports: PortAssignment[]): void {
    this.assigned = ports;
    this.drifted = undefined;
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
      const message = error instanceof Error ? error.message : String(error);
      this.context.warn(`${this.spec.key}: ${message}`);
      if (this.isActive || this.currentStatus === 'pending') this.transition('failed', message);
    });
  }

  /**
   * Starts one run. Its ports are probed again first (see takePorts); with `socket: true` the probe
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
    const taken = await this.takePorts(generation);
    if (taken === undefined || generation !== this.generation) return taken?.listenSocket?.release();
    try {
      this.launch(taken.listenSocket?.fd());
    } finally {
      await taken.listenSocket?.release();
    }
  }

  /**
   * Probes the service's ports right before it spawns: nothing holds them while the service is not
   * running (a reserved port that accepted connections would look up to every health check), so a
   * stranger may have bound one since allocation or the last run. Then the service moves, as after a
   * lost race. Undefined when it could not get ports (and has failed) or was stopped meanwhile.
   */
  private async takePorts(generation: number, moves = 0): Promise<{ listenSocket?: PortReservation } | undefined> {
    const probes = await Promise.all(
      this.assigned.map((assignment, i) => probePort(assignment.port, { host: this.spec.host, hold: this.spec.socket && i === 0 })),
    );
    const takenAt = probes.findIndex((probe) => probe.result !== 'free');
    if (takenAt === -1) return { listenSocket: probes[0]?.reservation };
    await Promise.all(probes.flatMap((probe) => probe.reservation?.release() ?? []));
    if (generation !== this.generation) return undefined;
    const port = this.assigned[takenAt]!.port;
    const conflict =
      (await explainPortConflict(port, undefined))?.text ?? `it is ${probes[takenAt]!.result === 'forbidden' ? 'forbidden' : 'in use'} now`;
    if (moves >= MAX_PORT_MOVES) {
      this.transition('failed', `port ${port} was taken (${conflict}), after ${MAX_PORT_MOVES} moves in a row`);
      return undefined;
    }
    const moved = await this.context.reassignPorts(this, { unbindable: this.unbindablePorts, deferTimeWait: this.defersTimeWait });
    if (generation !== this.generation) return undefined;
    if ('failure' in moved) {
      this.transition('failed', `port ${port} was taken since devsup chose it (${conflict}), and no other port could be had: ${moved.failure}`);
      return undefined;
    }
    this.assigned = moved;
    this.context.warn(`${this.spec.key}: port ${port} was taken since devsup chose it (${conflict}); moving to port ${this.port}.`);
    this.emit('portChanged');
    return this.takePorts(generation, moves + 1);
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
    run.handled = this.failOnError(child.exited.then((exit) => this.handleExit(run, exit, outputDone)));
    this.context.watchdog?.watch(pid);
    this.watchForBindErrors(run);
    this.transition(this.spec.ready.kind === 'none' ? 'running' : 'starting');
    if (this.spec.ready.kind !== 'none') this.checkReadiness(run, resolved);
    else this.checkDriftLater(run, DRIFT_GRACE_MS * 2);
  }

  private checkReadiness(run: Run, resolved: ResolvedService): void {
    const { signal } = run.readiness;
    const target = {
      pid: run.pid,
      port: this.port,
      givenPorts: this.assigned.map((assignment) => assignment.port),
      host: this.spec.host,
      cwd: this.spec.cwd,
      env: resolved.env,
      onLine: (listener: (line: string) => void) => this.context.output.onLine(this.spec.key, listener),
      // "http /health → 503, 4 s" for the startup view and `devsup ports`, from the first second on.
      onProgress: (seen: string, waitedMs: number) => {
        if (waitedMs >= 1_000 && !signal.aborted && this.run === run) this.transition('starting', `${seen}, ${Math.floor(waitedMs / 1000)} s`);
      },
    };
    const checked = waitUntilReady(this.spec.ready, target, this.spec.readyTimeoutMs, signal).then(
      ({ driftedTo }) => {
        if (signal.aborted || this.run !== run) return;
        run.ready = true;
        this.portMoves = 0;
        this.unbindablePorts.clear();
        run.stopWatchingForBindErrors();
        if (driftedTo !== undefined) this.noteDrift(driftedTo);
        else if (this.spec.ready.kind !== 'tcp' && this.spec.ready.kind !== 'http') this.checkDriftLater(run, 0);
        this.transition('ready');
      },
      async (error: unknown) => {
        if (signal.aborted || this.run !== run) return;
        if (!(error instanceof ReadinessTimeout)) throw error;
        // Not ready in time is a failed run: devsup stops it, and the restart policy sees why (not the signal it sent).
        this.context.warn(`${this.spec.key}: ${error.message}`);
        this.moveToStopping('not ready in time', error.message);
        await this.seams.stopTree(run.pid, { signal: this.spec.stopSignal, timeoutMs: this.spec.stopTimeoutMs });
      },
    );
    void this.failOnError(checked);
  }

  private async handleExit(run: Run, exit: ChildExit, outputDone: Promise<unknown>): Promise<void> {
    run.readiness.abort(new Error('exited'));
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
    const notReadyIn = this.stopReason === 'not ready in time' ? this.currentDetail : undefined;
    if (this.currentStatus === 'stopping' && notReadyIn === undefined) return this.transition('stopped');
    const uptimeMs = Date.now() - run.startedAt;
    const decision = await decideAfterRun(this.spec, {
      ...exit,
      uptimeMs,
      port: this.port,
      beforeReady: this.spec.ready.kind === 'none' ? uptimeMs < QUICK_EXIT_MS : !run.ready,
      addressInUseLine: run.addressInUseLine,
      notReadyIn,
      consecutiveFailures: this.consecutiveFailures,
      restarts: this.crashRestarts,
      portMoves: this.portMoves,
    });
    // A stop asked for while the policies decided wins over what they decided.
    if (this.currentStatus === 'stopping' && this.stopReason !== 'not ready in time') return this.transition('stopped');
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
      case 'crashed':
        this.consecutiveFailures = decision.consecutiveFailures;
        this.context.warn(`${key} crashed: it ${decision.detail}; devsup gives up on it.${this.lastLinesSuffix()}`);
        return this.transition('crashed', decision.detail);
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

  /**
   * Its port was taken between the probe and its own bind: a new port and a new start at once, not
   * a crash; the services that use its port follow (the supervisor restarts them on `portChanged`).
   */
  private async moveAfterLostRace(conflict: { text: string; held: boolean; timeWaitOnly: boolean }): Promise<void> {
    const key = this.spec.key;
    const port = this.port!;
    // A port devsup's probe calls free but the program cannot bind (TIME_WAIT without SO_REUSEADDR)
    // must not be handed back to it: the move would land where it just failed.
    if (!conflict.held) this.unbindablePorts.set(port, `${key} could not bind it (${conflict.text})`);
    if (conflict.timeWaitOnly) this.defersTimeWait = true;
    const moved = await this.context.reassignPorts(this, { unbindable: this.unbindablePorts, deferTimeWait: this.defersTimeWait });
    if ('failure' in moved)
      return this.transition('failed', `port ${port} was taken (${conflict.text}), and no other port could be had: ${moved.failure}`);
    this.portMoves += 1;
    this.assigned = moved;
    this.context.warn(
      `${key}: port ${port} was taken before ${key} could bind it (${conflict.text}); moving to port ${this.port}. Not counted as a crash.`,
    );
    this.transition('starting', `moving to port ${this.port}`);
    this.emit('portChanged'); // first: the next launch reads its PORT from what the supervisor records
    await this.spawnRun();
  }

  /** For services whose readiness does not look at the port: once, a while after start, is it listening elsewhere? */
  private checkDriftLater(run: Run, delayMs: number): void {
    if (this.port === undefined) return;
    const givenPorts = this.assigned.map((assignment) => assignment.port);
    setTimeout(() => {
      if (this.run !== run) return;
      // Drift is a courtesy: when the process table cannot be read, devsup simply does not notice it.
      void findDriftedPort({ pid: run.pid, givenPorts }).then(
        (drifted) => {
          if (drifted !== undefined && this.run === run) this.noteDrift(drifted);
        },
        () => undefined,
      );
    }, delayMs).unref();
  }

  /** The service ignored PORT and listens on `actual`: from now on that is its port, in the table and for `${svc.port}`. */
  private noteDrift(actual: number): void {
    const given = this.port!;
    this.drifted = given;
    this.assigned = [{ ...this.assigned[0]!, port: actual }, ...this.assigned.slice(1)];
    this.context.warn(
      `${this.spec.key} ignored PORT=${given} and listens on ${actual}; the table shows ${actual}. ` +
        'Make it listen on $PORT: give the port on its command line (Vite: `vite --port ${port} --strictPort`; Flask: `flask run --port ${port}`; ' +
        'Django: `manage.py runserver ${port}`), or name the variable it reads with `port_env` (gradio: GRADIO_SERVER_PORT).',
    );
    this.emit('portChanged');
  }

  /** Until this run is ready (or, without a check, for its first seconds), notice "address already in use". */
  private watchForBindErrors(run: Run): void {
    if (this.assigned.length === 0) return;
    const unsubscribe = this.context.output.onLine(this.spec.key, (line) => {
      run.addressInUseLine ??= findAddressInUse([line]);
    });
    const timer = this.spec.ready.kind === 'none' ? setTimeout(() => run.stopWatchingForBindErrors(), QUICK_EXIT_MS).unref() : undefined;
    run.stopWatchingForBindErrors = () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }

  private lastLinesSuffix(): string {
    const lines = this.context.output.tail(this.spec.key, 10);
    return lines.length === 0 ? '' : `\nLast lines of ${this.spec.key}:\n${lines.map((line) => `  ${line}`).join('\n')}`;
  }
}
