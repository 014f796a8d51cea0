import { readFile } from 'node:fs/promises';
import type { PortRange } from '../manifest/service-spec.js';
import { readToolOutput } from './run-tool.js';

/** What the OS says about ports. */
export interface SystemPorts {
  ephemeral: PortRange; // where the OS picks ports for `listen(0)` and outgoing connections
  unprivilegedStart: number; // the lowest port a non-root user may bind
}

// Used when the OS will not tell: the IANA dynamic range, which macOS and Windows use by default.
const DEFAULT_EPHEMERAL: PortRange = { from: 49152, to: 65535 };
const DEFAULT_UNPRIVILEGED_START = 1024;

let read: Promise<SystemPorts> | undefined;

/** Read once per process: these settings hardly change while devsup runs, and on macOS and Windows each read runs a tool. */
export function readSystemPorts(): Promise<SystemPorts> {
  read ??= readNow();
  return read;
}

async function readNow(): Promise<SystemPorts> {
  if (process.platform === 'linux') return readLinuxPorts();
  if (process.platform === 'win32') {
    const output = await readToolOutput('netsh', ['int', 'ipv4', 'show', 'dynamicport', 'tcp']);
    // Windows has no privileged ports.
    return { ephemeral: parseNetshDynamicPorts(output ?? '') ?? DEFAULT_EPHEMERAL, unprivilegedStart: 0 };
  }
  const output = await readToolOutput('sysctl', ['-n', 'net.inet.ip.portrange.first', 'net.inet.ip.portrange.last']);
  return { ephemeral: parseSysctlRange(output ?? '') ?? DEFAULT_EPHEMERAL, unprivilegedStart: DEFAULT_UNPRIVILEGED_START };
}

async function readLinuxPorts(): Promise<SystemPorts> {
  const [range, start] = await Promise.all([
    readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => ''),
    readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(() => ''),
  ]);
  const unprivilegedStart = Number.parseInt(start, 10);
  return {
    ephemeral: parseSysctlRange(range) ?? { from: 32768, to: 60999 },
    unprivilegedStart: Number.isInteger(unprivilegedStart) ? unprivilegedStart : DEFAULT_UNPRIVILEGED_START,
  };
}

/** Two numbers separated by whitespace: Linux `ip_local_port_range`, or `sysctl -n first last` on macOS. */
export function parseSysctlRange(text: string): PortRange | undefined {
  const [from, to] = text.trim().split(/\s+/).map(Number);
  return isPortRange(from, to) ? { from: from!, to: to! } : undefined;
}

/**
 * `netsh int ipv4 show dynamicport tcp` prints a start port and a count. The labels are localized,
 * so the first two `label : number` values are taken in order.
 */
export function parseNetshDynamicPorts(text: string): PortRange | undefined {
  const [start, count] = [...text.matchAll(/:\s*(\d+)\s*$/gm)].map((match) => Number(match[1]));
  if (start === undefined || count === undefined) return undefined;
  const to = start + count - 1;
  return isPortRange(start, to) ? { from: start, to } : undefined;
}

function isPortRange(from: number | undefined, to: number | undefined): boolean {
  return Number.isInteger(from) && Number.isInteger(to) && from! >= 1 && from! <= to! && to! <= 65535;
}
