import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from '../manifest/service-spec.js';
import type { ResolvedService } from '../manifest/resolve-service.js';
import type { OutputBus } from './output-bus.js';
import type { PortAssignment, PortReservation } from '../ports/port-types.js';
import { decideAfterExit, describeExit } from './policies/restart-on-failure.js';
import { explainPortConflict, findAddressInUse, MAX_PORT_MOVES } from './policies/reassign-port-on-conflict.js';
import { DRIFT_GRACE_MS, findDriftedPort, ReadinessTimeout, waitUntilReady } from './readiness.js';
import type { ServiceStatus } from './service-status.js';
import { spawnChild, type ChildExit, type SpawnedChild } from './spawn-child.js';
import { killTreeNow, stopServiceTree } from './stop-service-tree.js';
import { probePort } from '../ports/probe-port.js';
import { findMarkedProcesses, ownStartTime, stopMarkedProcesses, type MarkedProcess } from '../ports/marked-processes.js';
import type { AllocateOptions } from '../ports/allocate-ports.js';
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

interface RunnerEvents {
  change: [];
  /** The service moved to a new port (its own was taken); services that use the old one must follow. */
  portChanged: [];
}

// A service without a readiness check that exits this soon may have failed to bind its port.
const QUICK_EXIT_MS = 5_000;
// How long an exited service's output may take to drain before devsup acts on the exit.
const OUTPUT_GRACE_MS = 1_000;
// Shell exit status for "command not found": starting it again would not help.
const EXIT_COMMAND_NOT_FOUND = 127;

/**
 * One service's life: spawn, readiness, restarts with backoff, stop. Every status change goes
 * through `setStatus`, which emits `change`; the supervisor and the views subscribe to that.
 */
export class ServiceRunner extends EventEmitter<RunnerEvents> {
  status: ServiceStatus = 'pending';
  detail: string | undefined;
  pid: number | null = null;
  /** Crash restarts only, as the table shows them. */
  restarts = 0;
  /** The port it was given, when it listens on another one (it ignored PORT). */
  driftedFrom: number | undefined;
  /** The command and environment of its last start: a manifest edit that changes them restarts it. */
  launchedWith: ResolvedService | undefined;
  private consecutiveFailures = 0;
  private child: SpawnedChild | undefined;
  private runEnded: Promise<void> | undefined;
  private stopRequested = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readinessAbort: AbortController | undefined;
  /** This run printed that its address was in use (watched until the service is ready). */
  private addressInUseLine: string | undefined;
  private stopWatchingForBindErrors: (() => void) | undefined;
  private readyThisRun = false;
  private portMoves = 0;
  /** Ports this service failed to bind since it was last ready, though a probe calls them free. */
  private readonly unbindablePorts = new Map<number, string>();
  /** It once failed on a port that held only TIME_WAIT connections: such ports come last for it. */
  private defersTimeWait = false;

  constructor(
    readonly spec: ServiceSpec,
    public ports: PortAssignment[],
    private readonly context: RunnerContext,
  ) {
    super();
  }

  get port(): number | undefined {
    return this.ports[0]?.port;
  }

  /** Alive in the sense of "may still do something": keeps `devsup up` running. */
  get isActive(): boolean {
    return this.status === 'starting' || this.status === 'ready' || this.status === 'running' || this.status === 'restarting';
  }

  setStatus(status: ServiceStatus, detail?: string): void {
    if (this.status === status && this.detail === detail) return;
    this.status = status;
    this.detail = detail;
    this.emit('change');
  }

  /** Starts the service (first start, or again after `stop`). */
  async start(): Promise<void> {
    if (this.isActive) return;
    this.stopRequested = false;
    this.consecutiveFailures = 0;
    // Claimed before the first await, so a second call meanwhile sees an active service.
    this.setStatus('starting');
    await this.spawnRun();
  }

  /** Leaves the service out of this run (not named, or `autostart: false`): stopped from the start, its planned port released. */
  leaveOut(): void {
    this.stopRequested = true;
    this.setStatus('stopped');
  }

  /** Marks the service as unable to start, e.g. for lack of a port. */
  fail(reason: string): void {
    this.setStatus('failed', reason);
  }

  /**
   * Stops the service on purpose: `stop_signal`, `stop_timeout`, then the whole tree is killed — and,
   * unless the caller sweeps for everyone at once (`sweepEscaped: false`), the processes that left
   * its group and tree but carry its mark.
   */
  async stop(options: { sweepEscaped?: boolean } = {}): Promise<void> {
    this.stopRequested = true;
    clearTimeout(this.restartTimer);
    this.readinessAbort?.abort(new Error('stopping'));
    const { child, runEnded } = this;
    if (child?.pid !== undefined) await stopServiceTree(child.pid, { signal: this.spec.stopSignal, timeoutMs: this.spec.stopTimeoutMs });
    await runEnded;
    if (options.sweepEscaped !== false && this.launchedWith) await this.stopEscaped(findMarkedProcesses({ instance: process.pid, instanceStart: ownStartTime(), service: this.spec.key }));
    if (this.status !== 'failed' && this.status !== 'crashed' && this.status !== 'exited') this.setStatus('stopped');
  }

