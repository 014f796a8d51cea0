import { describeProgress, progressGist } from '../output/startup-view.js';
import type { ControlContext } from './control-context.js';
import type { Connection } from './control-server.js';
import type { Request, StartupFailure } from './protocol.js';
import { verdictOf } from './wait-for-services.js';

/** How many of a failed service's last lines the answer carries (as many as `up` prints on a crash). */
const LAST_LINES = 10;

/**
 * The start-up of `devsup up -d`, told to the terminal that launched it: each named service's
 * progress as `up` says it (a `progress` when the phrase changes), then `settled` once none is on
 * its way any more — each ready, running or finished, or failed for good (crashed, failed, blocked,
 * stopped) with why and its last lines. The verdicts are `devsup wait`'s.
 */
export function followStartup(request: Extract<Request, { type: 'startup' }>, connection: Connection, context: ControlContext): void {
  const said = new Map<string, string>();
  const runners = context.supervisor.runners;
  const check = () => {
    for (const service of request.services) {
      const runner = runners.get(service);
      if (!runner) continue;
      const text = describeProgress(runner);
      if (said.get(service) === progressGist(text)) continue;
      said.set(service, progressGist(text));
      connection.send({ type: 'progress', service, status: runner.status, text });
    }
    const failed: StartupFailure[] = [];
    for (const service of request.services) {
      const verdict = verdictOf(runners.get(service), context);
      if (verdict.kind === 'waiting') return;
      if (verdict.kind === 'failed') failed.push({ service, why: verdict.why, lastLines: context.supervisor.output.tail(service, LAST_LINES) });
    }
    stopWatching();
    connection.send({ type: 'settled', report: context.report(), failed });
    connection.end();
  };
  const stopWatching = context.onChange(check);
  connection.onClose(stopWatching);
  check();
}
