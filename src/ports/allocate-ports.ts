import type { Manifest, NamedPortSpec, ServiceSpec } from '../manifest/service-spec.js';
import { describeBadHost, describeDisplacement, describeExhausted, describeNoFallback } from './allocation-messages.js';
import { listFallbackCandidates } from './fallback-candidates.js';
import { findHoldersOfPorts } from './find-port-holder.js';
import type { DisplacedBy, PortAssignment, PortReservation, ServiceAllocation } from './port-types.js';
import { probePort, reserveAnyPort } from './probe-port.js';
import { readSocketTable, type SocketRow } from './proc-net.js';
import { readSystemPorts, type SystemPorts } from './system-ports.js';

export interface AllocateOptions {
  only?: string[]; // allocate these services only (default: all)
  sticky?: Record<string, Record<string, number>>; // last run's ports: service → name → port, tried first for fallbacks and `auto`
  exclude?: Set<number>; // ports that must not be handed out (e.g. held by this instance already)
}

interface Slot {
  spec: NamedPortSpec;
  assignment?: PortAssignment;
  displacedBy?: DisplacedBy;
}

interface Draft {
  service: ServiceSpec;
  slots: Slot[];
  failure?: string;
}

interface Run {
  manifest: Manifest;
  options: AllocateOptions;
  system: SystemPorts;
  given: Map<number, string>; // port → service, in this run
  preferredByAny: Set<number>;
  lowest: number; // the lowest port a fallback may have: no privileged ports unless we are root
  listening: Set<number>; // LISTEN ports seen once before pass B: busy candidates are skipped without a bind
}

/**
 * Gives every service its ports. Pass A hands out preferred ports in declaration order; pass B finds
 * fallbacks, so one service's fallback never takes a port another service prefers. Every port is
 * returned still bound (`reservation`): the caller releases it right before spawning the child.
 */
export async function allocatePorts(manifest: Manifest, options: AllocateOptions = {}): Promise<ServiceAllocation[]> {
  const run = await startRun(manifest, options);
  const drafts: Draft[] = manifest.services
    .filter((service) => !options.only || options.only.includes(service.key))
    .map((service) => ({ service, slots: service.ports.map((spec) => ({ spec })) }));
  try {
    for (const draft of drafts) await takePreferredPorts(draft, run);
    const waiting = drafts.filter((draft) => !draft.failure && draft.slots.some((slot) => !slot.assignment));
    if (waiting.length > 0) {
      // One read of the TCP tables serves both the holder names and the skipping of busy candidates.
      const table = await readSocketTable();
      run.listening = new Set(table?.filter((row) => row.state === 'listen').map((row) => row.port));
      await nameHolders(waiting, table);
      for (const draft of waiting) await takeFallbacks(draft, run);
    }
  } catch (error) {
    await Promise.all(drafts.map(releaseDraft));
    throw error;
  }
  return drafts.map(({ service, slots, failure }) =>
    failure ? { service: service.key, ports: [], failure } : { service: service.key, ports: slots.map((slot) => slot.assignment!) },
  );
}

async function startRun(manifest: Manifest, options: AllocateOptions): Promise<Run> {
  const system = await readSystemPorts();
  const preferred = manifest.services.flatMap((service) => service.ports.map((spec) => spec.preferred));
  return {
    manifest,
    options,
    system,
    given: new Map(),
    preferredByAny: new Set(preferred.filter((port): port is number => port !== 'auto')),
    lowest: process.getuid?.() === 0 ? 1 : Math.max(system.unprivilegedStart, 1),
    listening: new Set(),
  };
}

async function takePreferredPorts(draft: Draft, run: Run): Promise<void> {
  const { service } = draft;
  for (const slot of draft.slots) {
    const port = slot.spec.preferred;
    if (port === 'auto') continue;
    const sibling = run.given.get(port);
    if (sibling !== undefined) slot.displacedBy = { kind: 'sibling', service: sibling };
    else if (run.options.exclude?.has(port)) slot.displacedBy = { kind: 'lease', detail: 'in use by this devsup instance' };
    if (slot.displacedBy) continue;
    const outcome = await probePort(port, { host: service.host, hold: true });
    if (outcome.result === 'badhost') return failDraft(draft, run, describeBadHost(service.key, service.host!, outcome.code));
    if (outcome.reservation) assign(slot, run, service.key, outcome.reservation, 'preferred');
    else slot.displacedBy = outcome.result === 'forbidden' ? { kind: 'forbidden' } : { kind: 'process' };
  }
}

