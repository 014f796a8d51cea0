import type { Manifest, PortRange } from '../manifest/service-spec.js';
import { describeHolder } from '../ports/find-port-holder.js';
import type { PortAssignment, ServiceAllocation } from '../ports/port-types.js';

/**
 * One sentence per port that is not the preferred one, and per service that got no port:
 * which port was preferred, who holds it, what was given instead: every fallback
 * is explained.
 */
export function explainAllocations(manifest: Manifest, allocations: ServiceAllocation[]): string[] {
  const lines: string[] = [];
  for (const allocation of allocations) {
    if (allocation.failure) {
      lines.push(`${allocation.service} cannot start: ${allocation.failure}`);
      continue;
    }
    const multiple = allocation.ports.length > 1;
    for (const assignment of allocation.ports) {
      const label = multiple ? `${allocation.service} (${assignment.name})` : allocation.service;
      const line = explainAssignment(label, assignment, manifest);
      if (line) lines.push(line);
    }
  }
  return lines;
}

function explainAssignment(label: string, assignment: PortAssignment, manifest: Manifest): string | undefined {
  const given = assignment.source === 'os' ? `${assignment.port}, assigned by the OS (ephemeral: it may change next run)` : String(assignment.port);
  const preferred = assignment.preferred;
  const displaced = assignment.displacedBy;
  if (preferred === undefined || !displaced) {
    return assignment.source === 'os' ? `${label}: no free port in ${manifest.portRange.from}-${manifest.portRange.to}; using ${given}.` : undefined;
  }
  switch (displaced.kind) {
    case 'process':
      return `${label}: port ${preferred} is held by ${describeHolder(displaced.holder, preferred)}; using ${given} instead.`;
    case 'sibling':
      return `${label}: port ${preferred} is also preferred by ${displaced.service}, which comes first; using ${given} instead.`;
    case 'forbidden':
      return `${label}: port ${preferred} may not be bound here (permission denied: a port below 1024 needs privileges, or the OS reserves it); using ${given} instead.`;
    case 'lease':
      return `${label}: port ${preferred} is ${displaced.detail}; using ${given} instead.`;
    case 'unbindable':
      return `${label}: port ${preferred}: ${displaced.detail}; using ${given} instead.`;
  }
}

/**
 * A `port_range` or `fallback: "A-B"` that reaches into the OS's ephemeral range, where devsup gives
 * no fallbacks (the OS hands those ports to outgoing connections and `listen(0)`): one sentence
 * each, so "no free port in 40000-40100" never leaves a user guessing why.
 */
export function explainEphemeralOverlaps(manifest: Manifest, ephemeral: PortRange): string[] {
  const ranges: { what: string; range: PortRange }[] = [];
  if (manifest.services.some((service) => service.fallback.kind === 'scan' && service.ports.length > 0))
    ranges.push({ what: 'port_range', range: manifest.portRange });
  for (const service of manifest.services) {
    if (service.fallback.kind === 'range') ranges.push({ what: `the fallback range of ${service.key}`, range: service.fallback });
  }
  const os = `the OS's ephemeral range ${ephemeral.from}-${ephemeral.to}, whose ports the OS hands to outgoing connections, so devsup gives no fallback there`;
  const lines: string[] = [];
  for (const { what, range } of ranges) {
    if (range.to < ephemeral.from || range.from > ephemeral.to) continue;
    const name = `${what} ${range.from}-${range.to}`;
    const usable = [
      range.from < ephemeral.from ? `${range.from}-${ephemeral.from - 1}` : undefined,
      range.to > ephemeral.to ? `${ephemeral.to + 1}-${range.to}` : undefined,
    ].filter((part) => part !== undefined);
    lines.push(
      usable.length === 0
        ? `${name} lies inside ${os}: choose a range outside it, e.g. 10000-10999.`
        : `${name} overlaps ${os}: only ${usable.join(' and ')} of it is used.`,
    );
  }
  return lines;
}
