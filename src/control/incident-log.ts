import type { ServiceStatus } from '../supervisor/service-status.js';
import type { ServiceRunner } from '../supervisor/service-runner.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Incident } from './protocol.js';

/** How many of a service's last lines an incident carries (as many as `up -d` shows for a failure). */
const LAST_LINES = 10;
/**
 * How many incidents are kept for a `watch` that connects after them, and how much of their lines
 * (a crash loop makes many, each with up to 10 lines of up to 64 KiB): the newest, within both.
 */
const KEPT = 100;
const KEPT_LINE_CHARS = 1024 * 1024;
/** The statuses an unexpected end of a run leads to, and a failing health check's. */
const INCIDENT_STATUSES: ReadonlySet<ServiceStatus> = new Set(['restarting', 'crashed', 'failed', 'unhealthy']);

/**
 * The instance's incidents: each time a service's run ends without being asked to — a crash that
 * will be restarted, one devsup gave up on, a failure to start, a restart for a failed check — with
 * its exit and last lines, and each time a health check starts failing (`unhealthy`). Recorded from
 * the instance's start, whether or not anyone watches, so that `devsup mcp` hears of a service that
 * failed in the moment before its `watch` connected.
 */
export class IncidentLog {
  private readonly seen = new Map<string, { status: ServiceStatus; restarts: number }>();
  private readonly kept: Incident[] = [];
  private keptLineChars = 0;
  private readonly listeners = new Set<(incident: Incident) => void>();

  constructor(private readonly supervisor: Supervisor) {
    for (const [key, runner] of supervisor.runners) this.seen.set(key, { status: runner.status, restarts: runner.restarts });
  }

  /**
   * Looks for new incidents. Called on each change of the supervisor, with the runner that changed:
   * only that one is looked at, so a start-up of thousands of services costs one look per change,
   * not one per service. Without a runner, every service is.
   */
  readonly check = (changed?: ServiceRunner): void => {
    for (const key of changed === undefined ? [...this.supervisor.runners.keys()] : [changed.spec.key]) {
      const runner = this.supervisor.runners.get(key);
      if (runner === undefined) continue;
      const before = this.seen.get(key);
      this.seen.set(key, { status: runner.status, restarts: runner.restarts });
      const moved = before === undefined || before.status !== runner.status || before.restarts !== runner.restarts;
      if (!moved || !INCIDENT_STATUSES.has(runner.status)) continue;
      const incident = this.incidentOf(key);
      this.keep(incident);
      this.listeners.forEach((listener) => listener(incident));
    }
  };

  /** The incidents kept that happened at `time` or later, oldest first. */
  since(time: number): Incident[] {
    return this.kept.filter((incident) => incident.at !== undefined && incident.at >= time);
  }

  /** Calls `listener` with each new incident until the returned function is called. */
  onIncident(listener: (incident: Incident) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private keep(incident: Incident): void {
    this.kept.push(incident);
    this.keptLineChars += lineChars(incident);
    while (this.kept.length > 1 && (this.kept.length > KEPT || this.keptLineChars > KEPT_LINE_CHARS))
      this.keptLineChars -= lineChars(this.kept.shift()!);
  }

  private incidentOf(service: string): Incident {
    const runner = this.supervisor.runners.get(service)!;
    // An unhealthy service still runs: its last exit is an earlier run's.
    const exit = runner.status === 'unhealthy' ? undefined : runner.lastExit;
    return {
      service,
      status: runner.status as Incident['status'],
      ...(runner.detail !== undefined && { detail: runner.detail }),
      ...(exit !== undefined && { exit: { code: exit.code, signal: exit.signal } }),
      ...(exit?.failedCheck !== undefined && { failedCheck: exit.failedCheck }),
      restarts: runner.restarts,
      lastLines: this.supervisor.output.tail(service, LAST_LINES),
      at: Date.now(),
    };
  }
}

function lineChars(incident: Incident): number {
  return incident.lastLines.reduce((sum, line) => sum + line.length, 0);
}
