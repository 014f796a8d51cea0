import type { Manifest, NamedPortSpec, ServiceSpec } from '../manifest/service-spec.js';
import { describeBadHost, describeDisplacement, describeExhausted, describeNoFallback } from './allocation-messages.js';
import { listFallbackCandidates, type Candidate } from './fallback-candidates.js';
import { findHoldersOfPorts } from './find-port-holder.js';
import type { DisplacedBy, PortAssignment, PortReservation, ServiceAllocation } from './port-types.js';
import { openLeaseRegistry, type LeaseRegistry } from './port-lease.js';
import { probePort, reserveAnyPort } from './probe-port.js';
import { readSocketTable, type SocketRow } from './proc-net.js';
import { readSystemPorts, type SystemPorts } from './system-ports.js';

export interface AllocateOptions {
  only?: string[]; // allocate these services only (default: all)
  sticky?: Record<string, Record<string, number>>; // last run's ports: service → name → port, tried first for fallbacks and `auto`
  exclude?: Set<number>; // ports that must not be handed out (e.g. held by this instance already)
  /** Ports the service just failed to bind, with why: never handed to it again in this allocation. */
  unbindable?: Map<number, string>;
  /** The service cannot bind a port that has TIME_WAIT connections (no SO_REUSEADDR): try such ports last. */
  deferTimeWait?: boolean;
  /** Preferred ports or nothing: a service whose preferred port is taken fails, saying by whom (`restart --preferred`). */
  preferredOnly?: boolean;
}

interface Slot {
  spec: NamedPortSpec;
  assignment?: PortAssignment;
  /** Held while the allocation runs, so no later candidate of this run probes it free. */
  reservation?: PortReservation;
  displacedBy?: DisplacedBy;
}

type FallbackCandidate = Extract<Candidate, { port: number }>;

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
  timeWait: Set<number>; // ports with TIME_WAIT connections, seen at the same time
  leases: LeaseRegistry; // other instances' leases; every port given here is leased to this one
}

/**
 * Gives every service its ports. Pass A hands out preferred ports in declaration order; pass B finds
 * fallbacks, so one service's fallback never takes a port another service prefers. All of it runs
 * inside the machine-wide lease mutex, so two instances never hand out one port; the leases last as
 * long as the instance, covering the child's start and its restarts (port-lease.ts). The probe
 * sockets are closed before this returns: a port whose service is not running must refuse
 * connections as a free port does, so the runner probes it again right before each spawn instead.
 */
export async function allocatePorts(manifest: Manifest, options: AllocateOptions = {}): Promise<ServiceAllocation[]> {
  const drafts: Draft[] = manifest.services
    .filter((service) => !options.only || options.only.includes(service.key))
    .map((service) => ({ service, slots: service.ports.map((spec) => ({ spec })) }));
  const leases = await openLeaseRegistry();
  try {
    return await allocateDrafts(drafts, await startRun(manifest, options, leases));
  } finally {
    await Promise.all(drafts.flatMap((draft) => draft.slots.flatMap((slot) => slot.reservation?.release() ?? [])));
    await leases.close();
  }
}

async function allocateDrafts(drafts: Draft[], run: Run): Promise<ServiceAllocation[]> {
  try {
    for (const draft of drafts) await takePreferredPorts(draft, run);
    const waiting = drafts.filter((draft) => !draft.failure && draft.slots.some((slot) => !slot.assignment));
    if (waiting.length > 0) {
      // One read of the TCP tables serves both the holder names and the skipping of busy candidates.
      const table = await readSocketTable();
      run.listening = new Set(table?.filter((row) => row.state === 'listen').map((row) => row.port));
      run.timeWait = new Set(table?.filter((row) => row.state === 'time-wait').map((row) => row.port));
      await nameHolders(waiting, table);
      for (const draft of waiting) await takeFallbacks(draft, run);
    }
  } catch (error) {
    await Promise.all(drafts.map((draft) => releaseDraft(draft, run)));
    throw error;
  }
  return drafts.map(({ service, slots, failure }) =>
    failure ? { service: service.key, ports: [], failure } : { service: service.key, ports: slots.map((slot) => slot.assignment!) },
  );
}

async function startRun(manifest: Manifest, options: AllocateOptions, leases: LeaseRegistry): Promise<Run> {
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
    timeWait: new Set(),
    leases,
  };
}

