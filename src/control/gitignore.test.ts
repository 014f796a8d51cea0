import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ignoreDevsupFiles, ignoreStateFolder } from './gitignore.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function repository(files: Record<string, string>, git = true): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-gitignore-'));
  folders.push(dir);
  if (git) mkdirSync(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function run(dir: string): string[] {
  const said: string[] = [];
  ignoreStateFolder(dir, (message) => said.push(message));
  return said;
}

describe('ignoreStateFolder', () => {
  it('adds .devsup/ to a .gitignore that lacks it, says so once, and keeps the file as it was otherwise', () => {
    const dir = repository({ '.gitignore': 'node_modules\ndist' });
    expect(run(dir)).toEqual([
      `added .devsup/ to ${path.join(dir, '.gitignore')}: devsup's state folder (ports, logs, socket) does not belong in git.`,
    ]);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\ndist\n.devsup/\n');
    expect(run(dir)).toEqual([]);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\ndist\n.devsup/\n');
  });

  it.each(['.devsup', '.devsup/', '/.devsup/', '**/.devsup', '  .devsup/  ', '.devsup/*'])('leaves a .gitignore with %j alone', (line) => {
    const dir = repository({ '.gitignore': `dist\n${line}\n` });
    expect(run(dir)).toEqual([]);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe(`dist\n${line}\n`);
  });

  it('creates no .gitignore where there is none', () => {
    const dir = repository({});
    expect(run(dir)).toEqual([]);
    expect(existsSync(path.join(dir, '.gitignore'))).toBe(false);
  });

  it("adds the manifest's own folder to the repository root's .gitignore", () => {
    const dir = repository({ '.gitignore': 'dist\n', 'apps/web/services.yaml': '' });
    expect(run(path.join(dir, 'apps/web'))).toHaveLength(1);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('dist\n/apps/web/.devsup/\n');
    expect(run(path.join(dir, 'apps/web'))).toEqual([]);
  });

  it('does not write through a .gitignore that is a symlink, and says so', () => {
    const dir = repository({ 'elsewhere/gitignore': 'dist\n' });
    symlinkSync(path.join(dir, 'elsewhere/gitignore'), path.join(dir, '.gitignore'));
    expect(run(dir)).toEqual([
      `not adding .devsup/ to ${path.join(dir, '.gitignore')}: it is a symlink, and devsup does not write through one; add .devsup/ to it yourself.`,
    ]);
    expect(readFileSync(path.join(dir, 'elsewhere/gitignore'), 'utf8')).toBe('dist\n');
  });

  it('says so, and throws nothing, when the line cannot be added', () => {
    const dir = repository({});
    mkdirSync(path.join(dir, '.gitignore'));
    expect(run(dir)).toEqual([`could not add .devsup/ to ${path.join(dir, '.gitignore')}: it is a folder; add it yourself.`]);
  });

  it('does not touch a .gitignore in a parent folder outside any repository', () => {
    const dir = repository({ '.gitignore': 'dist\n', 'app/services.yaml': '' }, false);
    expect(run(path.join(dir, 'app'))).toEqual([]);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('dist\n');
  });
});

describe('ignoreDevsupFiles', () => {
  const fail = (message: string) => expect.fail(message);
  it('adds only the lines a .gitignore lacks, recognising the ways they may already be written', () => {
    const dir = repository({ '.gitignore': 'dist\r\n/.devsup\r\n' });
    expect(ignoreDevsupFiles(dir, fail)).toEqual(['services.local.yaml']);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('dist\r\n/.devsup\r\nservices.local.yaml\n');
    expect(ignoreDevsupFiles(dir, fail)).toEqual([]);
  });

  it('creates a missing .gitignore, but writes nothing through a symlink, even a dangling one', () => {
    const dir = repository({});
    expect(ignoreDevsupFiles(dir, fail)).toEqual(['.devsup/', 'services.local.yaml']);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('.devsup/\nservices.local.yaml\n');
    rmSync(path.join(dir, '.gitignore'));
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, '.gitignore'));
    const said: string[] = [];
    expect(ignoreDevsupFiles(dir, (message) => said.push(message))).toEqual([]);
    expect(said).toEqual([
      `not adding .devsup/ and services.local.yaml to ${path.join(dir, '.gitignore')}: it is a symlink, and devsup does not write through one; add them to it yourself.`,
    ]);
    expect(existsSync(path.join(dir, 'nowhere'))).toBe(false);
    expect(lstatSync(path.join(dir, '.gitignore')).isSymbolicLink()).toBe(true);
  });
});
