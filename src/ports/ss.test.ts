import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findHoldersWithSs, parseSsListeners } from './ss.js';
import { spawnListener, stopListeners } from '../../test/helpers/port-listeners.js';
import { findFreePorts } from '../../test/helpers/free-port.js';

afterEach(stopListeners);

const SAMPLE = [
  'LISTEN 0      5            0.0.0.0:8000       0.0.0.0:*    users:(("python3",pid=3907,fd=3))',
  'LISTEN 0      511             [::]:8000          [::]:*    users:(("node",pid=41,fd=21),("node",pid=42,fd=21))',
  'LISTEN 0      4096   127.0.0.1%lo:53          0.0.0.0:*',
  'ESTAB  0      0          127.0.0.1:8000     127.0.0.1:51000 users:(("curl",pid=7,fd=5))',
].join('\n');

describe('parseSsListeners', () => {
  it('reads address, port and every process of LISTEN lines, and names none when ss may not see it', () => {
    expect(parseSsListeners(SAMPLE)).toEqual([
      { port: 8000, holder: { state: 'listen', pid: 3907, command: 'python3', address: '0.0.0.0' } },
      { port: 8000, holder: { state: 'listen', pid: 41, command: 'node', address: '::' } },
      { port: 8000, holder: { state: 'listen', pid: 42, command: 'node', address: '::' } },
      { port: 53, holder: { state: 'listen', address: '127.0.0.1' } },
    ]);
  });
});

const hasSs = spawnSync('ss', ['-V']).error === undefined;

describe.runIf(hasSs)('ss on this machine', () => {
  it('names the pid of a listener on the asked port only', async () => {
    const port = await findFreePorts(2);
    const { pid } = await spawnListener({ port, host: '127.0.0.1' });
    await spawnListener({ port: port + 1, host: '127.0.0.1' });
    expect(await findHoldersWithSs(port)).toEqual([{ state: 'listen', pid, command: 'node', address: '127.0.0.1' }]);
  });
});
