import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
const outside: string[] = [];
afterEach(async () => {
  await session.cleanup();
  outside.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const mode = (file: string) => statSync(file).mode & 0o7777;

/** A folder outside the project, standing in for a shared one someone points a link at. */
function elsewhere(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-elsewhere-'));
  outside.push(dir);
  return dir;
}

async function project(files: Record<string, string> = {}): Promise<string> {
  const port = await findFreePorts(1);
  const manifest = ['services:', '  web:', `    command: ${fixtureArgv('print-on-request.mjs')}`, `    port: ${port}`, ''].join('\n');
  return session.project({ 'services.yaml': manifest, ...files }).dir;
}

/** `devsup up` that must refuse: exit 1, the message, and no service started. */
async function refusedUp(dir: string): Promise<string> {
  const up = session.up(dir);
  const { code } = await exitWithin(up, 15_000);
  expect(code, up.stderr()).toBe(1);
  expect(up.stdout()).not.toContain('listening on');
  return up.stderr();
}

describe('the state folder', () => {
  it('is refused when .devsup is a symlink: the target is neither chmodded nor written', async () => {
    const shared = elsewhere();
    chmodSync(shared, 0o755);
    const dir = await project();
    symlinkSync(shared, path.join(dir, '.devsup'));
    const stderr = await refusedUp(dir);
    expect(stderr).toContain(`.devsup is a symlink to ${shared}: devsup keeps its state only in a folder of its own.`);
    expect(stderr).toContain('Remove the link (rm .devsup) and run again.');
    expect(mode(shared)).toBe(0o755);
    expect(readdirSync(shared)).toEqual([]);
  });

  it('is refused when .devsup is a file, or a folder open to other users (left as it is)', async () => {
    const dir = await project({ '.devsup': 'not a folder\n' });
    expect(await refusedUp(dir)).toContain('.devsup is not a folder: devsup keeps its state only in a folder of its own.');
    expect(readFileSync(path.join(dir, '.devsup'), 'utf8')).toBe('not a folder\n');

    rmSync(path.join(dir, '.devsup'));
    mkdirSync(path.join(dir, '.devsup'));
    chmodSync(path.join(dir, '.devsup'), 0o755);
    const stderr = await refusedUp(dir);
    expect(stderr).toContain('.devsup is open to other users (mode 0755): it holds the control socket and the logs.');
    expect(stderr).toContain('Close it (chmod 700 .devsup) and run again.');
    expect(mode(path.join(dir, '.devsup'))).toBe(0o755);
    expect(readdirSync(path.join(dir, '.devsup'))).toEqual([]);
  });

  it('is refused when .devsup/logs is a symlink', async () => {
    const shared = elsewhere();
    const dir = await project();
    mkdirSync(path.join(dir, '.devsup'), { mode: 0o700 });
    symlinkSync(shared, path.join(dir, '.devsup', 'logs'));
    const stderr = await refusedUp(dir);
    expect(stderr).toContain(`.devsup/logs is a symlink to ${shared}: devsup keeps its state only in a folder of its own.`);
    expect(stderr).toContain('Remove the link (rm .devsup/logs) and run again.');
    expect(readdirSync(shared)).toEqual([]);
  });

  it.runIf(asRoot)('is refused when .devsup belongs to another user (as root)', async () => {
    const dir = await project();
    mkdirSync(path.join(dir, '.devsup'), { mode: 0o700 });
    chownSync(path.join(dir, '.devsup'), NOBODY, NOBODY);
    expect(await refusedUp(dir)).toContain(
      `.devsup belongs to uid ${NOBODY}, not to you (uid 0): devsup keeps its state only in a folder of its own.`,
    );
    expect(readdirSync(path.join(dir, '.devsup'))).toEqual([]);
  });
});

describe('files in the state folder', () => {
  it('a symlinked log file is not written through: devsup says so and the service runs on', async () => {
    const victim = path.join(elsewhere(), 'victim');
    writeFileSync(victim, 'precious\n');
    const dir = await project();
    mkdirSync(path.join(dir, '.devsup', 'logs'), { recursive: true, mode: 0o700 });
    symlinkSync(victim, path.join(dir, '.devsup', 'logs', 'web.log'));
    const up = session.up(dir);
    await up.waitForOutput(/^web +\| listening on \d+$/m, 20_000);
    await up.waitForOutput(/not writing \.devsup\/logs\/web\.log/, 10_000);
    expect(up.stderr()).toContain(`devsup: not writing .devsup/logs/web.log: it is a symlink to ${victim}; remove it.`);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('`devsup logs` of a stopped instance does not print a file a log symlink points to', async () => {
    const secret = path.join(elsewhere(), 'secret');
    writeFileSync(secret, 'root:$6$hash\n');
    const dir = await project();
    mkdirSync(path.join(dir, '.devsup', 'logs'), { recursive: true, mode: 0o700 });
    symlinkSync(secret, path.join(dir, '.devsup', 'logs', 'web.log'));
    const result = await runCli(['logs'], dir);
    expect(result.stdout).not.toContain('root:');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`not reading .devsup/logs/web.log: it is a symlink to ${secret}; remove it.`);
  });

  it('an instance lock that is a symlink is refused, its target untouched', async () => {
    const victim = path.join(elsewhere(), 'victim');
    writeFileSync(victim, 'precious\n');
    const dir = await project();
    mkdirSync(path.join(dir, '.devsup'), { mode: 0o700 });
    symlinkSync(victim, path.join(dir, '.devsup', 'instance.lock'));
    const stderr = await refusedUp(dir);
    expect(stderr).toContain(`not using .devsup/instance.lock: it is a symlink to ${victim}.`);
    expect(stderr).toContain('Remove it (rm .devsup/instance.lock) and run again.');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});

describe('a .gitignore that is a symlink', () => {
  it('is not appended to by `devsup up`, which says so and runs', async () => {
    const target = path.join(elsewhere(), 'gitignore');
    writeFileSync(target, 'node_modules\n');
    const dir = await project({ '.git/HEAD': 'ref: refs/heads/main\n' });
    symlinkSync(target, path.join(dir, '.gitignore'));
    const up = session.up(dir);
    await up.waitForOutput(/^web +\| listening on \d+$/m, 20_000);
    expect(up.stderr()).toContain(
      'devsup: not adding .devsup/ to .gitignore: it is a symlink, and devsup does not write through one; add .devsup/ to it yourself.',
    );
    expect(readFileSync(target, 'utf8')).toBe('node_modules\n');
    expect(lstatSync(path.join(dir, '.gitignore')).isSymbolicLink()).toBe(true);
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });

  it('is not written by `devsup init`, which says so', async () => {
    const target = path.join(elsewhere(), 'gitignore');
    writeFileSync(target, 'node_modules\n');
    const { dir } = session.project({});
    symlinkSync(target, path.join(dir, '.gitignore'));
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'devsup: not adding .devsup/ and services.local.yaml to .gitignore: it is a symlink, and devsup does not write through one; add them to it yourself.',
    );
    expect(result.stdout).not.toContain('added');
    expect(readFileSync(target, 'utf8')).toBe('node_modules\n');
    expect(existsSync(path.join(dir, 'services.yaml'))).toBe(true);
  });
});