  /** Processes of this service that left its process group (`setsid … &`, a daemon): stopped as the group was. */
  async stopEscaped(marked: MarkedProcess[]): Promise<void> {
    await stopMarkedProcesses(marked, this.spec.stopSignal, this.spec.stopTimeoutMs);
  }

  /** New ports for a stopped service (back to its preferred ones): services that use the old ones must follow. */
  moveTo(ports: PortAssignment[]): void {
    this.ports = ports;
    this.driftedFrom = undefined;
    this.emit('portChanged');
  }

  /** SIGKILL to the whole tree now (a second Ctrl-C), and to the processes that left it. */
  async kill(): Promise<void> {
    this.stopRequested = true;
    clearTimeout(this.restartTimer);
    if (this.child?.pid !== undefined) await killTreeNow(this.child.pid);
    await stopMarkedProcesses(findMarkedProcesses({ instance: process.pid, instanceStart: ownStartTime(), service: this.spec.key }), 'SIGKILL', 0);
  }

  /**
   * Starts one run. Its ports are probed again first (see takePorts); with `socket: true` the probe
   * socket of the first port is handed to the child as fd 3 and closed right after (kept open,
   * devsup would accept, and steal, the child's connections).
   */
  private async spawnRun(): Promise<void> {
    if (this.spec.socket && process.platform === 'win32') {
      return this.setStatus('failed', 'socket handoff (socket: true) needs Linux or macOS: Node cannot pass a socket to a child on Windows');
    }
    const taken = await this.takePorts();
    if (taken === undefined) return;
    if (!this.stopRequested) this.launch(taken.listenSocket?.fd());
    await taken.listenSocket?.release();
  }

  /**
   * Probes the service's ports right before it spawns: nothing holds them while the service is not
   * running (a reserved port that accepted connections would look up to every health check), so a
   * stranger may have bound one since allocation or the last run. Then the service moves, as after a
   * lost race. Undefined when it could not get ports and has failed.
   */
  private async takePorts(moves = 0): Promise<{ listenSocket?: PortReservation } | undefined> {
    const probes = await Promise.all(this.ports.map((assignment, i) => probePort(assignment.port, { host: this.spec.host, hold: this.spec.socket && i === 0 })));
    const takenAt = probes.findIndex((probe) => probe.result !== 'free');
    if (takenAt === -1) return { listenSocket: probes[0]?.reservation };
    await Promise.all(probes.map((probe) => probe.reservation?.release()));
    const port = this.ports[takenAt]!.port;
    const conflict = (await explainPortConflict(port, undefined))?.text ?? `it is ${probes[takenAt]!.result === 'forbidden' ? 'forbidden' : 'in use'} now`;
    if (moves >= MAX_PORT_MOVES) {
      this.setStatus('failed', `port ${port} was taken (${conflict}), after ${MAX_PORT_MOVES} moves in a row`);
      return undefined;
    }
    const moved = await this.context.reassignPorts(this, { unbindable: this.unbindablePorts, deferTimeWait: this.defersTimeWait });
    if ('failure' in moved) {
      this.setStatus('failed', `port ${port} was taken since devsup chose it (${conflict}), and no other port could be had: ${moved.failure}`);
      return undefined;
    }
    this.ports = moved;
    this.context.warn(`${this.spec.key}: port ${port} was taken since devsup chose it (${conflict}); moving to port ${this.port}.`);
    this.emit('portChanged');
    return this.takePorts(moves + 1);
  }

  private launch(listenFd?: number): void {
    let resolved: ResolvedService;
    try {
      resolved = this.context.resolve();
    } catch (error) {
      // E.g. `${db.port}` of a service that could not get a port.
      return this.setStatus('failed', (error as Error).message);
    }
    this.launchedWith = resolved;
    this.context.output.startRun(this.spec.key);
    const child = spawnChild(resolved.command, { cwd: this.spec.cwd, env: resolved.env, listenFd, listenName: this.spec.key });
    this.child = child;
    this.pid = child.pid ?? null;
    const startedAt = Date.now();
    const outputDone = child.pid === undefined
      ? Promise.resolve()
      : Promise.all([
          this.context.output.attach(this.spec.key, child.stdout, 'stdout'),
          this.context.output.attach(this.spec.key, child.stderr, 'stderr'),
        ]);
    this.runEnded = child.exited.then((exit) => this.onExit(exit, Date.now() - startedAt, outputDone));
    if (child.pid === undefined) return;
    this.context.watchdog?.watch(child.pid);
    this.watchForBindErrors();
    this.setStatus(this.spec.ready.kind === 'none' ? 'running' : 'starting');
    if (this.spec.ready.kind !== 'none') this.checkReadiness(child.pid, resolved);
    else this.checkDriftLater(child.pid, DRIFT_GRACE_MS * 2);
  }

