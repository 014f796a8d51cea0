import type { PortHolder } from './port-types.js';
import { readToolOutput } from './run-tool.js';

export interface NetstatRow {
  address: string;
  port: number;
  state: PortHolder['state'];
  pid: number;
}

/** Who holds `port` on Windows; null when netstat could not run. */
export async function findHoldersWithNetstat(port: number): Promise<PortHolder[] | null> {
  // `-p tcp` lists IPv4 only; IPv6 listeners need a second call.
  const outputs = await Promise.all(['tcp', 'tcpv6'].map((protocol) => readToolOutput('netstat', ['-ano', '-p', protocol])));
  if (outputs.every((output) => output === null)) return null;
  const rows = outputs.flatMap((output) => parseNetstat(output ?? '')).filter((row) => row.port === port);
  const listeners = rows.filter((row) => row.state === 'listen');
  const chosen = listeners.length > 0 ? listeners : rows.filter((row) => row.state === 'connection');
  const holders: PortHolder[] = [];
  for (const row of chosen) {
    const listing = await readToolOutput('tasklist', ['/FI', `PID eq ${row.pid}`, '/FO', 'CSV', '/NH']);
    holders.push({ state: row.state, pid: row.pid, command: parseTasklistCsv(listing ?? ''), address: row.address });
  }
  if (holders.length === 0 && rows.length > 0) holders.push({ state: 'time-wait' });
  return holders;
}

/**
 * `netstat -ano` rows: `TCP  [::1]:8763  [::]:0  LISTENING  3907`. State names are localized, so a
 * listener is recognised by its foreign port 0 and a TIME_WAIT entry by its pid 0 (no owner left).
 */
export function parseNetstat(text: string): NetstatRow[] {
  const rows: NetstatRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields[0]?.toUpperCase() !== 'TCP' || fields.length < 5) continue;
    const local = splitEndpoint(fields[1]!);
    const foreign = splitEndpoint(fields[2]!);
    const pid = Number(fields[fields.length - 1]);
    if (!local || !foreign || !Number.isInteger(pid)) continue;
    const state = foreign.port === 0 ? 'listen' : pid === 0 ? 'time-wait' : 'connection';
    rows.push({ address: local.address, port: local.port, state, pid });
  }
  return rows;
}

function splitEndpoint(endpoint: string): { address: string; port: number } | undefined {
  const colon = endpoint.lastIndexOf(':');
  const port = Number(endpoint.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port)) return undefined;
  return { address: endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

/** `tasklist /FO CSV /NH`: `"python.exe","3907","Console","1","12,345 K"`; an INFO line when none matches. */
export function parseTasklistCsv(text: string): string | undefined {
  return /^"([^"]*)"/m.exec(text.trim())?.[1];
}

/**
 * `tasklist /V /FO CSV /NH`: image, PID, session name, session#, memory, status, user name, CPU time,
 * window title. The user is `N/A` for processes this user may not inspect.
 */
export function parseTasklistVerbose(text: string): { image: string; user?: string } | undefined {
  const line = text.split(/\r?\n/).find((candidate) => candidate.startsWith('"'));
  if (!line) return undefined;
  const fields = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((match) => match[1]!.replace(/""/g, '"'));
  const [image, , , , , , user] = fields;
  if (!image) return undefined;
  return user && user !== 'N/A' ? { image, user } : { image };
}
