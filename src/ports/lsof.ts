import type { PortHolder } from './port-types.js';
import { readToolOutput } from './run-tool.js';

/** One process of `lsof -F` output with its selected files: name (addresses) and TCP state. */
export interface LsofProcess {
  pid: number;
  command?: string;
  files: { name: string; state?: string }[];
}

/**
 * Who holds `port` (macOS, or Linux without /proc): its listeners, else the processes with a
 * connection from it; null when lsof is not installed. lsof shows no TIME_WAIT (no process owns it).
 */
export async function findHoldersWithLsof(port: number): Promise<PortHolder[] | null> {
  const output = await readToolOutput('lsof', ['-nP', `-iTCP:${port}`, '-FpcnT']);
  if (output === null) return null;
  const listeners: PortHolder[] = [];
  const connections: PortHolder[] = [];
  for (const entry of parseLsof(output)) {
    const local = entry.files.map((file) => ({ state: file.state, end: parseLsofName(file.name) })).filter((file) => file.end?.port === port);
    if (local.length === 0) continue;
    // lsof's `c` field is cut to 15 characters; ps gives the whole command line.
    const command = (await readToolOutput('ps', ['-ww', '-o', 'command=', '-p', String(entry.pid)]))?.trim() || entry.command;
    for (const { state, end } of local) {
      if (state === 'LISTEN') listeners.push({ state: 'listen', pid: entry.pid, command, address: end!.address });
      else connections.push({ state: 'connection', pid: entry.pid, command, address: end!.address });
    }
  }
  return listeners.length > 0 ? listeners : connections;
}

/** TCP ports the given processes LISTEN on; null when lsof is not installed. */
export async function listListeningPortsWithLsof(pids: number[]): Promise<Set<number> | null> {
  // `-a` ANDs the selectors; without it lsof lists every TCP listener of the machine.
  const output = await readToolOutput('lsof', ['-nP', '-a', '-p', pids.join(','), '-iTCP', '-sTCP:LISTEN', '-Fn']);
  if (output === null) return null;
  const ports = new Set<number>();
  for (const entry of parseLsof(output)) {
    for (const file of entry.files) {
      const local = parseLsofName(file.name);
      if (local) ports.add(local.port);
    }
  }
  return ports;
}

/**
 * `-F` output: one field a line, the first letter naming it (`p` pid, `c` command, `f` fd, `n` name,
 * `T` TCP info such as `TST=LISTEN`, which follows the name of its file).
 */
export function parseLsof(text: string): LsofProcess[] {
  const processes: LsofProcess[] = [];
  let current: LsofProcess | undefined;
  for (const line of text.split('\n')) {
    const value = line.slice(1).trim();
    if (line.startsWith('p')) {
      current = { pid: Number(value), files: [] };
      processes.push(current);
    } else if (current && line.startsWith('c')) current.command = value;
    else if (current && line.startsWith('n')) current.files.push({ name: value });
    else if (current && line.startsWith('TST=')) {
      const file = current.files.at(-1);
      if (file) file.state = line.slice(4).trim();
    }
  }
  return processes;
}

/** The local end of an lsof name: `*:8000`, `127.0.0.1:8000`, `[::1]:8000`, `a:1->b:2`. */
export function parseLsofName(name: string): { address: string; port: number } | undefined {
  const local = name.split('->')[0]!;
  const colon = local.lastIndexOf(':');
  const port = Number(local.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return { address: local.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}