  private checkReadiness(pid: number, resolved: ResolvedService): void {
    const abort = new AbortController();
    this.readinessAbort = abort;
    const target = {
      pid,
      port: this.port,
      givenPorts: this.ports.map((assignment) => assignment.port),
      host: this.spec.host,
      cwd: this.spec.cwd,
      env: resolved.env,
      onLine: (listener: (line: string) => void) => this.context.output.onLine(this.spec.key, listener),
      // "http /health → 503, 4 s" for the startup view and `devsup ports`, from the first second on.
      onProgress: (seen: string, waitedMs: number) => {
        if (waitedMs >= 1_000 && !abort.signal.aborted) this.setStatus('starting', `${seen}, ${Math.floor(waitedMs / 1000)} s`);
      },
    };
    waitUntilReady(this.spec.ready, target, this.spec.readyTimeoutMs, abort.signal).then(
      ({ driftedTo }) => {
        if (abort.signal.aborted) return;
        this.readyThisRun = true;
        this.portMoves = 0;
        this.unbindablePorts.clear();
        this.stopWatchingForBindErrors?.();
        if (driftedTo !== undefined) this.noteDrift(driftedTo);
        else if (this.spec.ready.kind !== 'tcp' && this.spec.ready.kind !== 'http') this.checkDriftLater(pid, 0);
        this.setStatus('ready');
      },
      (error: unknown) => {
        if (abort.signal.aborted || !(error instanceof ReadinessTimeout)) return;
        // A service that never becomes ready is a failed run: stop it and let the restart policy decide.
        this.context.warn(`${this.spec.key}: ${error.message}`);
        this.detail = error.message;
        void stopServiceTree(pid, { signal: this.spec.stopSignal, timeoutMs: this.spec.stopTimeoutMs });
      },
    );
  }

  private async onExit(exit: ChildExit, uptimeMs: number, outputDone: Promise<unknown>): Promise<void> {
    this.readinessAbort?.abort(new Error('exited'));
    this.pid = null;
    if (exit.spawnError) return this.setStatus('failed', exit.spawnError);
    // Grandchildren left in the group would hold the port against the next run.
    if (this.child?.pid !== undefined) await stopServiceTree(this.child.pid, { signal: this.spec.stopSignal, timeoutMs: this.spec.stopTimeoutMs });
    // The group is gone: its id may be reused by an unrelated process, so never signal it again.
    if (this.child?.pid !== undefined) this.context.watchdog?.unwatch(this.child.pid);
    this.child = undefined;
    // Its last lines belong before what we say about its exit; a descendant that left the group
    // may keep the pipes open, so do not wait for them for ever.
    await Promise.race([outputDone, sleep(OUTPUT_GRACE_MS, undefined, { ref: false })]);
    this.stopWatchingForBindErrors?.();
    if (this.stopRequested) return this.setStatus('stopped');
    if (await this.moveIfPortTaken(uptimeMs)) return;
    if (exit.code === EXIT_COMMAND_NOT_FOUND && typeof this.spec.command === 'string') {
      return this.setStatus('failed', `command not found (the shell exited with code 127)${this.lastLinesSuffix()}`);
    }
    const decision = decideAfterExit(this.spec.restart, this.spec.maxRestarts, { ...exit, uptimeMs }, this.consecutiveFailures);
    const cause = describeExit(exit);
    if (decision.action === 'exited') return this.setStatus('exited', cause);
    this.consecutiveFailures = decision.consecutiveFailures;
    if (decision.action === 'crashed') {
      const tried = this.restarts > 0 ? ` after ${this.restarts} restart${this.restarts === 1 ? '' : 's'}` : '';
      this.context.warn(`${this.spec.key} crashed: it ${cause}${tried}; devsup gives up on it.${this.lastLinesSuffix()}`);
      return this.setStatus('crashed', `${cause}${tried}`);
    }
    this.restarts += 1;
    const when = decision.delayMs === 0 ? 'now' : `in ${decision.delayMs} ms`;
    this.context.output.note(this.spec.key, `${cause}; restarting ${when} (restart ${decision.consecutiveFailures} of ${this.spec.maxRestarts} in a row)`);
    this.setStatus('restarting', cause);
    this.restartTimer = setTimeout(() => {
      if (!this.stopRequested) void this.spawnRun();
    }, decision.delayMs);
  }

