import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeExport } from './write-export.js';

const scratch: string[] = [];
afterEach(() => scratch.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-write-export-'));
  scratch.push(dir);
  return dir;
}

const MARK = '# written by the test';
const isStale = (name: string, firstLine: string) => firstLine === MARK && name.startsWith('app-');

describe('writeExport into drop-in folders', () => {
  it('writes a file inside a folder it makes, and one inside a folder that is there', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'app-web@1.service.d'));
    writeExport(
      dir,
      [
        { name: 'app-web@1.service.d/instance.conf', text: 'one\n' },
        { name: 'app-web@2.service.d/instance.conf', text: 'two\n' },
      ],
      { force: false },
    );
    expect(readFileSync(path.join(dir, 'app-web@1.service.d/instance.conf'), 'utf8')).toBe('one\n');
    expect(readFileSync(path.join(dir, 'app-web@2.service.d/instance.conf'), 'utf8')).toBe('two\n');
  });

  it('refuses a symlink where a folder goes, writing nothing, even with --force', () => {
    const dir = tempDir();
    const elsewhere = tempDir();
    symlinkSync(elsewhere, path.join(dir, 'app-web@2.service.d'));
    const files = [
      { name: 'app.target', text: 'target\n' },
      { name: 'app-web@2.service.d/instance.conf', text: 'two\n' },
    ];
    expect(() => writeExport(dir, files, { force: true, isStale })).toThrow(/app-web@2\.service\.d is a symlink to .*never writes through one/);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['app-web@2.service.d']);
  });

  it('with --force removes stale drop-ins and the folder they leave empty, and nothing else', () => {
    const dir = tempDir();
    writeExport(
      dir,
      [2, 3].map((index) => ({ name: `app-web@${index}.service.d/instance.conf`, text: `${MARK}\n` })),
      { force: false },
    );
    writeFileSync(path.join(dir, 'app-web@3.service.d/mine.conf'), '[Service]\n');
    mkdirSync(path.join(dir, 'app-web@4.service.d'));
    writeFileSync(path.join(dir, 'app-web@4.service.d/instance.conf'), `${MARK}\n`);
    const { removed } = writeExport(dir, [{ name: 'app-web@2.service.d/instance.conf', text: `${MARK}\n` }], { force: true, isStale });
    expect(removed.map((file) => path.relative(dir, file)).sort()).toEqual([
      'app-web@3.service.d/instance.conf',
      'app-web@4.service.d/instance.conf',
    ]);
    expect(readdirSync(dir).sort()).toEqual(['app-web@2.service.d', 'app-web@3.service.d']);
    expect(readdirSync(path.join(dir, 'app-web@3.service.d'))).toEqual(['mine.conf']);
  });
});
