import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockWithFile, lockWithSocket, type Unlock } from './registry-mutex.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-mutex-test-'));
  folders.push(folder);
  return folder;
}

/** The second lock is granted only after the first is given back. */
async function expectExclusive(lock: () => Promise<Unlock>): Promise<void> {
  const events: string[] = [];
  const unlockFirst = await lock();
  const second = lock().then((unlock) => (events.push('second locked'), unlock));
  await new Promise((resolve) => setTimeout(resolve, 50)); // a chance for the second to get in wrongly
  events.push('first unlocks');
  await unlockFirst();
  await (
    await second
  )();
  expect(events).toEqual(['first unlocks', 'second locked']);
}

describe.runIf(process.platform === 'linux')('lockWithSocket (Linux: abstract Unix socket)', () => {
  const name = () => `\0devsup-mutex-test-${process.pid}-${Math.random()}`;

  it('lets one holder in at a time', async () => {
    const address = name();
    await expectExclusive(() => lockWithSocket(address));
  });

  it('is freed by the kernel when its holder is SIGKILLed', async () => {
    const address = name();
    const holder = spawn(
      process.execPath,
      ['-e', `require('node:net').createServer().listen(${JSON.stringify(address)}, () => console.log('locked'))`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await once(holder.stdout, 'data');
    const waiting = lockWithSocket(address);
    holder.kill('SIGKILL');
    const unlock = await waiting;
    const third = lockWithSocket(address, 100);
    const startedWaiting = Date.now();
    await (
      await third
    )(); // gave up after its 100 ms: the lock was really ours
    expect(Date.now() - startedWaiting).toBeGreaterThanOrEqual(90);
    await unlock();
  });
});

describe.runIf(process.platform !== 'win32')('lockWithFile (other Unixes)', () => {
  it('lets one holder in at a time and removes its file', async () => {
    const file = path.join(tempFolder(), 'lock');
    await expectExclusive(() => lockWithFile(file));
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('takes over the lock of a dead owner', async () => {
    const file = path.join(tempFolder(), 'lock');
    const child = spawn(process.execPath, ['-e', '0']);
    await once(child, 'exit');
    writeFileSync(file, `${child.pid} 1`);
    const started = Date.now();
    const unlock = await lockWithFile(file, 2_000);
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    expect(Date.now() - started).toBeLessThan(1_000);
    await unlock();
  });

  it('never writes through a symlink planted at its path', async () => {
    const folder = tempFolder();
    const target = path.join(folder, 'target');
    writeFileSync(target, 'precious');
    symlinkSync(target, path.join(folder, 'lock'));
    await (
      await lockWithFile(path.join(folder, 'lock'), 500)
    )();
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });
});
