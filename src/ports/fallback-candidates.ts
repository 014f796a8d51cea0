import type { FallbackPolicy, PortRange } from '../manifest/service-spec.js';
import type { PortAssignment } from './port-types.js';
import { sha256 } from '../files/sha256.js';

/** What decides where one port of one service may fall back to. */
export interface CandidatePlan {
  project: string;
  service: string;
  name: string;
  preferred: number | 'auto';
  fallback: FallbackPolicy;
  portRange: PortRange; // the manifest's `port_range`
  sticky?: number; // the port this service got last run
}

/** A port to try, or `os`: ask the OS for any free port (the last resort, never after a hard range). */
export type Candidate = { port: number; source: Exclude<PortAssignment['source'], 'preferred' | 'os'> } | { source: 'os' };

const SCAN_ABOVE_PREFERRED = 100;

/**
 * The fallback ports of one named port, best first. Filtering (other services' preferred ports,
 * the ephemeral range, privileged ports…) is the caller's job; this only fixes the order.
 */
export function* listFallbackCandidates(plan: CandidatePlan): Generator<Candidate> {
  const { fallback, sticky } = plan;
  if (fallback.kind === 'range') {
    if (sticky !== undefined && sticky >= fallback.from && sticky <= fallback.to) yield { port: sticky, source: 'sticky' };
    yield* walkRange(fallback, 0);
    return;
  }
  if (sticky !== undefined) yield { port: sticky, source: 'sticky' };
  if (plan.preferred !== 'auto') {
    const last = Math.min(plan.preferred + SCAN_ABOVE_PREFERRED, 65535);
    for (let port = plan.preferred + 1; port <= last; port++) yield { port, source: 'scan' };
  }
  yield* walkRange(plan.portRange, hashOffset([plan.project, plan.service, plan.name], rangeSize(plan.portRange)));
  yield { source: 'os' };
}

/** Every port of the range once, starting `offset` ports in and wrapping around. */
function* walkRange(range: PortRange, offset: number): Generator<Candidate> {
  const size = rangeSize(range);
  for (let i = 0; i < size; i++) yield { port: range.from + ((offset + i) % size), source: 'range' };
}

function rangeSize(range: PortRange): number {
  return range.to - range.from + 1;
}

/**
 * A stable position inside the range for (project, service, name), so two projects that both fall
 * back into 10000-10999 do not race for the same first free port, and a service lands on the same
 * fallback run after run.
 */
export function hashOffset(parts: string[], size: number): number {
  return sha256(parts.join('\0')).readUInt32BE(0) % size;
}
