import { listListeningPortsWithLsof } from './lsof.js';
import { readSocketInodes, readSocketTable, type SocketRow } from './proc-net.js';
import { collectTree, readProcessTable } from './process-tree.js';
import { sharedRead } from './shared-read.js';

const processTable = sharedRead(readProcessTable);
const socketTable = sharedRead(readSocketTable);

/**
 * TCP ports LISTENed by `pid`, its process group (pgid = pid: children are spawned detached) and all
 * their descendants; null when the OS will not tell (Windows, or a process we may not inspect).
 * The system tables are read no earlier than `notBefore` (`performance.now()` time; default: now),
 * and shared with other callers that accept the same read.
 */
export async function listeningPortsOfTree(pid: number, notBefore = performance.now()): Promise<Set<number> | null> {
  if (process.platform === 'win32') return null;
  const [entries, rows] = await Promise.all([processTable(notBefore), socketTable(notBefore)]);
  if (!entries) return null;
  const tree = collectTree(entries, pid);
  if (rows) return findListeningPortsInProc(tree, rows);
  return listListeningPortsWithLsof([...tree]);
}

/**
 * Whether `port` is LISTENed by `pid`'s tree (as above); null when the OS will not tell. The root
 * itself is asked first: it is usually the listener, and then no process table is read.
 */
export async function treeListensOn(pid: number, port: number, notBefore = performance.now()): Promise<boolean | null> {
  if (process.platform === 'win32') return null;
  const rows = await socketTable(notBefore);
  if (rows) {
    const listeners = new Set(rows.filter((row) => row.state === 'listen' && row.port === port).map((row) => row.inode));
    if (readSocketInodes(pid)?.some((inode) => listeners.has(inode))) return true;
  }
  const ports = await listeningPortsOfTree(pid, notBefore);
  return ports === null ? null : ports.has(port);
}

function findListeningPortsInProc(tree: Set<number>, rows: SocketRow[]): Set<number> | null {
  const inodes = new Set<number>();
  for (const member of tree) {
    const own = readSocketInodes(member);
    // A member we may not inspect could be the one listening: "cannot tell", not "no".
    if (own === undefined) return null;
    for (const inode of own) inodes.add(inode);
  }
  const ports = new Set<number>();
  for (const row of rows) {
    if (row.state === 'listen' && inodes.has(row.inode)) ports.add(row.port);
  }
  return ports;
}