  /** For services whose readiness does not look at the port: once, a while after start, is it listening elsewhere? */
  private checkDriftLater(pid: number, delayMs: number): void {
    if (this.port === undefined) return;
    const givenPorts = this.ports.map((assignment) => assignment.port);
    setTimeout(() => {
      if (this.pid !== pid) return;
      void findDriftedPort({ pid, givenPorts }).then((drifted) => {
        if (drifted !== undefined && this.pid === pid) this.noteDrift(drifted);
      });
    }, delayMs).unref();
  }

  /** The service ignored PORT and listens on `actual`: from now on that is its port, in the table and for `${svc.port}`. */
  private noteDrift(actual: number): void {
    const given = this.port!;
    this.driftedFrom = given;
    this.ports = [{ ...this.ports[0]!, port: actual }, ...this.ports.slice(1)];
    this.context.warn(
      `${this.spec.key} ignored PORT=${given} and listens on ${actual}; the table shows ${actual}. ` +
        'Make it listen on $PORT: give the port on its command line (Vite: `vite --port ${port} --strictPort`; Flask: `flask run --port ${port}`; ' +
        'Django: `manage.py runserver ${port}`), or name the variable it reads with `port_env` (gradio: GRADIO_SERVER_PORT).',
    );
    this.emit('portChanged');
  }

  /** Until this run is ready (or, without a check, for its first seconds), notice "address already in use". */
  private watchForBindErrors(): void {
    this.readyThisRun = false;
    this.addressInUseLine = undefined;
    if (this.ports.length === 0) return;
    const unsubscribe = this.context.output.onLine(this.spec.key, (line) => {
      this.addressInUseLine ??= findAddressInUse([line]);
    });
    const timer = this.spec.ready.kind === 'none' ? setTimeout(() => this.stopWatchingForBindErrors?.(), QUICK_EXIT_MS).unref() : undefined;
    this.stopWatchingForBindErrors = () => {
      unsubscribe();
      clearTimeout(timer);
      this.stopWatchingForBindErrors = undefined;
    };
  }

  /**
   * A run that ended before it was ready because its port was taken (another process bound it
   * between allocation and the child's bind) moves to a new port and starts again at once: not a
   * crash, and its dependents follow. Returns false for an ordinary crash.
   */
  private async moveIfPortTaken(uptimeMs: number): Promise<boolean> {
    const port = this.port;
    const beforeReady = this.spec.ready.kind === 'none' ? uptimeMs < QUICK_EXIT_MS : !this.readyThisRun;
    if (port === undefined || !beforeReady) return false;
    const conflict = await explainPortConflict(port, this.addressInUseLine);
    if (!conflict) return false;
    const key = this.spec.key;
    if (this.spec.socket && this.addressInUseLine) {
      // Its "address in use" is its own socket on fd 3, which it ignored: another port would not help.
      this.setStatus('failed', `it bound port ${port} itself instead of using the socket on fd 3 (${conflict.text}); make it listen on fd 3 (LISTEN_FDS) or drop socket: true`);
      return true;
    }
    if (this.portMoves >= MAX_PORT_MOVES) {
      this.setStatus('failed', `port ${port} was taken (${conflict.text}), after ${MAX_PORT_MOVES} moves in a row`);
      return true;
    }
    // A port devsup's probe calls free but the program cannot bind (TIME_WAIT without SO_REUSEADDR)
    // must not be handed back to it: the move would land where it just failed.
    if (!conflict.held) this.unbindablePorts.set(port, `${key} could not bind it (${conflict.text})`);
    if (conflict.timeWaitOnly) this.defersTimeWait = true;
    const moved = await this.context.reassignPorts(this, { unbindable: this.unbindablePorts, deferTimeWait: this.defersTimeWait });
    if ('failure' in moved) {
      this.setStatus('failed', `port ${port} was taken (${conflict.text}), and no other port could be had: ${moved.failure}`);
      return true;
    }
    this.portMoves += 1;
    this.ports = moved;
    this.context.warn(`${key}: port ${port} was taken before ${key} could bind it (${conflict.text}); moving to port ${this.port}. Not counted as a crash.`);
    this.emit('portChanged'); // first: the next launch reads its PORT from what the supervisor records
    await this.spawnRun();
    return true;
  }

  private lastLinesSuffix(): string {
    const lines = this.context.output.tail(this.spec.key, 10);
    return lines.length === 0 ? '' : `\nLast lines of ${this.spec.key}:\n${lines.map((line) => `  ${line}`).join('\n')}`;
  }
}
