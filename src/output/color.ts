/**
 * Whether devsup colours what it writes to `stream`: only on a terminal, never with NO_COLOR,
 * and FORCE_COLOR (set, not "0") forces it. Unlike picocolors' own guess, a CI variable does not
 * turn colours on for piped output.
 */
export function shouldColor(stream: NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  return stream.isTTY === true && env.TERM !== 'dumb';
}
