import { monotonicMs } from '../clock.js';
import { listListeningPortsWithLsof } from './lsof.js';
import { readSocketInodes, readSocketTableOf, type SocketRow } from './proc-net.js';
import { collectTree, readProcessTable } from './process-tree.js';
import { sharedRead } from './shared-read.js';

const processTable = sharedRead(readProcessTable);
// Each family apart: the owner of a port is usually found in one table, and each read costs a walk of the kernel's hash.
const socketTables = { 6: sharedRead(async () => readSocketTableOf(6)), 4: sharedRead(async () => readSocketTableOf(4)) };

/**
 * TCP ports LISTENed by `pid`, its process group (pgid = pid: children are spawned detached) and all
 * their descendants; null when the OS will not tell (Windows, or a process we may not inspect).
 * The system tables are read no earlier than `notBefore` (`monotonicMs()` time; default: now),
 * and shared with other callers that accept the same read.
 */
export async function listeningPortsOfTree(pid: number, notBefore = monotonicMs()): Promise<Set<number> | null> {
  if (process.platform === 'win32') return null;
  const [entries, rows6, rows4] = await Promise.all([processTable(notBefore), socketTables[6](notBefore), socketTables[4](notBefore)]);
  if (!entries) return null;
  const tree = collectTree(entries, pid);
  if (rows6 || rows4) return findListeningPortsInProc(tree, [...(rows6 ?? []), ...(rows4 ?? [])]);
  return listListeningPortsWithLsof([...tree]);
}

/**
 * Whether `port` is LISTENed by `pid`'s tree (as above); null when the OS will not tell. The root
 * itself is asked first: it is usually the listener, and then no process table is read. IPv6's
 * table first: a server on `::` (Node's, Go's and Python's default) takes IPv4 connections too,
 * and is found there without reading IPv4's.
 */
export async function treeListensOn(pid: number, port: number, notBefore = monotonicMs()): Promise<boolean | null> {
  if (process.platform === 'win32') return null;
  let ownInodes: Set<number> | undefined;
  for (const family of [6, 4] as const) {
    const rows = await socketTables[family](notBefore);
    if (!rows) continue;
    const inodes = (ownInodes ??= new Set(readSocketInodes(pid) ?? []));
    if (rows.some((row) => row.state === 'listen' && row.port === port && inodes.has(row.inode))) return true;
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
