import { expect, test } from 'vitest';
import { formatIssue, type ManifestIssue } from '../errors.js';
import { decodeUtf8 } from './decode-utf8.js';

const issueOf = (bytes: Buffer): string => formatIssue((decodeUtf8(bytes, 'services.yaml') as { issue: ManifestIssue }).issue);

test('valid UTF-8 is decoded; a real U+FFFD stays, a leading BOM is dropped', () => {
  expect(decodeUtf8(Buffer.from('command: touch MARK\uFFFD é 😀\n'), 'f')).toEqual({ text: 'command: touch MARK\uFFFD é 😀\n' });
  expect(decodeUtf8(Buffer.from('\uFEFFservices: {}\n'), 'f')).toEqual({ text: 'services: {}\n' });
});

test('the first invalid byte is reported with its line and column', () => {
  expect(issueOf(Buffer.from('services:\n  web:\n    command: touch MARK\xe9\n', 'latin1'))).toBe(
    'services.yaml:3:24: invalid UTF-8 (byte 0xe9): save the file as UTF-8',
  );
  // Columns count characters, as an editor shows them, and not the BOM.
  expect(issueOf(Buffer.concat([Buffer.from('\uFEFFa: é'), Buffer.from([0x80])]))).toBe(
    'services.yaml:1:5: invalid UTF-8 (byte 0x80): save the file as UTF-8',
  );
});

test('overlong forms, surrogates, code points past U+10FFFF and cut sequences are invalid', () => {
  for (const bytes of [
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80, 0x80, 0x80],
    [0xe2, 0x82],
  ]) {
    const issue = issueOf(Buffer.from([0x61, ...bytes]));
    expect(issue).toBe(`services.yaml:1:2: invalid UTF-8 (byte 0x${bytes[0]!.toString(16)}): save the file as UTF-8`);
  }
});
