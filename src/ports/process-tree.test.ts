import { describe, expect, it } from 'vitest';
import { collectTree, parsePsTable, readProcessTable } from './process-tree.js';

describe('parsePsTable', () => {
  it('reads pid, ppid, pgid and state columns', () => {
    expect(parsePsTable('    1     0     1 Ss\n  501     1   501 Z+\n\n')).toEqual([
      { pid: 1, ppid: 0, pgid: 1, zombie: false },
      { pid: 501, ppid: 1, pgid: 501, zombie: true },
    ]);
  });
});

describe('collectTree', () => {
  const entries = [
    { pid: 1, ppid: 0, pgid: 1, zombie: false },
    { pid: 10, ppid: 1, pgid: 10, zombie: false }, // the service
    { pid: 11, ppid: 10, pgid: 10, zombie: false }, // its child
    { pid: 12, ppid: 11, pgid: 12, zombie: false }, // a grandchild that left the group
    { pid: 13, ppid: 12, pgid: 12, zombie: false }, // and its child
    { pid: 14, ppid: 1, pgid: 10, zombie: false }, // reparented to init, still in the group
    { pid: 15, ppid: 14, pgid: 15, zombie: false }, // a child of that one
    { pid: 20, ppid: 1, pgid: 20, zombie: false }, // unrelated
  ];

  it('takes the root, its process group and all their descendants', () => {
    expect(collectTree(entries, 10)).toEqual(new Set([10, 11, 12, 13, 14, 15]));
  });

  it('is just the root for a leaf', () => {
    expect(collectTree(entries, 20)).toEqual(new Set([20]));
  });
});

describe('readProcessTable', () => {
  it('contains this process with its real parent', async () => {
    const table = await readProcessTable();
    expect(table).toContainEqual(expect.objectContaining({ pid: process.pid, ppid: process.ppid }));
  });
});
