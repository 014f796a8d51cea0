import { describeMark, readDevsupMark, readDevsupMarkFromProc } from './devsup-mark.js';
import { findHoldersWithLsof } from './lsof.js';
import { findHoldersWithNetstat } from './netstat.js';
import type { PortHolder } from './port-types.js';
import { userNameOf } from './process-facts.js';
import { findPidsOfInodes, readCommandLine, readSocketTable, type SocketRow } from './proc-net.js';
import { findHoldersWithSs } from './ss.js';
import { maskSecrets } from '../secrets.js';

/** Who holds `port`: listeners first, else the local ends of connections, else TIME_WAIT; [] when nothing visible. */
export async function findPortHolders(port: number): Promise<PortHolder[]> {
  return (await findHoldersOfPorts([port])).get(port) ?? [];
}

/**
 * The holders of several ports at once: on Linux one read of the TCP tables (or the `table` the caller
 * already read) and one scan of /proc/<pid>/fd for all of them, which keeps a large allocation fast.
 */
export async function findHoldersOfPorts(ports: number[], table?: SocketRow[] | null): Promise<Map<number, PortHolder[]>> {
  const rows = table === undefined ? await readSocketTable() : table;
  if (rows) return findHoldersInProc(rows, new Set(ports));
  const holders = new Map<number, PortHolder[]>();
  for (const port of ports) holders.set(port, await findHoldersWithTools(port));
  return holders;
}

async function findHoldersWithTools(port: number): Promise<PortHolder[]> {
  if (process.platform === 'win32') return (await findHoldersWithNetstat(port)) ?? [];
  const holders = (await findHoldersWithLsof(port)) ?? (await findHoldersWithSs(port)) ?? [];
  return Promise.all(holders.map(async (holder) => withMark(holder, holder.pid === undefined ? undefined : await readDevsupMark(holder.pid))));
}

function withMark(holder: PortHolder, devsup: PortHolder['devsup']): PortHolder {
  return devsup ? { ...holder, devsup } : holder;
}

function findHoldersInProc(rows: SocketRow[], ports: Set<number>): Map<number, PortHolder[]> {
  const rowsByPort = new Map<number, SocketRow[]>();
  for (const row of rows) {
    if (!ports.has(row.port)) continue;
    const portRows = rowsByPort.get(row.port);
    if (portRows) portRows.push(row);
    else rowsByPort.set(row.port, [row]);
  }
  const chosen = new Map([...rowsByPort].map(([port, portRows]) => [port, chooseRows(portRows)] as const));
  const owners = findPidsOfInodes(new Set([...chosen.values()].flat().map((row) => row.inode)));
  const holders = new Map<number, PortHolder[]>();
  for (const port of ports) {
    const portRows = chosen.get(port) ?? [];
    if (portRows.length === 0 && rowsByPort.has(port)) holders.set(port, [{ state: 'time-wait' }]);
    else holders.set(port, dedupe(portRows.map((row) => toHolder(row, owners.get(row.inode)))));
  }
  return holders;
}

/** Listeners if any; else the connections that still own a socket (TIME_WAIT rows have inode 0). */
function chooseRows(rows: SocketRow[]): SocketRow[] {
  const listeners = rows.filter((row) => row.state === 'listen');
  return listeners.length > 0 ? listeners : rows.filter((row) => row.state === 'connection' && row.inode !== 0);
}

function toHolder(row: SocketRow, pid: number | undefined): PortHolder {
  const holder: PortHolder = { state: row.state, uid: row.uid, address: row.address };
  if (pid === undefined) {
    const user = userNameOf(row.uid);
    return user ? { ...holder, user } : holder;
  }
  return withMark({ ...holder, pid, command: readCommandLine(pid) }, readDevsupMarkFromProc(pid));
}

function dedupe(holders: PortHolder[]): PortHolder[] {
  const seen = new Set<string>();
  return holders.filter((holder) => {
    const key = `${holder.pid ?? `uid ${holder.uid}`}|${holder.state === 'listen' ? holder.address : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * One phrase naming a holder for messages and the table:
 * "pid 3907: python3 -m http.server 10500", "pid 41230: node llm.js (devsup: service llm of /p/services.yaml)",
 * "the kernel (TIME_WAIT only)", "a process of user bob (uid 1001) the OS will not name; try `sudo ss -ltnp 'sport = :10500'`".
 */
export function describeHolder(holder: PortHolder | undefined, port: number): string {
  if (holder?.state === 'time-wait') return 'the kernel (TIME_WAIT only)';
  if (holder?.pid === undefined) {
    const owner = holder?.uid === undefined ? '' : holder.user ? ` of user ${holder.user} (uid ${holder.uid})` : ` (uid ${holder.uid})`;
    return `a process${owner} the OS will not name; try \`${suggestLookup(port)}\``;
  }
  const name = holder.command ? `pid ${holder.pid}: ${maskSecrets(holder.command)}` : `pid ${holder.pid}`;
  if (holder.devsup) return `${name} (${describeMark(holder.devsup)})`;
  if (holder.state === 'connection') return `${name} (the local end of a connection, not a listener)`;
  if (/ControlCenter/.test(holder.command ?? '')) {
    return `${name} (the macOS AirPlay Receiver; turn it off in System Settings → General → AirDrop & Handoff)`;
  }
  return name;
}

/** The command that shows a holder this user may not see. */
export function suggestLookup(port: number): string {
  if (process.platform === 'win32') return `netstat -ano | findstr :${port} (in an Administrator prompt)`;
  if (process.platform === 'linux') return `sudo ss -ltnp 'sport = :${port}'`;
  return `sudo lsof -nP -iTCP:${port} -sTCP:LISTEN`;
}
