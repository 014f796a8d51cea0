import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartTime } from './process-identity.js';
import { leaseFileName } from './lease-files.js';
import { findLease, liveLeases, openLeaseRegistry, releaseLeases, startLeasing, warnAboutLeaseFolder, type Lease } from './port-lease.js';

const OWNER = { project: 'alpha', service: 'web', manifest: '/srv/alpha/services.yaml' };
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

let root: string;
let folder: string;
let said: string[];
const warn = (message: string) => said.push(message);
const sleepers: ChildProcess[] = [];
const uid = process.getuid!();

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'devsup-lease-test-'));
  folder = path.join(root, 'ports');
  said = [];
  warnAboutLeaseFolder(warn);
});

afterEach(async () => {
  releaseLeases();
  await Promise.all(
    sleepers.splice(0).map(async (child) => {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }),
  );
  rmSync(root, { recursive: true, force: true });
});

/** Another live process, standing in for another devsup instance. */
async function startSleeper(): Promise<number> {
  const child = spawn(process.execPath, ['-e', "console.log('up'); setInterval(() => {}, 1 << 30)"], { stdio: ['ignore', 'pipe', 'inherit'] });
  sleepers.push(child);
  await once(child.stdout, 'data');
  return child.pid!;
}

/** A pid that ran and exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

function writeLease(name: string, lease: Partial<Lease> & { port: number; pid: number }): string {
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, name);
  writeFileSync(file, JSON.stringify({ project: 'beta', service: 'api', createdAt: new Date().toISOString(), ...lease }), { mode: 0o644 });
  return file;
}

async function take(port: number): Promise<boolean> {
  const registry = await openLeaseRegistry(folder);
  try {
    return registry.take(port, OWNER);
  } finally {
    await registry.close();
  }
}

async function leasedTo(port: number): Promise<string | undefined> {
  const registry = await openLeaseRegistry(folder);
  await registry.close();
  return registry.leasedTo(port);
}

describe('the lease registry', () => {
  it('creates a sticky shared folder and a lease file only its owner may write', async () => {
    startLeasing(warn, folder);
    expect(await take(20001)).toBe(true);
    expect(statSync(folder).mode & 0o7777).toBe(0o1777);
    const file = path.join(folder, leaseFileName(20001));
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      port: 20001,
      pid: process.pid,
      startTime: processStartTime(process.pid),
      ...OWNER,
    });
  });

  it('writes nothing unless this process leases (devsup check, library use)', async () => {
    expect(await take(20002)).toBe(true);
    expect(readdirSync(folder)).toEqual([]);
  });

  it("keeps another live instance's port from being handed out, naming it", async () => {
    const pid = await startSleeper();
    writeLease('20003-4242.lease', { port: 20003, pid, startTime: processStartTime(pid) });
    expect(await leasedTo(20003)).toBe(`leased by devsup pid ${pid} for project beta (service api)`);
    expect(findLease(20003, folder)).toMatchObject({ pid, project: 'beta', service: 'api' });
    expect(await leasedTo(20004)).toBeUndefined();
  });

  it('refuses a port another live instance of this user leased', async () => {
    startLeasing(warn, folder);
    const pid = await startSleeper();
    const file = writeLease(leaseFileName(20005), { port: 20005, pid, startTime: processStartTime(pid) });
    expect(await take(20005)).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid });
  });

  it('reclaims the lease of a dead instance, and of a pid now used by another process', async () => {
    startLeasing(warn, folder);
    const dead = writeLease(leaseFileName(20006), { port: 20006, pid: await deadPid() });
    const reused = writeLease('20007-4242.lease', { port: 20007, pid: await startSleeper(), startTime: '1' });
    expect(await leasedTo(20006)).toBeUndefined();
    expect(await leasedTo(20007)).toBeUndefined();
    expect(() => lstatSync(reused)).toThrow(/ENOENT/);
    expect(await take(20006)).toBe(true);
    expect(JSON.parse(readFileSync(dead, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it("lists every live lease for `devsup ls`, this user's marked by name and file owner; stale ones are left out", async () => {
    const pid = await startSleeper();
    const startTime = processStartTime(pid);
    writeLease(leaseFileName(20031), { port: 20031, pid, startTime, project: 'mine' });
    writeLease('20032-4242.lease', { port: 20032, pid, startTime, project: 'theirs' });
    writeLease('20033-4242.lease', { port: 20033, pid: await deadPid(), project: 'gone' });
    writeFileSync(path.join(folder, 'notes.txt'), 'not a lease');
    const seen = liveLeases(folder).sort((a, b) => a.lease.port - b.lease.port);
    expect(seen.map(({ lease, owner, uid: fileUid, own }) => ({ port: lease.port, project: lease.project, owner, fileUid, own }))).toEqual([
      { port: 20031, project: 'mine', owner: String(uid), fileUid: uid, own: true },
      { port: 20032, project: 'theirs', owner: '4242', fileUid: uid, own: false },
    ]);
  });

  it('waits a few seconds before it treats an unreadable lease as stale', async () => {
    const file = writeLease('20008-4242.lease', { port: 20008, pid: 1 });
    writeFileSync(file, '{"port":200'); // being written
    expect(await leasedTo(20008)).toMatch(/leased by another devsup instance/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old); // left half-written by a killed owner
    expect(await leasedTo(20008)).toBeUndefined();
  });

  it('replaces its own lease from an earlier allocation, and releases only its own', async () => {
    startLeasing(warn, folder);
    expect(await take(20009)).toBe(true);
    expect(await take(20009)).toBe(true);
    const pid = await startSleeper();
    writeLease('20010-4242.lease', { port: 20010, pid, startTime: processStartTime(pid) });
    releaseLeases();
    expect(readdirSync(folder)).toEqual(['20010-4242.lease']);
  });

  it('does not follow a symlink planted under a lease name', async () => {
    startLeasing(warn, folder);
    mkdirSync(folder, { recursive: true });
    const target = path.join(root, 'target');
    writeFileSync(target, 'precious');
    const pid = await startSleeper();
    writeFileSync(
      path.join(root, 'live.json'),
      JSON.stringify({ port: 20011, pid, startTime: processStartTime(pid), project: 'x', service: 'y', createdAt: '' }),
    );
    symlinkSync(path.join(root, 'live.json'), path.join(folder, '20011-4242.lease'));
    symlinkSync(target, path.join(folder, leaseFileName(20012)));
    expect(await leasedTo(20011)).toBeUndefined(); // a lease behind a symlink is no lease
    expect(await take(20012)).toBe(true); // our own stray symlink is replaced, never written through
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(lstatSync(path.join(folder, leaseFileName(20012))).isFile()).toBe(true);
  });

  it('creates the shared folder 1777 whatever the umask, and says nothing of a folder fit to share', async () => {
    const umask = process.umask(0o077);
    try {
      startLeasing(warn, folder);
      expect(await take(20013)).toBe(true);
    } finally {
      process.umask(umask);
    }
    expect(statSync(folder).mode & 0o7777).toBe(0o1777);
    expect(said).toEqual([]);
  });

  it('leases in a per-user folder beside one that is a symlink, saying so once; its leases count', async () => {
    const real = path.join(root, 'real');
    mkdirSync(real);
    symlinkSync(real, folder);
    startLeasing(warn, folder);
    expect(await take(20014)).toBe(true);
    expect(await take(20015)).toBe(true);
    const personal = `${folder}-${uid}`;
    expect(said).toEqual([
      `${folder} is a symlink owned by uid ${uid}: cross-user port leases are off (this user's instances lease in ${personal}); remove it, or set DEVSUP_LEASE_DIR.`,
    ]);
    expect(readdirSync(real)).toEqual([]);
    expect(readdirSync(personal).sort()).toEqual([leaseFileName(20014), leaseFileName(20015)].sort());
    expect(statSync(personal).mode & 0o7777).toBe(0o700);

    const pid = await startSleeper(); // another instance of this user, leasing there too
    writeFileSync(
      path.join(personal, '20016-4242.lease'),
      JSON.stringify({ port: 20016, pid, startTime: processStartTime(pid), project: 'beta', service: 'api', createdAt: '' }),
    );
    expect(await leasedTo(20016)).toBe(`leased by devsup pid ${pid} for project beta (service api)`);
    expect(findLease(20016, folder)).toMatchObject({ pid });
    expect(said).toHaveLength(1);
  });

  it('does not share a folder that others may clean out (writable, not sticky)', async () => {
    mkdirSync(folder);
    chmodSync(folder, 0o777);
    startLeasing(warn, folder);
    expect(await take(20017)).toBe(true);
    expect(readdirSync(folder)).toEqual([]);
    expect(readdirSync(`${folder}-${uid}`)).toEqual([leaseFileName(20017)]);
    expect(said).toEqual([
      `${folder} may be written by other users, who could remove leases: it is not sticky (mode 0777): cross-user port leases are off (this user's instances lease in ${folder}-${uid}); have its owner make it sticky (chmod 1777), or set DEVSUP_LEASE_DIR.`,
    ]);
  });

  it('leases nothing, saying why, when the per-user folder will not do either', async () => {
    writeFileSync(folder, '');
    symlinkSync(root, `${folder}-${uid}`);
    startLeasing(warn, folder);
    expect(await take(20018)).toBe(true); // allocation goes on, without a lease
    expect(readdirSync(root).sort()).toEqual(['ports', `ports-${uid}`]);
    expect(said).toEqual([
      `${folder} is not a folder (owned by uid ${uid}), and ${folder}-${uid} is a symlink to ${root}: port leases are off, so two devsup instances may hand out one port; remove it, or set DEVSUP_LEASE_DIR.`,
    ]);
  });

  describe.runIf(asRoot)("another user's folder (as root)", () => {
    it('is shared when sticky and world-writable, and not otherwise', async () => {
      mkdirSync(folder);
      chmodSync(folder, 0o1777);
      chownSync(folder, NOBODY, NOBODY);
      startLeasing(warn, folder);
      expect(await take(20019)).toBe(true);
      expect(readdirSync(folder)).toEqual([leaseFileName(20019)]);
      releaseLeases();

      chmodSync(folder, 0o755);
      startLeasing(warn, folder);
      expect(await take(20020)).toBe(true);
      expect(readdirSync(`${folder}-${uid}`)).toEqual([leaseFileName(20020)]);
      expect(said).toEqual([
        `${folder} belongs to uid ${NOBODY} and is not a shared sticky folder (mode 0755): cross-user port leases are off (this user's instances lease in ${folder}-${uid}); have its owner make it shared (chmod 1777) or remove it, or set DEVSUP_LEASE_DIR.`,
      ]);
      expect(statSync(folder).mode & 0o7777).toBe(0o755);
    });
  });

  describe.runIf(asRoot)("another user's files (as root)", () => {
    it('never rewrites or removes them, even a stale one under our name', async () => {
      startLeasing(warn, folder);
      const dead = await deadPid();
      const ours = writeLease(leaseFileName(20015), { port: 20015, pid: dead });
      const theirs = writeLease(`20016-${NOBODY}.lease`, { port: 20016, pid: dead });
      chownSync(ours, NOBODY, NOBODY);
      chownSync(theirs, NOBODY, NOBODY);
      const before = readFileSync(ours, 'utf8');
      expect(await take(20015)).toBe(false);
      expect(readFileSync(ours, 'utf8')).toBe(before);
      expect(statSync(ours).uid).toBe(NOBODY);
      // Their stale lease stays, yet blocks nothing: ours has another name.
      expect(await take(20016)).toBe(true);
      expect(readdirSync(folder).sort()).toEqual([leaseFileName(20015), leaseFileName(20016), `20016-${NOBODY}.lease`].sort());
    });

    it("refuses another user's symlink under our name, and ignores a lease whose pid is not its owner's", async () => {
      startLeasing(warn, folder);
      mkdirSync(folder, { recursive: true });
      const target = path.join(root, 'target');
      writeFileSync(target, 'precious');
      const link = path.join(folder, leaseFileName(20017));
      symlinkSync(target, link);
      lchownSync(link, NOBODY, NOBODY);
      expect(await take(20017)).toBe(false);
      expect(readFileSync(target, 'utf8')).toBe('precious');

      const pid = await startSleeper(); // runs as root, so a file of nobody's cannot speak for it
      chownSync(writeLease(`20018-${NOBODY}.lease`, { port: 20018, pid, startTime: processStartTime(pid) }), NOBODY, NOBODY);
      expect(await leasedTo(20018)).toBeUndefined();
    });
  });
});
