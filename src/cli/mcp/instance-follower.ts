import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf, NoInstanceError } from '../../errors.js';
import { NoAnswerError, requestInstance } from '../../control/control-client.js';
import type { Incident } from '../../control/protocol.js';
import type { PortsReport } from '../../output/ports-report.js';

/** How often a server with no instance to follow looks for one. */
const LOOK_AGAIN_MS = 500;

export interface FollowerEvents {
  /** The instance's report after a change; undefined once no instance runs. */
  onReport(report: PortsReport | undefined): void;
  onIncident(incident: Incident): void;
}

/**
 * Follows the instance of the manifest served, whichever runs: connected through a `watch` request
 * while one runs, looking for one every half second while none does, so an instance started, stopped
 * or restarted by anyone (a terminal, `up -d`, this server) is followed. `poke` looks at once. Each
 * incident since the server started is told once, those of the moment before a connection too.
 */
export class InstanceFollower {
  private readonly quit = new AbortController();
  private wake = new AbortController();
  private following = false;
  private lastProblem: string | undefined;
  /** Incidents from this time on are news: the server's start, then just after the last one heard. */
  private incidentsSince = Date.now();
  readonly done: Promise<void>;

  constructor(
    private readonly folder: () => string,
    private readonly events: FollowerEvents,
    private readonly note: (message: string) => void,
  ) {
    this.done = this.loop();
  }

  /** Look for an instance now (one was just started). */
  poke(): void {
    this.wake.abort();
  }

  close(): Promise<void> {
    this.quit.abort();
    return this.done;
  }

  private async loop(): Promise<void> {
    while (!this.quit.signal.aborted) {
      await this.followOnce();
      if (this.quit.signal.aborted) return;
      this.wake = new AbortController();
      await sleep(LOOK_AGAIN_MS, undefined, { signal: AbortSignal.any([this.quit.signal, this.wake.signal]) }).catch(() => undefined);
    }
  }

  /** One connection, until the instance or this server goes; a failure to connect is simply no instance. */
  private async followOnce(): Promise<void> {
    try {
      // `since`: a service that failed between the instance's start and this connection is told too.
      for await (const reply of requestInstance(this.folder(), { type: 'watch', since: this.incidentsSince }, this.quit.signal)) {
        if (reply.type === 'report') {
          this.following = true;
          this.lastProblem = undefined;
          this.events.onReport(reply.report);
        } else if (reply.type === 'incident') {
          if (reply.incident.at !== undefined) this.incidentsSince = Math.max(this.incidentsSince, reply.incident.at + 1);
          this.events.onIncident(reply.incident);
        }
      }
    } catch (error) {
      // No instance is the usual state between runs; anything else (no manifest yet) is said once.
      if (!(error instanceof NoInstanceError || error instanceof NoAnswerError)) {
        const problem = messageOf(error);
        if (problem !== this.lastProblem) this.note(problem);
        this.lastProblem = problem;
      }
    }
    if (this.following) {
      this.following = false;
      this.events.onReport(undefined);
    }
  }
}
