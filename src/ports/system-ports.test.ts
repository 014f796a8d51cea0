import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetshDynamicPorts, parseSysctlRange, readSystemPorts } from './system-ports.js';

describe('parseSysctlRange', () => {
  it('reads Linux ip_local_port_range and macOS sysctl output', () => {
    expect(parseSysctlRange('32768\t60999\n')).toEqual({ from: 32768, to: 60999 });
    expect(parseSysctlRange('49152\n65535\n')).toEqual({ from: 49152, to: 65535 });
  });

  it('rejects garbage and reversed ranges', () => {
    expect(parseSysctlRange('')).toBeUndefined();
    expect(parseSysctlRange('sysctl: unknown oid')).toBeUndefined();
    expect(parseSysctlRange('60999 32768')).toBeUndefined();
  });
});

describe('parseNetshDynamicPorts', () => {
  it('reads the start port and the number of ports', () => {
    const english =
      '\r\nProtocol tcp Dynamic Port Range\r\n---------------------------------\r\nStart Port      : 49152\r\nNumber of Ports : 16384\r\n';
    expect(parseNetshDynamicPorts(english)).toEqual({ from: 49152, to: 65535 });
    const german =
      '\r\nDynamischer Portbereich für tcp-Protokoll\r\n---------------------------------\r\nStartport       : 1025\r\nAnzahl der Ports: 3976\r\n';
    expect(parseNetshDynamicPorts(german)).toEqual({ from: 1025, to: 5000 });
  });

  it('gives nothing for output it does not understand', () => {
    expect(parseNetshDynamicPorts('The requested operation requires elevation.')).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('readSystemPorts on Linux', () => {
  it('reads the ephemeral range and the unprivileged start from /proc/sys', async () => {
    const [from, to] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    expect(await readSystemPorts()).toEqual({ ephemeral: { from, to }, unprivilegedStart: start });
  });
});
