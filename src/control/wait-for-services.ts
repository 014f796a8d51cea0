import { formatDuration } from '../manifest/durations.js';
import { dependencyVerdict } from '../supervisor/dependency-gate.js';
import type { ServiceRunner } from '../supervisor/service-runner.js';
import type { ControlContext } from './control-context.js';
import type { Connection } from './control-server.js';
import type { Request } from './protocol.js';

export type Verdict = { kind: 'ready' } | { kind: 'waiting'; why: string } | { kind: 'failed'; why: string };

/**
 * `devsup wait`: answers `ready` once every named service is ready (or running without a check,
 * or finished with code 0), an error at once when one crashed, failed or is blocked for good, and
 * an error naming what it waited for after `timeoutMs`.
 */
export function waitForServices(request: Extract<Request, { type: 'wait' }>, connection: Connection, context: ControlContext): void {
  let stopWatching = () => {};
  const timer = setTimeout(() => {
    const waiting = request.services.map((service) => describe(service, context)).filter((text) => text !== undefined);
    finish({
      type: 'error',
      message: `timed out after ${formatDuration(request.askedMs ?? request.timeoutMs)} waiting for ${waiting.join('; ')}.`,
      exitCode: 1,
    });
  }, request.timeoutMs);
  const finish = (reply: Parameters<Connection['send']>[0]) => {
    clearTimeout(timer);
    stopWatching();
    connection.send(reply);
    connection.end();
  };
  const check = () => {
    const verdicts = request.services.map((service) => ({ service, verdict: verdictOf(context.supervisor.runners.get(service), context) }));
    for (const { service, verdict } of verdicts) {
      if (verdict.kind === 'failed') return finish({ type: 'error', message: `${service} will not be ready: ${verdict.why}.`, exitCode: 1 });
    }
    if (verdicts.every(({ verdict }) => verdict.kind === 'ready')) finish({ type: 'ready', report: context.report() });
  };
  stopWatching = context.onChange(check);
  connection.onClose(() => {
    clearTimeout(timer);
    stopWatching();
  });
  check();
}

/** Whether a service is ready (or as good as: running without a check, finished with 0), still on its way, or will not be. */
export function verdictOf(runner: ServiceRunner | undefined, context: ControlContext): Verdict {
  if (!runner) return { kind: 'failed', why: 'it was removed from the manifest' };
  const { status, detail } = runner;
  if (status === 'ready' || status === 'running' || status === 'exited') return { kind: 'ready' };
  if (status === 'crashed' || status === 'failed') return { kind: 'failed', why: detail ? `${status} (${detail})` : status };
  if (context.supervisor.staysStopped(runner.spec.key))
    return { kind: 'failed', why: `it is stopped; \`devsup start ${runner.spec.key}\` starts it` };
  if (status === 'pending') {
    const verdict = dependencyVerdict(runner.spec, context.supervisor.runners);
    if (verdict.kind === 'blocked') return { kind: 'failed', why: verdict.detail };
  }
  return { kind: 'waiting', why: detail ? `${status}: ${detail}` : status };
}

/** "llm (starting: http /health → 503, 4 s)" for a service not ready yet. */
function describe(service: string, context: ControlContext): string | undefined {
  const verdict = verdictOf(context.supervisor.runners.get(service), context);
  return verdict.kind === 'ready' ? undefined : `${service} (${verdict.why})`;
}
