import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findHoldersWithLsof, listListeningPortsWithLsof, parseLsof, parseLsofName } from './lsof.js';
import { spawnListener, stopListeners } from '../../test/helpers/port-listeners.js';
import { findFreePorts } from '../../test/helpers/free-port.js';

afterEach(stopListeners);

// `lsof -nP -iTCP:7000 -sTCP:LISTEN -Fpcn` on macOS with AirPlay Receiver on (an `f` line per file).
const MAC_SAMPLE = 'p433\ncControlCe\nf9\nn*:7000\nf10\nn*:7000\np3907\ncPython\nf3\nn127.0.0.1:7000\nf4\nn[::1]:7000\n';
// `lsof -nP -iTCP:7000 -FpcnT`: a listener, and a client whose connection goes *to* 7000 (remote end).
const STATE_SAMPLE = 'p3907\ncPython\nn*:7000\nTST=LISTEN\nTQR=0\nTQS=0\np812\nccurl\nn127.0.0.1:51000->127.0.0.1:7000\nTST=ESTABLISHED\n';

describe('parseLsof', () => {
  it('groups files under their process', () => {
    expect(parseLsof(MAC_SAMPLE)).toEqual([
      { pid: 433, command: 'ControlCe', files: [{ name: '*:7000' }, { name: '*:7000' }] },
      { pid: 3907, command: 'Python', files: [{ name: '127.0.0.1:7000' }, { name: '[::1]:7000' }] },
    ]);
  });

  it('gives each file the TCP state that follows its name', () => {
    expect(parseLsof(STATE_SAMPLE)).toEqual([
      { pid: 3907, command: 'Python', files: [{ name: '*:7000', state: 'LISTEN' }] },
      { pid: 812, command: 'curl', files: [{ name: '127.0.0.1:51000->127.0.0.1:7000', state: 'ESTABLISHED' }] },
    ]);
  });

  it('returns nothing for empty output (no match)', () => {
    expect(parseLsof('')).toEqual([]);
  });
});

describe('parseLsofName', () => {
  it('takes the local end of every address form', () => {
    expect(parseLsofName('*:7000')).toEqual({ address: '*', port: 7000 });
    expect(parseLsofName('[::1]:7000')).toEqual({ address: '::1', port: 7000 });
    expect(parseLsofName('[fe80::1%lo0]:7000')).toEqual({ address: 'fe80::1%lo0', port: 7000 });
    expect(parseLsofName('127.0.0.1:51000->127.0.0.1:7000')).toEqual({ address: '127.0.0.1', port: 51000 });
    expect(parseLsofName('*:*')).toBeUndefined();
  });
});

const hasLsof = spawnSync('lsof', ['-v']).error === undefined;

describe.runIf(hasLsof)('lsof on this machine', () => {
  it('names the pid and full command line of a listener', async () => {
    const port = await findFreePorts(1);
    const { pid } = await spawnListener({ port, host: '127.0.0.1' });
    const holders = await findHoldersWithLsof(port);
    expect(holders).toEqual([{ state: 'listen', pid, command: expect.stringMatching(/node -e /), address: '127.0.0.1' }]);
  });

  it('lists the ports of the given processes only', async () => {
    const port = await findFreePorts(2);
    const mine = await spawnListener({ port });
    await spawnListener({ port: port + 1 });
    expect(await listListeningPortsWithLsof([mine.pid])).toEqual(new Set([port]));
  });
});
