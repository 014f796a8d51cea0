import { describe, expect, it } from 'vitest';
import { parseNetstat, parseTasklistCsv } from './netstat.js';

// `netstat -ano -p tcp` and `-p tcpv6` on an English Windows, CRLF line ends.
const TCP = [
  '',
  'Active Connections',
  '',
  '  Proto  Local Address          Foreign Address        State           PID',
  '  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1052',
  '  TCP    127.0.0.1:8763         0.0.0.0:0              LISTENING       3907',
  '  TCP    127.0.0.1:51000        127.0.0.1:8763         ESTABLISHED     1234',
  '  TCP    127.0.0.1:8764         127.0.0.1:51001        TIME_WAIT       0',
].join('\r\n');
const TCPV6 = [
  '  TCP    [::1]:8763             [::]:0                 LISTENING       3907',
  '  TCP    [fe80::1%12]:49664     [::]:0                 LISTENING       720',
].join('\r\n');
// A German Windows: the state names are translated, the columns are not.
const GERMAN =
  '  TCP    0.0.0.0:8763           0.0.0.0:0              ABHÖREN         3907\r\n  TCP    127.0.0.1:8764     127.0.0.1:51001       WARTEND         0\r\n';

describe('parseNetstat', () => {
  it('reads local endpoint, state and pid of IPv4 and IPv6 rows', () => {
    expect(parseNetstat(TCP)).toEqual([
      { address: '0.0.0.0', port: 135, state: 'listen', pid: 1052 },
      { address: '127.0.0.1', port: 8763, state: 'listen', pid: 3907 },
      { address: '127.0.0.1', port: 51000, state: 'connection', pid: 1234 },
      { address: '127.0.0.1', port: 8764, state: 'time-wait', pid: 0 },
    ]);
    expect(parseNetstat(TCPV6)).toEqual([
      { address: '::1', port: 8763, state: 'listen', pid: 3907 },
      { address: 'fe80::1%12', port: 49664, state: 'listen', pid: 720 },
    ]);
  });

  it('does not depend on the language of the state column', () => {
    expect(parseNetstat(GERMAN).map((row) => row.state)).toEqual(['listen', 'time-wait']);
  });
});

describe('parseTasklistCsv', () => {
  it('takes the image name, or nothing when no task matched', () => {
    expect(parseTasklistCsv('"python.exe","3907","Console","1","12,345 K"\r\n')).toBe('python.exe');
    expect(parseTasklistCsv('INFO: No tasks are running which match the specified criteria.\r\n')).toBeUndefined();
  });
});
