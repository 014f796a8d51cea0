import type { ServiceSpec } from '../../manifest/service-spec.js';
import { explainPortConflict, MAX_PORT_MOVES, type PortConflict } from './reassign-port-on-conflict.js';
import { decideAfterExit, describeExit } from './restart-on-failure.js';

/** What the runner knows of a run that ended without devsup asking (or after it was not ready in time). */
export interface EndedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  uptimeMs: number;
  /** Its first port, if it has one. */
  port: number | undefined;
  /** It ended before it was ready (without a readiness check: in its first seconds). */
  beforeReady: boolean;
  /** A line of its output that said its address was in use. */
  addressInUseLine: string | undefined;
  /** Set when devsup stopped it because a check failed (not ready in time, or unhealthy): what the check saw. */
  failedCheck: string | undefined;
  consecutiveFailures: number;
  restarts: number;
  portMoves: number;
}

export type AfterExit =
  | { kind: 'move'; conflict: PortConflict } // its port was taken: a new one, not a crash
  | { kind: 'fail'; detail: string } // starting it again would not help
  | { kind: 'exited'; detail: string } // done, with code 0
  | { kind: 'crashed'; detail: string; consecutiveFailures: number } // devsup gives up on it
  | { kind: 'restart'; detail: string; delayMs: number; consecutiveFailures: number };

type Policy = (spec: ServiceSpec, run: EndedRun) => Promise<AfterExit | undefined> | AfterExit | undefined;

// Shell exit status for "command not found": starting it again would not help.
const EXIT_COMMAND_NOT_FOUND = 127;

/**
 * What happens after a run ends, in order: the first policy that answers decides. A port lost to
 * another process is not the service's fault; a missing command will not appear by itself; every
 * other end goes to the restart policy (`restart`, `max_restarts`, backoff).
 */
const POLICIES: readonly Policy[] = [moveOffATakenPort, failWhenCommandNotFound, restartOrGiveUp];

export async function decideAfterRun(spec: ServiceSpec, run: EndedRun): Promise<AfterExit> {
  for (const policy of POLICIES) {
    const decision = await policy(spec, run);
    if (decision) return decision;
  }
  throw new Error(`${spec.key}: no policy decided what follows its exit`);
}

/** A run that ended before it was ready because its port was taken (between the probe and its own bind). */
async function moveOffATakenPort(spec: ServiceSpec, run: EndedRun): Promise<AfterExit | undefined> {
  if (run.port === undefined || !run.beforeReady || run.failedCheck !== undefined) return undefined;
  const conflict = await explainPortConflict(run.port, run.addressInUseLine);
  if (!conflict) return undefined;
  if (spec.socket && run.addressInUseLine) {
    // Its "address in use" is its own socket on fd 3, which it ignored: another port would not help.
    return {
      kind: 'fail',
      detail: `it bound port ${run.port} itself instead of using the socket on fd 3 (${conflict.text}); make it listen on fd 3 (LISTEN_FDS) or drop socket: true`,
    };
  }
  if (run.portMoves >= MAX_PORT_MOVES)
    return { kind: 'fail', detail: `port ${run.port} was taken (${conflict.text}), after ${MAX_PORT_MOVES} moves in a row` };
  return { kind: 'move', conflict };
}

function failWhenCommandNotFound(spec: ServiceSpec, run: EndedRun): AfterExit | undefined {
  if (run.code !== EXIT_COMMAND_NOT_FOUND || typeof spec.command !== 'string') return undefined;
  return { kind: 'fail', detail: 'command not found (the shell exited with code 127)' };
}

/** A run stopped for a failed check counts as a failure, whatever devsup's own stop signal made it exit with. */
function restartOrGiveUp(spec: ServiceSpec, run: EndedRun): AfterExit {
  const failed = run.failedCheck !== undefined;
  const exit = failed ? { code: null, signal: null, uptimeMs: run.uptimeMs } : run;
  const decision = decideAfterExit(spec.restart, spec.maxRestarts, exit, run.consecutiveFailures);
  const cause = run.failedCheck ?? describeExit(run);
  if (decision.action === 'exited') return { kind: 'exited', detail: cause };
  if (decision.action === 'restart')
    return { kind: 'restart', detail: cause, delayMs: decision.delayMs, consecutiveFailures: decision.consecutiveFailures };
  const tried = run.restarts > 0 ? ` after ${run.restarts} restart${run.restarts === 1 ? '' : 's'}` : '';
  return { kind: 'crashed', detail: `${cause}${tried}`, consecutiveFailures: decision.consecutiveFailures };
}
