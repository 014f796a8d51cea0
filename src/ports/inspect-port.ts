import { isSameProcess } from './process-identity.js';
import { findPortHolders, suggestLookup } from './find-port-holder.js';
import { findLease, type Lease } from './port-lease.js';
import type { DevsupMark, PortHolder } from './port-types.js';
import { readProcessFacts, userNameOf } from './process-facts.js';
import { probePort } from './probe-port.js';

/** One process holding the port (or a socket of one that the OS will not name: no pid). */
export interface HolderInfo {
  state: 'listen' | 'connection';
  pid?: number;
  command?: string;
  uid?: number;
  user?: string;
  startedAt?: Date;
  addresses: string[];
  devsup?: DevsupMark & { running: boolean }; // running: whether that devsup instance still runs
}

/** Everything `devsup who PORT` says about a port. */
export interface PortInspection {
  port: number;
  holders: HolderInfo[];
  /** Only TIME_WAIT entries: free for devsup (and for Node), not for a program that binds without SO_REUSEADDR. */
  timeWait: boolean;
  /** A bind fails, yet the OS names no holder: another user's process, or another network namespace. */
  unseen: boolean;
  /** Free of holders, but this user may not bind it (privileged, or reserved by the OS). */
  forbidden: boolean;
  lease?: Lease;
  /** The command that shows what this user could not see. */
  lookup?: string;
}

/** Holders (listeners first, else connections from the port), who and since when, and any devsup lease on the port. */
export async function inspectPort(port: number): Promise<PortInspection> {
  const found = await findPortHolders(port);
  const timeWait = found.length > 0 && found.every((holder) => holder.state === 'time-wait');
  const holders = await Promise.all(groupByProcess(found.filter((holder) => holder.state !== 'time-wait')).map(describeProcess));
  let unseen = false;
  let forbidden = false;
  if (holders.length === 0) {
    const { result } = await probePort(port);
    unseen = result === 'busy';
    forbidden = result === 'forbidden';
  }
  const lease = findLease(port);
  const hidden = unseen || holders.some((holder) => holder.pid === undefined);
  return { port, holders, timeWait, unseen, forbidden, ...(lease ? { lease } : {}), ...(hidden ? { lookup: suggestLookup(port) } : {}) };
}

/** One entry per process (or per uid, when the process is hidden), with every address it uses the port on. */
function groupByProcess(holders: PortHolder[]): (PortHolder & { addresses: string[] })[] {
  const groups = new Map<string, PortHolder & { addresses: string[] }>();
  for (const holder of holders) {
    const key = holder.pid === undefined ? `uid ${holder.uid}` : `pid ${holder.pid}`;
    const group = groups.get(key) ?? { ...holder, addresses: [] };
    if (holder.address && !group.addresses.includes(holder.address)) group.addresses.push(holder.address);
    groups.set(key, group);
  }
  return [...groups.values()];
}

async function describeProcess(holder: PortHolder & { addresses: string[] }): Promise<HolderInfo> {
  const info: HolderInfo = { state: holder.state === 'listen' ? 'listen' : 'connection', addresses: holder.addresses };
  if (holder.pid === undefined) {
    const user = holder.user ?? (holder.uid === undefined ? undefined : userNameOf(holder.uid));
    return { ...info, ...(holder.uid === undefined ? {} : { uid: holder.uid }), ...(user ? { user } : {}) };
  }
  const facts = await readProcessFacts(holder.pid);
  const devsup = holder.devsup ?? facts.devsup;
  return {
    ...info,
    pid: holder.pid,
    ...pick({ command: holder.command ?? facts.command, uid: facts.uid ?? holder.uid, user: facts.user, startedAt: facts.startedAt }),
    ...(devsup ? { devsup: { ...devsup, running: devsup.instance !== undefined && isSameProcess(devsup.instance, undefined) } } : {}),
  };
}

/** The defined fields only, so the JSON and the tests see no `undefined` keys. */
function pick<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
