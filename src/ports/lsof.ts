import type { PortHolder } from './port-types.js';
import { readToolOutput } from './run-tool.js';

/** One process of `lsof -F` output with the names (addresses) of its selected files. */
export interface LsofProcess {
  pid: number;
  command?: string;
  names: string[];
}

/** Who LISTENs on `port` (macOS, or Linux without /proc); null when lsof is not installed. */
export async function findHoldersWithLsof(port: number): Promise<PortHolder[] | null> {
  const output = await readToolOutput('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpcn']);
  if (output === null) return null;
  const holders: PortHolder[] = [];
  for (const entry of parseLsof(output)) {
    // lsof's `c` field is cut to 15 characters; ps gives the whole command line.
    const command = (await readToolOutput('ps', ['-o', 'command=', '-p', String(entry.pid)]))?.trim() || entry.command;
    for (const name of entry.names) {
      const local = parseLsofName(name);
      if (local?.port === port) holders.push({ state: 'listen', pid: entry.pid, command, address: local.address });
    }
  }
  return holders;
}

/** TCP ports the given processes LISTEN on; null when lsof is not installed. */
export async function listListeningPortsWithLsof(pids: number[]): Promise<Set<number> | null> {
  // `-a` ANDs the selectors; without it lsof lists every TCP listener of the machine.
  const output = await readToolOutput('lsof', ['-nP', '-a', '-p', pids.join(','), '-iTCP', '-sTCP:LISTEN', '-Fn']);
  if (output === null) return null;
  const ports = new Set<number>();
  for (const entry of parseLsof(output)) {
    for (const name of entry.names) {
      const local = parseLsofName(name);
      if (local) ports.add(local.port);
    }
  }
  return ports;
}

/** `-F` output: one field a line, the first letter naming it (`p` pid, `c` command, `n` name, `f` fd…). */
export function parseLsof(text: string): LsofProcess[] {
  const processes: LsofProcess[] = [];
  let current: LsofProcess | undefined;
  for (const line of text.split('\n')) {
    const value = line.slice(1).trim();
    if (line.startsWith('p')) {
      current = { pid: Number(value), names: [] };
      processes.push(current);
    } else if (current && line.startsWith('c')) current.command = value;
    else if (current && line.startsWith('n')) current.names.push(value);
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
