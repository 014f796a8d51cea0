import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listRunningInstances, listThisInstance, registryFolders } from './instance-registry.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** An XDG_RUNTIME_DIR of this test's own, as a login session gives one (0700). */
function runtimeEnv(): { env: NodeJS.ProcessEnv; registry: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-runtime-'));
  folders.push(dir);
  const env = { XDG_RUNTIME_DIR: dir };
  return { env, registry: registryFolders(env)[0]! };
}

const manifest = { file: '/srv/shop/services.yaml', project: 'shop' };
const listedPids = (env: NodeJS.ProcessEnv) => listRunningInstances(env).map((entry) => entry.pid);

describe('the instance registry', () => {
  it('lists this instance in a 0700 folder of the runtime folder until it is removed', async () => {
    const { env, registry } = runtimeEnv();
    expect(registryFolders(env)).toEqual([registry, path.join(os.tmpdir(), `devsup-${process.getuid!()}`, 'instances')]);
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
    // The temp folder's registry is read too, and may list this user's other instances.
    expect(listedPids(env).filter((pid) => [process.pid, deadPid, otherPid].includes(pid))).toEqual([process.pid]);
    expect(readdirSync(registry)).toEqual([`${process.pid}.json`]);
  });

  it('reads no folder that is a symlink or open to others, and lists into none: it says so instead', async () => {
    const { env, registry } = runtimeEnv();
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'devsup-elsewhere-'));
    folders.push(elsewhere);
    mkdirSync(path.dirname(registry), { mode: 0o700 });
    symlinkSync(elsewhere, registry);
    const warnings: string[] = [];
    await listThisInstance(manifest, (message) => warnings.push(message), env);
    expect(warnings).toEqual([
      `\`devsup ls\` will not list this instance (in ${registry}): ${registry} is a symlink to ${elsewhere}. Remove the link (rm ${registry}) and run again.`,
    ]);
    expect(readdirSync(elsewhere)).toEqual([]);
    // An entry planted behind the link is not read.
    writeFileSync(
      path.join(elsewhere, `${process.pid}.json`),
      JSON.stringify({ version: 1, pid: process.pid, manifest: '/x', project: 'x', startedAt: '' }),
    );
    expect(listRunningInstances(env).filter((entry) => entry.manifest === '/x')).toEqual([]);

    rmSync(registry);
    mkdirSync(registry, { mode: 0o700 });
    chmodSync(registry, 0o755);
    writeFileSync(
      path.join(registry, `${process.pid}.json`),
      JSON.stringify({ version: 1, pid: process.pid, manifest: '/y', project: 'y', startedAt: '' }),
    );
    expect(listRunningInstances(env).filter((entry) => entry.manifest === '/y')).toEqual([]);
    expect(existsSync(path.join(registry, `${process.pid}.json`))).toBe(true);
  });
});
