import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFiles, logFileOf } from './log-files.js';
import { INDEX_RECORD_BYTES, decodeLogIndex, encodeRecord, firstRecordSince, indexFileOf } from './log-index.js';
import { readLogTail } from './read-log-files.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function stateFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-logindex-'));
  folders.push(folder);
  mkdirSync(path.join(folder, 'logs'), { mode: 0o700 });
  return folder;
}

/** `text@time` for each line, `text@-` for one without a known time. */
function shown(folder: string, service: string, n = Infinity, since?: number): string[] {
  return readLogTail(folder, service, n, since).lines.map((line) => `${line.text}@${line.time ?? '-'}`);
}

function records(file: string): [number, number][] {
  const { offsets, times } = decodeLogIndex(readFileSync(indexFileOf(file)), statSync(file).size);
  return offsets.map((offset, i) => [offset, times[i]!]);
}

/** An index file of the given records, as an older or a hand-made one. */
function indexOf(entries: [number, number][]): Buffer {
  const buf = Buffer.alloc(entries.length * INDEX_RECORD_BYTES);
  entries.forEach(([offset, time], i) => encodeRecord(buf, i * INDEX_RECORD_BYTES, offset, time));
  return buf;
}

describe('the log index', () => {
  it('times every line with the arrival of its block, one record where the time changes, the log left as printed', async () => {
    const folder = stateFolder();
    const files = new LogFiles(folder, () => undefined);
    files.write('web', Buffer.from('one\ntwo\n'), 1_000);
    files.write('web', Buffer.from('three\n'), 1_000);
    files.write('web', Buffer.from('four'), 2_000);
    files.write('web', Buffer.from('five\n'), 3_000);
    await files.close();
    const file = logFileOf(folder, 'web');
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\nthree\nfour\nfive\n');
    expect(records(file)).toEqual([
      [0, 1_000],
      [14, 2_000],
      [19, 3_000],
    ]);
    expect(statSync(indexFileOf(file)).mode & 0o777).toBe(0o600);
    expect(shown(folder, 'web')).toEqual(['one@1000', 'two@1000', 'three@1000', 'four@2000', 'five@3000']);

    // A later run appends to both; a clock set back meanwhile never makes times go back.
    const again = new LogFiles(folder, () => undefined);
    again.write('web', Buffer.from('six\n'), 2_500);
    again.write('web', Buffer.from('seven\n'), 4_000);
    await again.close();
    expect(records(file).slice(3)).toEqual([[28, 4_000]]);
    expect(shown(folder, 'web').slice(5)).toEqual(['six@3000', 'seven@4000']);
  });

  it('finds the lines since a time by binary search, from the rotated file on when they reach into it', async () => {
    const folder = stateFolder();
    const files = new LogFiles(folder, () => undefined, 60);
    // 20 bytes a line: three lines to a file; each written (and timed) alone.
    for (let n = 0; n < 7; n++) {
      files.write('web', Buffer.from(`line ${n} ${'x'.repeat(12)}\n`), 1_000 * (n + 1));
      await files.flush(['web']);
    }
    await files.close();
    const file = logFileOf(folder, 'web');
    expect(records(`${file}.1`)).toEqual([
      [0, 4_000],
      [20, 5_000],
      [40, 6_000],
    ]);
    expect(records(file)).toEqual([[0, 7_000]]);
    const numbers = (since: number, n = Infinity) => readLogTail(folder, 'web', n, since).lines.map((line) => Number(line.text.split(' ')[1]));
    expect(numbers(5_000)).toEqual([4, 5, 6]);
    expect(numbers(4_500)).toEqual([4, 5, 6]);
    expect(numbers(7_000)).toEqual([6]);
    expect(numbers(7_001)).toEqual([]);
    expect(numbers(0)).toEqual([3, 4, 5, 6]); // lines 0 to 2 are gone with the first rotation
    expect(numbers(0, 2)).toEqual([5, 6]);
    expect(readLogTail(folder, 'web', Infinity, 0).untimed).toBe(0);
  });

  it('is rotated with its log once it is full, though the log is not', async () => {
    const folder = stateFolder();
    const files = new LogFiles(folder, () => undefined, 1_000_000, 3 * INDEX_RECORD_BYTES);
    for (let n = 0; n < 4; n++) {
      files.write('web', Buffer.from(`line ${n}\n`), 1_000 * (n + 1));
      await files.flush(['web']);
    }
    await files.close();
    const file = logFileOf(folder, 'web');
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('line 0\nline 1\nline 2\n');
    expect(records(`${file}.1`)).toHaveLength(3);
    expect(readFileSync(file, 'utf8')).toBe('line 3\n');
    expect(records(file)).toEqual([[0, 4_000]]);
  });

  it('leaves lines of a log written without an index untimed, counting them for since only when they may be recent', async () => {
    const folder = stateFolder();
    const file = logFileOf(folder, 'web');
    writeFileSync(file, 'old one\nold two\n');
    const written = statSync(file).mtimeMs;
    expect(shown(folder, 'web')).toEqual(['old one@-', 'old two@-']);
    // Written at `written` at the latest: a since after it leaves them out without a doubt.
    expect(readLogTail(folder, 'web', Infinity, written + 1)).toEqual({ lines: [], untimed: 0 });
    expect(readLogTail(folder, 'web', Infinity, written - 60_000)).toEqual({ lines: [], untimed: 2 });

    // This devsup appends: its lines are timed, the old ones stay untimed and no newer than the first record.
    const files = new LogFiles(folder, () => undefined);
    files.write('web', Buffer.from('new\n'), written + 10_000);
    await files.close();
    utimesSync(file, new Date(), new Date());
    expect(shown(folder, 'web')).toEqual(['old one@-', 'old two@-', `new@${written + 10_000}`]);
    const newLine = { service: 'web', text: 'new', time: written + 10_000 };
    // Before the first timed line, they may or may not be as recent as `since`: left out, and counted.
    expect(readLogTail(folder, 'web', Infinity, written + 5_000)).toEqual({ lines: [newLine], untimed: 2 });
    expect(readLogTail(folder, 'web', Infinity, 0)).toEqual({ lines: [newLine], untimed: 2 });
    // After it, they are older for sure.
    expect(readLogTail(folder, 'web', Infinity, written + 10_001)).toEqual({ lines: [], untimed: 0 });
  });

  it('reads past a torn last record, and the next write puts a whole one in its place', async () => {
    const folder = stateFolder();
    const file = logFileOf(folder, 'web');
    writeFileSync(file, 'one\n');
    writeFileSync(indexFileOf(file), Buffer.concat([indexOf([[0, 1_000]]), Buffer.from([1, 2, 3, 4, 5])]));
    expect(shown(folder, 'web')).toEqual(['one@1000']);
    const files = new LogFiles(folder, () => undefined);
    files.write('web', Buffer.from('two\n'), 2_000);
    await files.close();
    expect(statSync(indexFileOf(file)).size).toBe(2 * INDEX_RECORD_BYTES);
    expect(shown(folder, 'web')).toEqual(['one@1000', 'two@2000']);
  });

  it('starts afresh when it does not fit its log (the log replaced by hand), and is never read past the log', async () => {
    const folder = stateFolder();
    const file = logFileOf(folder, 'web');
    writeFileSync(file, 'short\n');
    writeFileSync(
      indexFileOf(file),
      indexOf([
        [0, 1_000],
        [500, 2_000],
      ]),
    );
    expect(shown(folder, 'web')).toEqual(['short@1000']);
    const files = new LogFiles(folder, () => undefined);
    files.write('web', Buffer.from('next\n'), 3_000);
    await files.close();
    expect(records(file)).toEqual([[6, 3_000]]);
    expect(shown(folder, 'web')).toEqual(['short@-', 'next@3000']);
  });

  it('goes with its log: rotated to .1.idx, and removed when the log was removed by hand', async () => {
    const folder = stateFolder();
    const file = logFileOf(folder, 'web');
    const files = new LogFiles(folder, () => undefined, 10);
    files.write('web', Buffer.from('first\n'), 1_000);
    await files.flush(['web']);
    files.write('web', Buffer.from('second\n'), 2_000);
    await files.flush(['web']);
    expect(records(`${file}.1`)).toEqual([[0, 1_000]]);
    rmSync(file);
    files.write('web', Buffer.from('third\n'), 3_000);
    await files.close();
    // The removed log's index did not become that of `.1`.
    expect(records(`${file}.1`)).toEqual([[0, 1_000]]);
    expect(readFileSync(file, 'utf8')).toBe('third\n');
    expect(records(file)).toEqual([[0, 3_000]]);
  });

  it('is never written or read through a symlink', async () => {
    const folder = stateFolder();
    const file = logFileOf(folder, 'web');
    const victim = path.join(folder, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, indexFileOf(file));
    const warnings: string[] = [];
    const files = new LogFiles(folder, (message) => warnings.push(message));
    files.write('web', Buffer.from('output\n'), 1_000);
    await files.close();
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(file, 'utf8')).toBe('output\n');
    expect(warnings).toEqual([`not writing ${indexFileOf(file)}: it is a symlink to ${victim}; remove it.`]);
    expect(() => readLogTail(folder, 'web', 5)).toThrow(`not reading ${indexFileOf(file)}: it is a symlink to ${victim}; remove it.`);
  });
});

describe('decodeLogIndex and firstRecordSince', () => {
  it('keep the records up to the first that does not fit, and search them by time', () => {
    const index = decodeLogIndex(
      indexOf([
        [0, 10],
        [5, 20],
        [9, 20],
        [12, 30],
        [11, 40], // an offset going back: this and what follows are left out
        [20, 50],
      ]),
      100,
    );
    expect(index).toEqual({ offsets: [0, 5, 9, 12], times: [10, 20, 20, 30] });
    expect([0, 10, 11, 20, 21, 30, 31].map((since) => firstRecordSince(index, since))).toEqual([0, 0, 1, 1, 3, 3, 4]);
    expect(decodeLogIndex(indexOf([[50, 10]]), 40)).toEqual({ offsets: [], times: [] });
    expect(decodeLogIndex(indexOf([[0, 10]]).subarray(0, 11), 40)).toEqual({ offsets: [], times: [] });
  });
});
