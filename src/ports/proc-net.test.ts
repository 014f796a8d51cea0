import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { findPidsOfInodes, formatIPv6, parseProcNetTcp, readCommandLine, readSocketTable, readSocketTableOf } from './proc-net.js';
import { spawnListener, stopListeners } from '../../test/helpers/port-listeners.js';
import { findFreePorts } from '../../test/helpers/free-port.js';

afterEach(stopListeners);

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const TCP = `${HEADER}   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1587 1 00000000dcb20c79 100 0 0 10 0
   1: 0100007F:8383 0100007F:CEEA 06 00000000:00000000 03:000015DE 00000000     0        0 0 3 00000000d3e05e90
   2: 0202000A:CEEA 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 9911 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `${HEADER}   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:2710 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 20 4 30 10 -1
   3: 000080FE00000000FF00FC00010000FE:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4545 1 0000000000000000 100 0 0 10 0
`;

describe('parseProcNetTcp', () => {
  it('reads local address, port, state, uid and inode of IPv4 rows (little-endian host)', () => {
    expect(parseProcNetTcp(TCP, 4, true)).toEqual([
      { address: '0.0.0.0', port: 2024, state: 'listen', uid: 0, inode: 1587 },
      { address: '127.0.0.1', port: 33667, state: 'time-wait', uid: 0, inode: 0 },
      { address: '10.0.2.2', port: 52970, state: 'connection', uid: 1000, inode: 9911 },
    ]);
  });

  it('reads IPv6 rows, including v4-mapped and link-local addresses', () => {
    expect(parseProcNetTcp(TCP6, 6, true).map(({ address, port, state }) => [address, port, state])).toEqual([
      ['::', 8080, 'listen'],
      ['::1', 10000, 'listen'],
      ['::ffff:127.0.0.1', 8080, 'connection'],
      ['fe80::fc:ff:fe00:1', 8081, 'listen'],
    ]);
  });

  it('decodes words in big-endian order on a big-endian host', () => {
    const row = `${HEADER}   0: 7F000001:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7 1\n`;
    expect(parseProcNetTcp(row, 4, false)[0]?.address).toBe('127.0.0.1');
  });

  it('ignores the header and blank lines', () => {
    expect(parseProcNetTcp(`${HEADER}\n`, 4)).toEqual([]);
  });
});

describe('formatIPv6', () => {
  it('compresses the longest zero run only', () => {
    expect(formatIPv6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])).toBe('2001:db8::1:0:0:1');
    expect(formatIPv6([0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6])).toBe('2001:db8:1:2:3:4:5:6');
  });
});

describe('reading /proc', () => {
  it('finds a real listener on ::1, the pid behind its inode and its command line', async () => {
    const port = await findFreePorts(1);
    const { pid } = await spawnListener({ port, host: '::1' });
    const row = (await readSocketTable())!.find((r) => r.port === port && r.state === 'listen');
    expect(row).toMatchObject({ address: '::1', uid: process.getuid!() });
    expect(findPidsOfInodes(new Set([row!.inode]))).toEqual(new Map([[row!.inode, pid]]));
    expect(readCommandLine(pid)).toMatch(/^\S*node -e /);
    // Its inline script has newlines; every message shows a command line on one line.
    expect(readCommandLine(pid)).not.toMatch(/\n/);
    expect(readCommandLine(pid)).toContain("const net = require('node:net'); const specs");
  });

  it('reads a table many pages long whole: every listener in it, of either family', async () => {
    // 200 rows of ~150 bytes per family: a dozen reads of a 4 KiB page each, the table's end after them.
    const servers = await Promise.all(
      Array.from({ length: 400 }, (_, i) => {
        const server = net.createServer();
        return new Promise<net.Server>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, i % 2 === 0 ? '127.0.0.1' : '::1', () => resolve(server));
        });
      }),
    );
    try {
      const ports = (host: string) =>
        servers
          .map((server) => server.address() as net.AddressInfo)
          .filter((a) => a.address === host)
          .map((a) => a.port);
      const listening = (family: 4 | 6) =>
        new Set(
          readSocketTableOf(family)!
            .filter((row) => row.state === 'listen')
            .map((row) => row.port),
        );
      const v4 = listening(4);
      const v6 = listening(6);
      expect(ports('127.0.0.1').filter((port) => !v4.has(port))).toEqual([]);
      expect(ports('::1').filter((port) => !v6.has(port))).toEqual([]);
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
