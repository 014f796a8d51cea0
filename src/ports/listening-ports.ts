import { listListeningPortsWithLsof } from './lsof.js';
import { readSocketInodes, readSocketTable, type SocketRow } from './proc-net.js';
import { collectTree, readProcessTable } from './process-tree.js';

/**
 * TCP ports LISTENed by `pid`, its process group (pgid = pid: children are spawned detached) and all
 * their descendants; null when the OS will not tell (Windows, or a process we may not inspect).
 */
export async function listeningPortsOfTree(pid: number): Promise<Set<number> | null> {
  if (process.platform === 'win32') return null;
  const entries = await readProcessTable();
  if (!entries) return null;
  const tree = collectTree(entries, pid);
  const rows = await readSocketTable();
  if (rows) return findListeningPortsInProc(tree, rows);
  return listListeningPortsWithLsof([...tree]);
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
