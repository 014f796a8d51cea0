import { createRequire } from 'node:module';

/**
 * The SHA-256 digest of `text`. node:crypto is required, not imported: importing it makes Node read
 * every export, and the `webcrypto` getter then loads all of Web Crypto (a dozen modules) at each start.
 */
export function sha256(text: string): Buffer {
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest();
}
