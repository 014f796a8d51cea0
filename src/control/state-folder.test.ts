import {
  chmodSync,
  chownSync,
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
import { DevsupError } from '../errors.js';
import { WriteTrouble } from '../files/write-trouble.js';
import type { PortsReport } from '../output/ports-report.js';
import { ensureStateFolder, readState, writeState, type InstanceState } from './state-folder.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-state-'));
  folders.push(folder);
  return folder;
}

const mode = (file: string) => statSync(file).mode & 0o7777;
const report: PortsReport = { project: 'p', pid: process.pid, manifest: '/p/services.yaml', services: [] };
const state: InstanceState = { version: 1, pid: process.pid, startedAt: '2024-01-01T00:00:00.000Z', report };

function refusal(dir: string): DevsupError {
  try {
    ensureStateFolder(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(DevsupError);
    return error as DevsupError;
  }
  throw new Error('ensureStateFolder did not refuse');
}

describe('ensureStateFolder', () => {
  it('makes .devsup and .devsup/logs 0700, and takes them as they are the next time', () => {
    const dir = tempFolder();
    expect(ensureStateFolder(dir)).toBe(path.join(dir, '.devsup'));
    expect(mode(path.join(dir, '.devsup'))).toBe(0o700);
    expect(mode(path.join(dir, '.devsup', 'logs'))).toBe(0o700);
    expect(ensureStateFolder(dir)).toBe(path.join(dir, '.devsup'));
  });

  it('refuses a symlink, neither changing nor writing its target', () => {
    const dir = tempFolder();
    const shared = tempFolder();
    chmodSync(shared, 0o755);
    symlinkSync(shared, path.join(dir, '.devsup'));
    const error = refusal(dir);
    expect(error.message).toBe(`${path.join(dir, '.devsup')} is a symlink to ${shared}: devsup keeps its state only in a folder of its own.`);
    expect(error.hint).toBe(`Remove the link (rm ${path.join(dir, '.devsup')}) and run again.`);
    expect(mode(shared)).toBe(0o755);
    expect(readdirSync(shared)).toEqual([]);
  });

  it('refuses a folder of ours open to others, leaving its mode alone', () => {
    const dir = tempFolder();
    mkdirSync(path.join(dir, '.devsup'));
    chmodSync(path.join(dir, '.devsup'), 0o750);
    expect(refusal(dir).hint).toBe(`Close it (chmod 700 ${path.join(dir, '.devsup')}) and run again.`);
    expect(mode(path.join(dir, '.devsup'))).toBe(0o750);
  });

  it('refuses a logs folder that is a file', () => {
    const dir = tempFolder();
    mkdirSync(path.join(dir, '.devsup'), { mode: 0o700 });
    writeFileSync(path.join(dir, '.devsup', 'logs'), '');
    expect(refusal(dir).message).toMatch(/\.devsup\/logs is not a folder: /);
  });

  it.runIf(asRoot)("refuses another user's folder, leaving its mode alone (as root)", () => {
    const dir = tempFolder();
    mkdirSync(path.join(dir, '.devsup'), { mode: 0o777 });
    chmodSync(path.join(dir, '.devsup'), 0o777);
    chownSync(path.join(dir, '.devsup'), NOBODY, NOBODY);
    expect(refusal(dir).message).toContain(`belongs to uid ${NOBODY}, not to you (uid 0)`);
    expect(mode(path.join(dir, '.devsup'))).toBe(0o777);
  });
});

describe('writeState', () => {
  it('replaces a symlink at a file or at its temp name, never writing through it', async () => {
    const folder = ensureStateFolder(tempFolder());
    const victim = path.join(tempFolder(), 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(folder, `state.json.${process.pid}.tmp`));
    symlinkSync(victim, path.join(folder, 'ports.env'));
    expect(await writeState(folder, state, new WriteTrouble(() => undefined))).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(path.join(folder, 'ports.env')).isFile()).toBe(true);
    expect(mode(path.join(folder, 'state.json'))).toBe(0o600);
    expect(readState(path.dirname(folder))).toEqual(state);
    expect(readdirSync(folder).sort()).toEqual(['logs', 'ports.env', 'ports.json', 'state.json']);
  });

  it('says once that a file cannot be written, carries on with the others, and says when it works again', async () => {
    const folder = ensureStateFolder(tempFolder());
    const said: string[] = [];
    const trouble = new WriteTrouble((message) => said.push(message));
    mkdirSync(path.join(folder, 'state.json', 'in-the-way'), { recursive: true }); // a rename over a full folder fails
    expect(await writeState(folder, state, trouble)).toBe(false);
    expect(await writeState(folder, state, trouble)).toBe(false);
    expect(said).toEqual([
      expect.stringMatching(/^could not write .*\.devsup\/state\.json: .*; devsup and the services run on, and devsup tries again every second\.$/),
    ]);
    expect(readFileSync(path.join(folder, 'ports.json'), 'utf8')).toBe(JSON.stringify(report, null, 2) + '\n');
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    rmSync(path.join(folder, 'state.json'), { recursive: true });
    expect(await writeState(folder, state, trouble)).toBe(true);
    expect(said).toHaveLength(2);
    expect(said[1]).toMatch(/^writing .*\.devsup\/state\.json again\.$/);
  });

  it('is not read through a symlink', () => {
    const dir = tempFolder();
    const folder = ensureStateFolder(dir);
    const elsewhere = path.join(tempFolder(), 'state.json');
    writeFileSync(elsewhere, JSON.stringify(state));
    symlinkSync(elsewhere, path.join(folder, 'state.json'));
    expect(readState(dir)).toBeUndefined();
  });
});
