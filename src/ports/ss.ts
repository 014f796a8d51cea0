import type { PortHolder } from './port-types.js';
import { readToolOutput } from './run-tool.js';

/** Who LISTENs on `port` according to iproute2's `ss`; null when ss is not installed. */
export async function findHoldersWithSs(port: number): Promise<PortHolder[] | null> {
  const output = await readToolOutput('ss', ['-Htlnp', `sport = :${port}`]);
  if (output === null) return null;
  return parseSsListeners(output)
    .filter((listener) => listener.port === port)
    .map((listener) => listener.holder);
}

/**
 * `ss -Htlnp` lines: `LISTEN 0 511 0.0.0.0:8000 0.0.0.0:* users:(("python3",pid=3907,fd=3))`.
 * Without the rights to see a process, the `users:` part is missing.
 */
export function parseSsListeners(text: string): { port: number; holder: PortHolder }[] {
  const listeners: { port: number; holder: PortHolder }[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'LISTEN' || fields.length < 5) continue;
    const local = fields[3]!;
    const colon = local.lastIndexOf(':');
    const address = local
      .slice(0, colon)
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/%.*$/, '');
    const port = Number(local.slice(colon + 1));
    const users = [...line.matchAll(/\("([^"]*)",pid=(\d+)/g)];
    if (users.length === 0) listeners.push({ port, holder: { state: 'listen', address } });
    for (const [, command, pid] of users) listeners.push({ port, holder: { state: 'listen', pid: Number(pid), command, address } });
  }
  return listeners;
}
