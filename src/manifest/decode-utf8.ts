import { isUtf8 } from 'node:buffer';
import type { ManifestIssue } from '../errors.js';

/**
 * A file's bytes as text, or an issue at its first byte that is not UTF-8: decoding would replace
 * that byte with U+FFFD, so a command would run with other bytes than the file holds. A leading BOM
 * is dropped (line 1's columns count as an editor shows them). `file` is the name issues use.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): { text: string } | { issue: ManifestIssue } {
  if (isUtf8(bytes)) return { text: new TextDecoder().decode(bytes) };
  const offset = firstInvalidByte(bytes);
  const before = new TextDecoder().decode(bytes.subarray(0, offset));
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  const byte = bytes[offset]!.toString(16).padStart(2, '0');
  return { issue: { file, line, column: before.length - lineStart + 1, message: `invalid UTF-8 (byte 0x${byte}): save the file as UTF-8` } };
}

/** Where the first malformed sequence starts (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF). */
function firstInvalidByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    const second = bytes[i + 1]!;
    const outOfRange =
      (lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f) || (lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f);
    if (length > 1 && outOfRange) return i;
    i += length;
  }
  return bytes.length; // not reached: isUtf8 said some byte is invalid
}
