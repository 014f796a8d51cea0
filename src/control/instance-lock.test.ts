import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DevsupError, InstanceRunningError } from '../errors.js';
import { LOCK_NAME, lockHolder, takeInstanceLock } from './instance-lock.js';
import { processStartTime } from '../ports/process-identity.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function stateFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-lock-'));
  folders.push(folder);
  return folder;
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

describe('takeInstanceLock', () => {
  it('names its owner by pid and start time, refuses a second taker naming that pid, and is free again once released', async () => {
    const folder = stateFolder();
    const lock = await takeInstanceLock(folder, '/p/services.yaml', () => undefined);
    const file = path.join(folder, LOCK_NAME);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid} ${processStartTime(process.pid)}\n`);
    const refusal = await takeInstanceLock(folder, '/p/services.yaml', () => undefined).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InstanceRunningError);
    expect((refusal as InstanceRunningError).pid).toBe(process.pid);
    expect((refusal as Error).message).toBe(`devsup is already running for /p/services.yaml (pid ${process.pid}).`);
    lock.release();
    expect(existsSync(file)).toBe(false);
    (await takeInstanceLock(folder, '/p/services.yaml', () => undefined)).release();
  });

  it('takes over the lock of a dead owner silently', async () => {
    const folder = stateFolder();
    writeFileSync(path.join(folder, LOCK_NAME), `${deadPid()} 12345\n`);
    const lock = await takeInstanceLock(folder, 'services.yaml', () => undefined);
    expect(readFileSync(path.join(folder, LOCK_NAME), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    lock.release();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('takes over a lock whose pid now belongs to another process (its start time differs)', async () => {
    const folder = stateFolder();
    writeFileSync(path.join(folder, LOCK_NAME), `${process.ppid} 1\n`);
    (await takeInstanceLock(folder, 'services.yaml', () => undefined)).release();
  });

  it('takes over a lock left empty by an owner that died between creating and writing it', async () => {
    const folder = stateFolder();
    const file = path.join(folder, LOCK_NAME);
    writeFileSync(file, '');
    const past = new Date(Date.now() - 60_000);
    utimesSync(file, past, past);
    (await takeInstanceLock(folder, 'services.yaml', () => undefined)).release();
  });

  it('is not blocked by the takeover guard of a taker that died', async () => {
    const folder = stateFolder();
    const stale = `${deadPid()} 7\n`;
    writeFileSync(path.join(folder, LOCK_NAME), stale);
    const guard = path.join(folder, `${LOCK_NAME}.${createHash('sha256').update(stale).digest('hex').slice(0, 16)}.takeover`);
    writeFileSync(guard, `${deadPid()} 9\n`);
    (await takeInstanceLock(folder, 'services.yaml', () => undefined)).release();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('release leaves a lock that is no longer its own alone', async () => {
    const folder = stateFolder();
    const lock = await takeInstanceLock(folder, 'services.yaml', () => undefined);
    writeFileSync(path.join(folder, LOCK_NAME), '1 other\n');
    lock.release();
    expect(readFileSync(path.join(folder, LOCK_NAME), 'utf8')).toBe('1 other\n');
  });

  it('refuses a lock that is a symlink, neither reading nor removing it', async () => {
    const folder = stateFolder();
    const victim = path.join(stateFolder(), 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(folder, LOCK_NAME));
    const refusal = await takeInstanceLock(folder, 'services.yaml', () => undefined).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DevsupError);
    expect((refusal as DevsupError).message).toBe(`not using ${path.join(folder, LOCK_NAME)}: it is a symlink to ${victim}.`);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(path.join(folder, LOCK_NAME)).isSymbolicLink()).toBe(true);
  });

  it('release leaves a lock replaced by a symlink alone, without throwing', async () => {
    const folder = stateFolder();
    const lock = await takeInstanceLock(folder, 'services.yaml', () => undefined);
    const victim = path.join(stateFolder(), 'victim');
    writeFileSync(victim, 'precious\n');
    rmSync(path.join(folder, LOCK_NAME));
    symlinkSync(victim, path.join(folder, LOCK_NAME));
    expect(() => lock.release()).not.toThrow();
    expect(lstatSync(path.join(folder, LOCK_NAME)).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});

describe('lockHolder', () => {
  it('is the live owner of the lock; nobody once it is released, or when its owner is dead', async () => {
    const folder = stateFolder();
    expect(lockHolder(folder)).toBeUndefined();
    const lock = await takeInstanceLock(folder, '/p/services.yaml', () => undefined);
    expect(lockHolder(folder)).toBe(process.pid);
    lock.release();
    expect(lockHolder(folder)).toBeUndefined();
    writeFileSync(path.join(folder, LOCK_NAME), `${deadPid()} -\n`);
    expect(lockHolder(folder)).toBeUndefined();
  });
});
