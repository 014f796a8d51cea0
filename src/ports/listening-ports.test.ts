import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { listeningPortsOfTree, treeListensOn } from './listening-ports.js';
import { spawnListener, stopListeners } from '../../test/helpers/port-listeners.js';
import { findFreePorts } from '../../test/helpers/free-port.js';

const started: number[] = []; // process groups and lone pids to kill after each test

afterEach(async () => {
  await stopListeners();
  for (const id of started.splice(0)) {
    try {
      process.kill(id, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Starts `sh -c 'node -e "$SCRIPT"; exit 0'` detached (its own process group). The `; exit 0` keeps
 * sh from exec-ing node, so node is a grandchild. Resolves with the shell's pid and the pid the
 * script prints after "ready".
 */
async function spawnShellGroup(script: string, env: Record<string, string> = {}): Promise<{ shell: number; printed: number }> {
  const child = spawn('sh', ['-c', '"$NODE" -e "$SCRIPT"; exit 0'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE: process.execPath, SCRIPT: script, ...env },
  });
  started.push(-child.pid!);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const match = /^ready (\d+)/.exec(line.toString());
  expect(match).not.toBeNull();
  started.push(Number(match![1]));
  return { shell: child.pid!, printed: Number(match![1]) };
}

const LISTEN = 'require("net").createServer().listen(Number(process.env.LISTEN_PORT), "127.0.0.1", () => console.log("ready " + process.pid))';

describe.runIf(process.platform !== 'win32')('listeningPortsOfTree', () => {
  it("finds a grandchild's port and not an unrelated process's", async () => {
    const port = await findFreePorts(2);
    const { shell, printed } = await spawnShellGroup(LISTEN, { LISTEN_PORT: String(port) });
    expect(printed).not.toBe(shell);
    await spawnListener({ port: port + 1 });
    expect(await listeningPortsOfTree(shell)).toEqual(new Set([port]));
  });

  it('follows a descendant that left the process group', async () => {
    const port = await findFreePorts(1);
    const escape = 'require("child_process").spawn(process.execPath, ["-e", process.env.INNER], { detached: true, stdio: "inherit" })';
    const { shell } = await spawnShellGroup(escape, { INNER: LISTEN, LISTEN_PORT: String(port) });
    expect(await listeningPortsOfTree(shell)).toEqual(new Set([port]));
  });

  it('is empty for a tree that listens on nothing', async () => {
    const { shell } = await spawnShellGroup('console.log("ready " + process.pid); setInterval(() => {}, 1 << 30)');
    expect(await listeningPortsOfTree(shell)).toEqual(new Set());
  });

  it("tells whether a port is the tree's own: the root, a grandchild, or a stranger", async () => {
    const port = await findFreePorts(3);
    const { printed: root } = await spawnShellGroup(LISTEN, { LISTEN_PORT: String(port) });
    const { shell } = await spawnShellGroup(LISTEN, { LISTEN_PORT: String(port + 1) });
    await spawnListener({ port: port + 2 });
    expect(await treeListensOn(root, port)).toBe(true);
    expect(await treeListensOn(shell, port + 1)).toBe(true);
    expect(await treeListensOn(shell, port + 2)).toBe(false);
    expect(await treeListensOn(root, port + 1)).toBe(false);
  });
});
