import { sha256 as digest } from '@noble/hashes/sha2';

/**
 * The SHA-256 digest of `text` (UTF-8), as node:crypto gives it. Computed in JavaScript: loading
 * node:crypto (sixteen modules) would cost every `up` its load time and resident memory, for a few
 * short names (instance, socket, lock guard, lease mutex, fallback order).
 */
export function sha256(text: string): Buffer {
  const bytes = digest(new TextEncoder().encode(text));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