/** One holder lookup for all displaced ports; a TIME_WAIT entry is the kernel's, not a holder. */
async function nameHolders(drafts: Draft[], table: SocketRow[] | null): Promise<void> {
  const slots = drafts.flatMap((draft) => draft.slots).filter((slot) => slot.displacedBy?.kind === 'process');
  if (slots.length === 0) return;
  const holders = await findHoldersOfPorts(slots.map((slot) => slot.spec.preferred as number), table);
  for (const slot of slots) {
    const found = holders.get(slot.spec.preferred as number) ?? [];
    const holder = found.find((h) => h.state === 'listen') ?? found.find((h) => h.state === 'connection');
    if (holder) slot.displacedBy = { kind: 'process', holder };
  }
}

async function takeFallbacks(draft: Draft, run: Run): Promise<void> {
  const { service } = draft;
  for (const slot of draft.slots) {
    if (slot.assignment) continue;
    const { name, preferred } = slot.spec;
    const cause = preferred === 'auto' ? undefined : describeDisplacement(preferred, slot.displacedBy!);
    if (preferred !== 'auto' && service.fallback.kind === 'none') {
      const label = name === 'default' ? 'port' : `${name} port`;
      return failDraft(draft, run, describeNoFallback(service.key, label, preferred, slot.displacedBy!));
    }
    const found = await findFallback(draft, slot, run);
    if (found === 'badhost') return failDraft(draft, run, describeBadHost(service.key, service.host!, undefined));
    if (!found) return failDraft(draft, run, describeExhausted(service.key, service.fallback, cause));
  }
}

/** Tries the candidates in order; true once the slot has a port. */
async function findFallback(draft: Draft, slot: Slot, run: Run): Promise<boolean | 'badhost'> {
  const { service } = draft;
  const tried = new Set<number>();
  for (const candidate of listFallbackCandidates({
    project: run.manifest.project,
    service: service.key,
    name: slot.spec.name,
    preferred: slot.spec.preferred,
    fallback: service.fallback,
    portRange: run.manifest.portRange,
    sticky: run.options.sticky?.[service.key]?.[slot.spec.name],
  })) {
    if (candidate.source === 'os') {
      const reservation = await reserveOsPort(service.host, run);
      if (reservation) assign(slot, run, service.key, reservation, 'os');
      return reservation !== undefined;
    }
    const { port, source } = candidate;
    if (tried.has(port) || !mayFallBackTo(port, run)) continue;
    tried.add(port);
    const outcome = await probePort(port, { host: service.host, hold: true });
    if (outcome.result === 'badhost') return 'badhost';
    if (outcome.reservation) {
      assign(slot, run, service.key, outcome.reservation, source);
      return true;
    }
  }
  return false;
}

/** The rules every fallback (but an OS-assigned one) obeys. */
function mayFallBackTo(port: number, run: Run): boolean {
  const { ephemeral } = run.system;
  return (
    port >= run.lowest &&
    port <= 65535 &&
    (port < ephemeral.from || port > ephemeral.to) &&
    !run.preferredByAny.has(port) &&
    !run.given.has(port) &&
    !run.options.exclude?.has(port) &&
    !run.listening.has(port)
  );
}

/** The OS may pick a port this run must not hand out; those are held until a good one comes. */
async function reserveOsPort(host: string | undefined, run: Run): Promise<PortReservation | undefined> {
  const rejected: PortReservation[] = [];
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      const reservation = await reserveAnyPort(host);
      if (!reservation) return undefined;
      const { port } = reservation;
      if (!run.given.has(port) && !run.preferredByAny.has(port) && !run.options.exclude?.has(port)) return reservation;
      rejected.push(reservation);
    }
    return undefined;
  } finally {
    await Promise.all(rejected.map((reservation) => reservation.release()));
  }
}

function assign(slot: Slot, run: Run, service: string, reservation: PortReservation, source: PortAssignment['source']): void {
  const { port } = reservation;
  const preferred = slot.spec.preferred === 'auto' ? undefined : slot.spec.preferred;
  slot.assignment = { name: slot.spec.name, port, preferred, source, displacedBy: slot.displacedBy, reservation };
  run.given.set(port, service);
}

/** A service that cannot get all its ports gets none: what it already holds goes back. */
async function failDraft(draft: Draft, run: Run, failure: string): Promise<void> {
  draft.failure = failure;
  for (const slot of draft.slots) {
    if (slot.assignment) run.given.delete(slot.assignment.port);
  }
  await releaseDraft(draft);
}

async function releaseDraft(draft: Draft): Promise<void> {
  await Promise.all(draft.slots.map((slot) => slot.assignment?.reservation?.release()));
}
