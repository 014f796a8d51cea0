import type { HolderInfo, PortInspection } from '../ports/inspect-port.js';
import { describeLease } from '../ports/port-lease.js';
import { maskSecrets } from '../secrets.js';

/** Whether `devsup who` says "free" (exit 1): nothing holds the port. A TIME_WAIT-only port is free. */
export function isFree(inspection: PortInspection): boolean {
  return inspection.holders.length === 0 && !inspection.unseen;
}

/** `devsup who PORT` for people: one block per holder, or one line saying the port is free and why it may not look so. */
export function renderWho(inspection: PortInspection, now = new Date()): string {
  const { port, lease, lookup } = inspection;
  const lines: string[] = [];
  if (isFree(inspection)) {
    lines.push(`port ${port} is free${describeFreeCaveats(inspection)}`);
  } else if (inspection.holders.length === 0) {
    lines.push(
      `port ${port} is in use, but no holder is visible to this user (another user's process, or another network namespace such as a container)`,
    );
  }
  for (const holder of inspection.holders) lines.push(...renderHolder(port, holder, now));
  if (lease && !isFree(inspection)) lines.push(field('lease', describeLeaseWhere(lease)));
  if (lookup) lines.push(field('to see it', lookup));
  return lines.join('\n');
}

function describeFreeCaveats({ timeWait, forbidden, lease }: PortInspection): string {
  const caveats: string[] = [];
  if (timeWait)
    caveats.push(
      "only connections in TIME_WAIT remain (the kernel's, not a process's): a program that binds without SO_REUSEADDR may fail for up to 60 s",
    );
  if (forbidden) caveats.push('this user may not bind it (below 1024 needs privileges, or the OS reserves it)');
  if (lease) caveats.push(`it is ${describeLeaseWhere(lease)}, so no other devsup instance will be given it`);
  return caveats.length === 0 ? '' : `, but ${caveats.join('; and ')}`;
}

function renderHolder(port: number, holder: HolderInfo, now: Date): string[] {
  const lines: string[] = [];
  const owner = holder.user
    ? `${holder.user}${holder.uid === undefined ? '' : ` (uid ${holder.uid})`}`
    : holder.uid === undefined
      ? undefined
      : `uid ${holder.uid}`;
  if (holder.pid === undefined) {
    lines.push(`port ${port} is held by a process${owner ? ` of ${owner}` : ''} that the OS will not name to this user`);
  } else {
    const name = `pid ${holder.pid}${holder.command ? `: ${maskSecrets(holder.command)}` : ''}`;
    lines.push(
      holder.state === 'listen'
        ? `port ${port} is held by ${name}`
        : `port ${port} is used by ${name} (the local end of a connection, not a listener: nothing can listen on the port while it lasts)`,
    );
    if (owner) lines.push(field('user', owner));
    if (holder.startedAt)
      lines.push(field('since', `${formatLocalTime(holder.startedAt)} (${formatAge(now.getTime() - holder.startedAt.getTime())})`));
  }
  if (holder.addresses.length > 0) lines.push(field(holder.addresses.length > 1 ? 'addresses' : 'address', holder.addresses.join(', ')));
  if (holder.devsup) lines.push(field('devsup', describeDevsup(holder.devsup)));
  return lines;
}

function describeDevsup(mark: NonNullable<HolderInfo['devsup']>): string {
  const service = `service ${mark.service}${mark.manifest ? ` of ${mark.manifest}` : ''}`;
  if (mark.instance === undefined) return service;
  return mark.running ? `${service} (devsup pid ${mark.instance})` : `${service}, left running by devsup pid ${mark.instance}, which is gone`;
}

function describeLeaseWhere(lease: NonNullable<PortInspection['lease']>): string {
  return `${describeLease(lease)}${lease.manifest ? `, ${lease.manifest}` : ''}`;
}

function field(label: string, value: string): string {
  return `  ${`${label}:`.padEnd(10)} ${value}`;
}

/** `2025-11-22 03:40:12` in local time. */
export function formatLocalTime(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** `devsup who PORT --json`: one object; absent facts are null, so scripts see every key. */
export function renderWhoJson(inspection: PortInspection): string {
  const { port, lease } = inspection;
  return JSON.stringify(
    {
      port,
      free: isFree(inspection),
      holders: inspection.holders.map((holder) => ({
        state: holder.state,
        pid: holder.pid ?? null,
        command: holder.command === undefined ? null : maskSecrets(holder.command),
        user: holder.user ?? null,
        uid: holder.uid ?? null,
        since: holder.startedAt?.toISOString() ?? null,
        addresses: holder.addresses,
        devsup: holder.devsup
          ? {
              service: holder.devsup.service,
              instance: holder.devsup.instance ?? null,
              manifest: holder.devsup.manifest ?? null,
              running: holder.devsup.running,
            }
          : null,
      })),
      timeWait: inspection.timeWait,
      forbidden: inspection.forbidden,
      lease: lease ? { pid: lease.pid, project: lease.project, service: lease.service, manifest: lease.manifest ?? null } : null,
      hint: inspection.lookup ?? null,
    },
    null,
    2,
  );
}
