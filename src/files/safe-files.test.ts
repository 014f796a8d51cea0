import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { MAX_INPUT_BYTES, readInputFile, RefusedFileError } from './safe-files.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function folder(): string {
  const made = mkdtempSync(path.join(tmpdir(), 'devsup-input-'));
  folders.push(made);
  return made;
}

/** The problem readInputFile refuses `file` with, or what it read. */
function outcome(file: string): string | Buffer | undefined {
  try {
    return readInputFile(file);
  } catch (error) {
    return error instanceof RefusedFileError ? error.problem : `unexpected: ${String(error)}`;
  }
}

describe('readInputFile: what the user named, read only if it is a regular file', () => {
  test('a file, and a symlink to one (a linked .env), are read; a missing one is undefined', () => {
    const dir = folder();
    writeFileSync(path.join(dir, 'shared.env'), 'A=1\n');
    symlinkSync(path.join(dir, 'shared.env'), path.join(dir, '.env'));
    expect(outcome(path.join(dir, 'shared.env'))?.toString()).toBe('A=1\n');
    expect(outcome(path.join(dir, '.env'))?.toString()).toBe('A=1\n');
    expect(outcome(path.join(dir, 'missing.env'))).toBeUndefined();
  });

  test('a FIFO is refused without waiting for a writer; a device or a folder is refused too', () => {
    const dir = folder();
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    mkdirSync(path.join(dir, 'sub'));
    symlinkSync('/dev/zero', path.join(dir, 'zero'));
    expect(outcome(path.join(dir, 'pipe'))).toBe('it is a FIFO, and devsup reads only regular files');
    expect(outcome(path.join(dir, 'zero'))).toBe('it is a device, and devsup reads only regular files');
    expect(outcome(path.join(dir, 'sub'))).toBe('it is a folder, and devsup reads only regular files');
  });

  test('a file over 64 MiB is refused before anything of it is read', () => {
    const file = path.join(folder(), 'huge.yaml');
    writeFileSync(file, '');
    truncateSync(file, MAX_INPUT_BYTES + 1); // sparse: no 64 MiB written
    expect(outcome(file)).toBe('it is 67,108,865 bytes, more than the 64 MiB devsup reads');
  });
});
