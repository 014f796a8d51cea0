import type { ServiceSpec } from '../manifest/service-spec.js';
import type { AllocateOptions } from '../ports/allocate-ports.js';
import type { PortAssignment, PortReservation } from '../ports/port-types.js';
import { probePort } from '../ports/probe-port.js';
import { explainPortConflict, MAX_PORT_MOVES, type PortConflict } from './policies/reassign-port-on-conflict.js';

/** What a move must avoid: ports the service could not bind, and (after such a failure) TIME_WAIT ports. */
export type MoveOptions = Pick<AllocateOptions, 'unbindable' | 'deferTimeWait'>;

/** New ports for the service, as the supervisor allocates them; or why there are none. */
export type Reassign = (avoid: MoveOptions) => Promise<PortAssignment[] | { failure: string }>;

/** What a claim or a move came to: the ports to start on (and the socket for `socket: true`), or why not. */
export type PortsOutcome = { moved: boolean; listenSocket?: PortReservation } | { failure: string };

/**
 * One service's ports, owned in one place: what it was given, where it moved when a port was taken
 * or it bound another (drift), and what the next move must avoid. The runner asks it for ports
 * before each spawn and after a lost race; it says what happened, and the runner changes status.
 */
export class ServicePorts {
  private assigned: PortAssignment[];
  private drifted: number | undefined;
  /** Moves in a row since the service was last ready. */
  private moves = 0;
  /** Ports this service failed to bind since it was last ready, though a probe calls them free. */
  private readonly unbindable = new Map<number, string>();
  /** It once failed on a port that held only TIME_WAIT connections: such ports come last for it. */
  private defersTimeWait = false;

  constructor(
    private readonly spec: ServiceSpec,
    assigned: PortAssignment[],
    private readonly reassign: Reassign,
    private readonly warn: (message: string) => void,
  ) {
    this.assigned = assigned;
  }

  get all(): PortAssignment[] {
    return this.assigned;
  }

  get primary(): number | undefined {
    return this.assigned[0]?.port;
  }

  /** The port it was given, when it listens on another one (it ignored PORT). */
  get driftedFrom(): number | undefined {
    return this.drifted;
  }

  get movesInARow(): number {
    return this.moves;
  }

  /**
   * Probes every port right before a spawn: nothing holds them while the service is not running
   * (a reserved port that accepted connections would look up to every health check), so a stranger
   * may have bound one since allocation or the last run. Then the service moves, as after a lost
   * race. `stillWanted` turns false when a stop overtook the claim: it then ends with nothing.
   */
  async claim(stillWanted: () => boolean): Promise<PortsOutcome | undefined> {
    let moved = false;
    for (let attempt = 0; ; attempt++) {
      const probes = await Promise.all(
        this.assigned.map((assignment, i) => probePort(assignment.port, { host: this.spec.host, hold: this.spec.socket && i === 0 })),
      );
      const takenAt = probes.findIndex((probe) => probe.result !== 'free');
      if (takenAt === -1) return { moved, listenSocket: probes[0]?.reservation };
      await Promise.all(probes.flatMap((probe) => probe.reservation?.release() ?? []));
      if (!stillWanted()) return undefined;
      const port = this.assigned[takenAt]!.port;
      const conflict =
        (await explainPortConflict(port, undefined))?.text ?? `it is ${probes[takenAt]!.result === 'forbidden' ? 'forbidden' : 'in use'} now`;
      if (attempt >= MAX_PORT_MOVES) return { failure: `port ${port} was taken (${conflict}), after ${MAX_PORT_MOVES} moves in a row` };
      const next = await this.reassign(this.avoid());
      if (!stillWanted()) return undefined;
      if ('failure' in next)
        return { failure: `port ${port} was taken since devsup chose it (${conflict}), and no other port could be had: ${next.failure}` };
      this.assigned = next;
      moved = true;
      this.warn(`${this.spec.key}: port ${port} was taken since devsup chose it (${conflict}); moving to port ${this.primary}.`);
    }
  }

  /**
   * Its port was taken between the probe and its own bind: new ports, not a crash. A port a probe
   * calls free but the program cannot bind (TIME_WAIT without SO_REUSEADDR) is never handed back to
   * it: the move would land where it just failed.
   */
  async moveAfterLostRace(conflict: PortConflict): Promise<PortsOutcome> {
    const key = this.spec.key;
    const port = this.primary!;
    if (!conflict.held) this.unbindable.set(port, `${key} could not bind it (${conflict.text})`);
    if (conflict.timeWaitOnly) this.defersTimeWait = true;
    const next = await this.reassign(this.avoid());
    if ('failure' in next) return { failure: `port ${port} was taken (${conflict.text}), and no other port could be had: ${next.failure}` };
    this.moves += 1;
    this.assigned = next;
    this.warn(
      `${key}: port ${port} was taken before ${key} could bind it (${conflict.text}); moving to port ${this.primary}. Not counted as a crash.`,
    );
    return { moved: true };
  }

  /** The service is ready: what it failed on before no longer counts against the next move. */
  noteReady(): void {
    this.moves = 0;
    this.unbindable.clear();
  }

  /** The service ignored PORT and listens on `actual`: from now on that is its port, in the table and for `${svc.port}`. */
  noteDrift(actual: number): void {
    const given = this.primary!;
    this.drifted = given;
    this.assigned = [{ ...this.assigned[0]!, port: actual }, ...this.assigned.slice(1)];
    this.warn(
      `${this.spec.key} ignored PORT=${given} and listens on ${actual}; the table shows ${actual}. ` +
        'Make it listen on $PORT: give the port on its command line (Vite: `vite --port ${port} --strictPort`; Flask: `flask run --port ${port}`; ' +
        'Django: `manage.py runserver ${port}`), or name the variable it reads with `port_env` (gradio: GRADIO_SERVER_PORT).',
    );
  }

  /** New ports for a stopped service (back to its preferred ones). */
  replace(ports: PortAssignment[]): void {
    this.assigned = ports;
    this.drifted = undefined;
  }

  private avoid(): MoveOptions {
    return { unbindable: this.unbindable, deferTimeWait: this.defersTimeWait };
  }
}
