import { listPids } from './proc-net.js';
import { readProcStat } from './proc-stat.js';
import { readToolOutput } from './run-tool.js';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Exited but not yet reaped: it still counts as a group member, yet holds nothing and will do nothing. */
  zombie: boolean;
}

/** Every process with its parent and process group: /proc on Linux, else `ps`; null when neither works. */
export async function readProcessTable(): Promise<ProcessEntry[] | null> {
  const fromProc = readProcStats();
  if (fromProc) return fromProc;
  const output = await readToolOutput('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=']);
  return output === null ? null : parsePsTable(output);
}

function readProcStats(): ProcessEntry[] | null {
  let pids: number[];
  try {
    pids = listPids();
  } catch {
    return null;
  }
  const entries: ProcessEntry[] = [];
  for (const pid of pids) {
    const stat = readProcStat(pid); // undefined: exited during the scan
    if (stat) entries.push({ pid: stat.pid, ppid: stat.ppid, pgid: stat.pgid, zombie: stat.state === 'Z' });
  }
  return entries;
}

/** `ps -A -o pid=,ppid=,pgid=,stat=`: three numbers and the state a line. */
export function parsePsTable(text: string): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const line of text.split('\n')) {
    const [pid, ppid, pgid, state] = line.trim().split(/\s+/);
    const ids = { pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid) };
    if (Object.values(ids).every(Number.isInteger) && pid) entries.push({ ...ids, zombie: state?.startsWith('Z') ?? false });
  }
  return entries;
}

/**
 * The root, every member of its process group (pgid = root: children are spawned detached), and all
 * descendants of those, including ones that left the group.
 */
export function collectTree(entries: ProcessEntry[], root: number): Set<number> {
  const tree = new Set([root, ...entries.filter((entry) => entry.pgid === root).map((entry) => entry.pid)]);
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry.pid);
    else children.set(entry.ppid, [entry.pid]);
  }
  const queue = [...tree];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (!tree.has(child)) {
        tree.add(child);
        queue.push(child);
      }
    }
  }
  return tree;
}
