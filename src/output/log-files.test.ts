import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/wait-for.js';
import { LogFiles, logFileOf } from './log-files.js';
import { loggedServices, readLogTail } from './read-log-files.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** A state folder with its logs folder, as ensureStateFolder makes them. */
function stateFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-logfiles-'));
  folders.push(folder);
  mkdirSync(path.join(folder, 'logs'), { mode: 0o700 });
  return folder;
}

/** Resolves once LogFiles has flushed (every 250 ms) and `file` holds `text`. */
async function waitForText(file: string, text: string): Promise<void> {
  await waitFor(() => readOr(file).includes(text), {
    what: `${file} holding ${JSON.stringify(text)}`,
    timeoutMs: 5_000,
    describe: () => readOr(file),
  });
}

function textsOf(tail: { lines: { text: string }[] }): string[] {
  return tail.lines.map((line) => line.text);
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

describe('LogFiles', () => {
  it('appends each service to its own file (0600), ending cut lines, and reads the tail back', async () => {
    const folder = stateFolder();
    const files = new LogFiles(folder, () => undefined);
    files.write('web', Buffer.from('one\ntwo\n'), 0);
    files.write('db', Buffer.from('ready\n'), 0);
    files.write('web', Buffer.from('three without newline'), 0);
    await files.close();
    expect(readFileSync(logFileOf(folder, 'web'), 'utf8')).toBe('one\ntwo\nthree without newline\n');
    expect(statSync(logFileOf(folder, 'web')).mode & 0o777).toBe(0o600);
    expect(loggedServices(folder)).toEqual(['db', 'web']);
    expect(textsOf(readLogTail(folder, 'web', 2))).toEqual(['two', 'three without newline']);

    // A second run appends.
    const again = new LogFiles(folder, () => undefined);
    again.write('web', Buffer.from('four\n'), 0);
    await again.close();
    expect(textsOf(readLogTail(folder, 'web', 10))).toEqual(['one', 'two', 'three without newline', 'four']);
  });

  it('rotates at the size cap to SERVICE.log.1, and the tail reaches into it', async () => {
    const folder = stateFolder();
    const files = new LogFiles(folder, () => undefined, 100);
    const line = (n: number) => `line ${String(n).padStart(3, '0')} ${'x'.repeat(20)}\n`; // 30 bytes
    for (let n = 0; n < 3; n++) files.write('web', Buffer.from(line(n)), 0);
    await files.close(); // 90 bytes: under the cap
    const next = new LogFiles(folder, () => undefined, 100);
    for (let n = 3; n < 5; n++) next.write('web', Buffer.from(line(n)), 0);
    await next.close();
    const file = logFileOf(folder, 'web');
    expect(readFileSync(`${file}.1`, 'utf8')).toBe([0, 1, 2].map(line).join(''));
    expect(readFileSync(file, 'utf8')).toBe([3, 4].map(line).join(''));
    expect(textsOf(readLogTail(folder, 'web', 3)).map((text) => text.slice(0, 8))).toEqual(['line 002', 'line 003', 'line 004']);
  });

  it('cuts a burst larger than a file to its last file worth, saying what it left out', async () => {
    const folder = stateFolder();
    const files = new LogFiles(folder, () => undefined, 1000);
    for (let n = 0; n < 500; n++) files.write('flood', Buffer.from(`${String(n).padStart(9, '0')}\n`), 0); // 10 bytes each
    await files.close();
    const text = readFileSync(logFileOf(folder, 'flood'), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[devsup: 4000 bytes of output left out here/);
    expect(lines.slice(1)).toEqual(Array.from({ length: 100 }, (_, i) => String(400 + i).padStart(9, '0')));
  });

  it('writes what a flood brings between flushes, in order', async () => {
    const folder = stateFolder();
    const files = new LogFiles(folder, () => undefined);
    let expected = '';
    for (let n = 0; n < 20; n++) {
      const block = `block ${n}\n`.repeat(100);
      expected += block;
      files.write('web', Buffer.from(block), 0);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await files.close();
    expect(readFileSync(logFileOf(folder, 'web'), 'utf8')).toBe(expected);
  });

  it('flush writes what is queued at once, after a write under way, and the files take more after it', async () => {
    const folder = stateFolder();
    const files = new LogFiles(folder, () => undefined);
    const file = logFileOf(folder, 'web');
    files.write('web', Buffer.from('one\n'), 0);
    await files.flush(['web', 'never-printed']);
    expect(readFileSync(file, 'utf8')).toBe('one\n'); // long before the 250 ms flush
    const big = `${'x'.repeat(99)}\n`.repeat(30_000);
    files.write('web', Buffer.from(big), 0);
    await waitFor(() => statSync(file).size > 4, { what: 'the timed write under way' });
    files.write('web', Buffer.from('two\n'), 0);
    await files.flush(['web']);
    expect(readFileSync(file, 'utf8')).toBe(`one\n${big}two\n`);
    files.write('web', Buffer.from('three\n'), 0);
    await files.close();
    expect(readFileSync(file, 'utf8')).toBe(`one\n${big}two\nthree\n`);
  });

  it('warns once while a file cannot be opened, drops its output from it, and notes the loss once it can', async () => {
    const folder = stateFolder();
    const warnings: string[] = [];
    const files = new LogFiles(folder, (message) => warnings.push(message));
    // A folder where the file should be: opening it fails.
    mkdirSync(logFileOf(folder, 'web'));
    files.write('web', Buffer.from('lost\n'), 0);
    files.write('db', Buffer.from('kept\n'), 0);
    await waitForText(logFileOf(folder, 'db'), 'kept\n');
    files.write('web', Buffer.from('lost too\n'), 0);
    files.write('db', Buffer.from('kept too\n'), 0);
    await waitForText(logFileOf(folder, 'db'), 'kept too\n');
    expect(warnings).toEqual([`not writing ${logFileOf(folder, 'web')}: it is a folder; remove it.`]);
    rmSync(logFileOf(folder, 'web'), { recursive: true });
    files.write('web', Buffer.from('written\n'), 0);
    await files.close();
    expect(readFileSync(logFileOf(folder, 'web'), 'utf8')).toBe('[devsup: 14 bytes of output lost here: it is a folder]\nwritten\n');
    expect(warnings[1]).toBe(`writing ${logFileOf(folder, 'web')} again (14 bytes of its output could not be written, and the file says where).`);
    expect(textsOf(readLogTail(folder, 'db', 5))).toEqual(['kept', 'kept too']);
  });

  it('never writes through a symlink at a log file, and never reads through one', async () => {
    const folder = stateFolder();
    const victim = path.join(folder, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, logFileOf(folder, 'web'));
    const warnings: string[] = [];
    const files = new LogFiles(folder, (message) => warnings.push(message));
    files.write('web', Buffer.from('output\n'), 0);
    await files.close();
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(logFileOf(folder, 'web')).isSymbolicLink()).toBe(true);
    expect(warnings).toEqual([`not writing ${logFileOf(folder, 'web')}: it is a symlink to ${victim}; remove it.`]);
    expect(loggedServices(folder)).toEqual(['web']);
    expect(() => readLogTail(folder, 'web', 5)).toThrow(`not reading ${logFileOf(folder, 'web')}: it is a symlink to ${victim}; remove it.`);
  });

  it('lists no services of a logs folder that is a symlink', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-logfiles-'));
    folders.push(folder);
    const elsewhere = stateFolder();
    writeFileSync(path.join(elsewhere, 'logs', 'shadow.log'), 'secret\n');
    symlinkSync(path.join(elsewhere, 'logs'), path.join(folder, 'logs'));
    expect(() => loggedServices(folder)).toThrow(/^not reading .*\/logs: it is a symlink to /);
  });
});