async function takePreferredPorts(draft: Draft, run: Run): Promise<void> {
  const { service } = draft;
  for (const slot of draft.slots) {
    const port = slot.spec.preferred;
    if (port === 'auto') continue;
    const sibling = run.given.get(port);
    const leased = run.leases.leasedTo(port);
    const unbindable = run.options.unbindable?.get(port);
    if (unbindable !== undefined) slot.displacedBy = { kind: 'unbindable', detail: unbindable };
    else if (sibling !== undefined) slot.displacedBy = { kind: 'sibling', service: sibling };
    else if (run.options.exclude?.has(port)) slot.displacedBy = { kind: 'lease', detail: 'in use by this devsup instance' };
    else if (leased) slot.displacedBy = { kind: 'lease', detail: leased };
    if (slot.displacedBy) continue;
    const outcome = await probePort(port, { host: service.host, hold: true });
    if (outcome.result === 'badhost') return failDraft(draft, run, describeBadHost(service.key, service.host!, outcome.code));
    if (!outcome.reservation) slot.displacedBy = outcome.result === 'forbidden' ? { kind: 'forbidden' } : { kind: 'process' };
    else if (await claim(outcome.reservation, run, service.key)) assign(slot, run, service.key, outcome.reservation, 'preferred');
    else slot.displacedBy = { kind: 'lease', detail: 'leased by another devsup instance a moment ago' };
  }
}

/** One holder lookup for all displaced ports; a TIME_WAIT entry is the kernel's, not a holder. */
async function nameHolders(drafts: Draft[], table: SocketRow[] | null): Promise<void> {
  const slots = drafts.flatMap((draft) => draft.slots).filter((slot) => slot.displacedBy?.kind === 'process');
  if (slots.length === 0) return;
  const holders = await findHoldersOfPorts(
    slots.map((slot) => slot.spec.preferred as number),
    table,
  );
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
    if (preferred !== 'auto' && run.options.preferredOnly)
      return failDraft(draft, run, `its preferred ${describeDisplacement(preferred, slot.displacedBy!)}`);
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
  const deferred: FallbackCandidate[] = [];
  const tryPort = async ({ port, source }: FallbackCandidate): Promise<boolean | 'badhost'> => {
    const outcome = await probePort(port, { host: service.host, hold: true });
    if (outcome.result === 'badhost') return 'badhost';
    if (!outcome.reservation || !(await claim(outcome.reservation, run, service.key))) return false;
    assign(slot, run, service.key, outcome.reservation, source);
    return true;
  };
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
      const found = await tryEach(deferred.splice(0), tryPort);
      if (found !== false) return found;
      const reservation = await reserveOsPort(service.host, run, service.key);
      if (reservation) assign(slot, run, service.key, reservation, 'os');
      return reservation !== undefined;
    }
    if (tried.has(candidate.port) || !mayFallBackTo(candidate.port, run)) continue;
    tried.add(candidate.port);
    if (run.options.deferTimeWait && run.timeWait.has(candidate.port)) deferred.push(candidate);
    else {
      const found = await tryPort(candidate);
      if (found !== false) return found;
    }
  }
  return tryEach(deferred, tryPort);
}

/** The first answer other than false, trying `candidates` one after the other. */
async function tryEach<T>(candidates: T[], attempt: (candidate: T) => Promise<boolean | 'badhost'>): Promise<boolean | 'badhost'> {
  for (const candidate of candidates) {
    const found = await attempt(candidate);
    if (found !== false) return found;
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
    !run.options.unbindable?.has(port) &&
    !run.listening.has(port) &&
    !run.leases.leasedTo(port)
  );
}

/** Leases a reserved port to this instance, or gives it back when another instance leased it meanwhile. */
async function claim(reservation: PortReservation, run: Run, service: string): Promise<boolean> {
  if (run.leases.take(reservation.port, { project: run.manifest.project, service, manifest: run.manifest.file })) return true;
  await reservation.release();
  return false;
}

/** The OS may pick a port this run must not hand out; those are held until a good one comes. */
async function reserveOsPort(host: string | undefined, run: Run, service: string): Promise<PortReservation | undefined> {
  const rejected: PortReservation[] = [];
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      const reservation = await reserveAnyPort(host);
      if (!reservation) return undefined;
      const { port } = reservation;
      const usable = !run.given.has(port) && !run.preferredByAny.has(port) && !run.options.exclude?.has(port) && !run.leases.leasedTo(port);
      if (usable && (await claim(reservation, run, service))) return reservation;
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
  slot.assignment = { name: slot.spec.name, port, preferred, source, displacedBy: slot.displacedBy };
  slot.reservation = reservation;
  run.given.set(port, service);
}

/** A service that cannot get all its ports gets none: what it already holds goes back. */
async function failDraft(draft: Draft, run: Run, failure: string): Promise<void> {
  draft.failure = failure;
  for (const slot of draft.slots) {
    if (slot.assignment) run.given.delete(slot.assignment.port);
  }
  await releaseDraft(draft, run);
}

async function releaseDraft(draft: Draft, run: Run): Promise<void> {
  for (const slot of draft.slots) if (slot.assignment) run.leases.drop(slot.assignment.port);
  await Promise.all(draft.slots.flatMap((slot) => slot.reservation?.release() ?? []));
}
