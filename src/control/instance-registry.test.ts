import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listRunningInstances, listThisInstance, registryFolders } from './instance-registry.js';

const folders: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true }));
});

/**
 * An XDG_RUNTIME_DIR of this test's own, as a login session gives one (0700), and a temp folder of
 * its own (TMPDIR), so neither registry is this user's real one.
 */
function runtimeEnv(): { env: NodeJS.ProcessEnv; registry: string; fallback: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-runtime-'));
  folders.push(dir);
  mkdirSync(path.join(dir, 'run'), { mode: 0o700 });
  mkdirSync(path.join(dir, 'tmp'), { mode: 0o700 });
  vi.stubEnv('TMPDIR', path.join(dir, 'tmp'));
  const env = { XDG_RUNTIME_DIR: path.join(dir, 'run') };
  const [registry, fallback] = registryFolders(env);
  return { env, registry: registry!, fallback: fallback! };
}

const manifest = { file: '/srv/shop/services.yaml', project: 'shop' };
const listedPids = (env: NodeJS.ProcessEnv) => listRunningInstances(env).map((entry) => entry.pid);

describe('the instance registry', () => {
  it('lists this instance in a 0700 folder of the runtime folder until it is removed', async () => {
    const { env, registry, fallback } = runtimeEnv();
    expect([registry, fallback]).toEqual([
      path.join(env.XDG_RUNTIME_DIR!, 'devsup', 'instances'),
      path.join(os.tmpdir(), `devsup-${process.getuid!()}`, 'instances'),
    ]);
    expect(fallback.startsWith(path.dirname(env.XDG_RUNTIME_DIR!))).toBe(true);
    const warnings: string[] = [];
    const listed = await listThisInstance(manifest, (message) => warnings.push(message), env);
    expect(warnings).toEqual([]);
    expect(statSync(registry).mode & 0o777).toBe(0o700);
    expect(statSync(path.dirname(registry)).mode & 0o777).toBe(0o700);
    const entry = listRunningInstances(env).find((each) => each.pid === process.pid);
    expect(entry).toMatchObject({ version: 1, pid: process.pid, manifest: manifest.file, project: 'shop' });
    expect(Date.now() - Date.parse(entry!.startedAt)).toBeLessThan(60_000);
    listed.remove();
    expect(listedPids(env)).not.toContain(process.pid);
    expect(readdirSync(registry)).toEqual([]);
  });

  it('drops and removes the entry of a process that is gone, or of a pid now another process', async () => {
    const { env, registry } = runtimeEnv();
    await listThisInstance(manifest, () => undefined, env);
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout.trim());
    const otherPid = process.ppid; // alive, but not the process that wrote the entry: its start time differs
    const entry = (pid: number, startTime: string) =>
      JSON.stringify({ version: 1, pid, startTime, manifest: '/x/services.yaml', project: 'x', startedAt: new Date().toISOString() });
    writeFileSync(path.join(registry, `${deadPid}.json`), entry(deadPid, '1'));
    writeFileSync(path.join(registry, `${otherPid}.json`), entry(otherPid, 'not its start time'));
    expect(listedPids(env)).toEqual([process.pid]);
    expect(readdirSync(registry)).toEqual([`${process.pid}.json`]);
  });

  it('reads no folder that is a symlink or open to others; lists into the one in the temp folder instead, or says why it cannot', async () => {
    const { env, registry, fallback } = runtimeEnv();
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'devsup-elsewhere-'));
    folders.push(elsewhere);
    mkdirSync(path.dirname(registry), { mode: 0o700 });
    symlinkSync(elsewhere, registry);
    const warnings: string[] = [];
    const listed = await listThisInstance(manifest, (message) => warnings.push(message), env);
    expect(warnings).toEqual([]);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readdirSync(fallback)).toEqual([`${process.pid}.json`]);
    expect(listedPids(env)).toEqual([process.pid]);
    listed.remove();
    // An entry planted behind the link is not read.
    writeFileSync(
      path.join(elsewhere, `${process.pid}.json`),
      JSON.stringify({ version: 1, pid: process.pid, manifest: '/x', project: 'x', startedAt: '' }),
    );
    expect(listRunningInstances(env)).toEqual([]);

    rmSync(fallback, { recursive: true });
    symlinkSync(elsewhere, fallback);
    await listThisInstance(manifest, (message) => warnings.push(message), env);
    expect(warnings).toEqual([
      `\`devsup ls\` will not list this instance (in ${registry}: ${registry} is a symlink to ${elsewhere}. Remove the link (rm ${registry}) and run again.; ` +
        `in ${fallback}: ${fallback} is a symlink to ${elsewhere}. Remove the link (rm ${fallback}) and run again.)`,
    ]);

    rmSync(registry);
    mkdirSync(registry, { mode: 0o700 });
    chmodSync(registry, 0o755);
    writeFileSync(
      path.join(registry, `${process.pid}.json`),
      JSON.stringify({ version: 1, pid: process.pid, manifest: '/y', project: 'y', startedAt: '' }),
    );
    expect(listRunningInstances(env)).toEqual([]);
    expect(existsSync(path.join(registry, `${process.pid}.json`))).toBe(true);
  });
});
