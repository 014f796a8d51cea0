import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeHolder, findHoldersOfPorts, findPortHolders, suggestLookup } from './find-port-holder.js';
import { spawnListener, stopListeners } from '../../test/helpers/port-listeners.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { findFreePorts } from '../../test/helpers/free-port.js';

afterEach(stopListeners);

describe.runIf(process.platform === 'linux')('findPortHolders', () => {
  it("names a child's pid, command line, address and uid", async () => {
    const port = await findFreePorts(1);
    const { pid } = await spawnListener({ port, host: '127.0.0.1' });
    expect(await findPortHolders(port)).toEqual([
      { state: 'listen', pid, command: expect.stringMatching(/node -e /), uid: process.getuid!(), address: '127.0.0.1' },
    ]);
  });

  it('returns nothing for a free port', async () => {
    expect(await findPortHolders(await findFreePorts(1))).toEqual([]);
  });

  it('names the holders of several ports in one call', async () => {
    const port = await findFreePorts(3);
    const first = await spawnListener({ port, host: '::1' });
    const second = await spawnListener({ port: port + 1, host: '::', ipv6Only: true });
    const holders = await findHoldersOfPorts([port, port + 1, port + 2]);
    expect(holders.get(port)).toEqual([expect.objectContaining({ pid: first.pid, address: '::1' })]);
    expect(holders.get(port + 1)).toEqual([expect.objectContaining({ pid: second.pid, address: '::' })]);
    expect(holders.get(port + 2)).toEqual([]);
  });

  it('names the process behind the local end of an outgoing connection', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const localPort = await findFreePorts(1);
    const client = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', localPort });
    await once(client, 'connect');
    try {
      expect(await findPortHolders(localPort)).toEqual([expect.objectContaining({ state: 'connection', pid: process.pid, address: '127.0.0.1' })]);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('reports a port with only TIME_WAIT entries as held by the kernel, not a process', async () => {
    const server = net.createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect(port, '127.0.0.1').resume();
    await once(client, 'close');
    await new Promise((resolve) => server.close(resolve));
    await waitFor(async () => (await findPortHolders(port)).length > 0, { what: `a TIME_WAIT entry for port ${port}` });
    expect(await findPortHolders(port)).toEqual([{ state: 'time-wait' }]);
  });
});

describe('describeHolder', () => {
  it('names a process by pid and command line', () => {
    expect(describeHolder({ state: 'listen', pid: 3907, command: 'python3 -m http.server 10500' }, 10500)).toBe(
      'pid 3907: python3 -m http.server 10500',
    );
    expect(describeHolder({ state: 'listen', pid: 3907 }, 10500)).toBe('pid 3907');
  });

  it('masks the secrets a command line carries', () => {
    expect(
      describeHolder({ state: 'listen', pid: 3907, command: 'API_TOKEN=s3cret node app.js --password hunter2 postgres://u:pw@db/app' }, 10500),
    ).toBe('pid 3907: API_TOKEN=•••••• node app.js --password •••••• postgres://••••••@db/app');
  });

  it('says when only the kernel holds the port', () => {
    expect(describeHolder({ state: 'time-wait' }, 10500)).toBe('the kernel (TIME_WAIT only)');
  });

  it('says whose process it is and what to run when the OS will not name it', () => {
    const lookup = suggestLookup(10500);
    expect(lookup).toBe(
      { win32: 'netstat -ano | findstr :10500 (in an Administrator prompt)', linux: "sudo ss -ltnp 'sport = :10500'" }[process.platform as string] ??
        'sudo lsof -nP -iTCP:10500 -sTCP:LISTEN',
    );
    expect(describeHolder({ state: 'listen', uid: 1001, user: 'bob' }, 10500)).toBe(
      `a process of user bob (uid 1001) the OS will not name; try \`${lookup}\``,
    );
    expect(describeHolder({ state: 'listen', uid: 1000 }, 10500)).toBe(`a process (uid 1000) the OS will not name; try \`${lookup}\``);
    expect(describeHolder(undefined, 10500)).toBe(`a process the OS will not name; try \`${lookup}\``);
  });

  it('marks a service of a devsup instance with its manifest', () => {
    const devsup = { service: 'llm', instance: 41200, manifest: '/home/a/services.yaml' };
    expect(describeHolder({ state: 'listen', pid: 41230, command: 'node llm.js', devsup }, 10500)).toBe(
      'pid 41230: node llm.js (devsup: service llm of /home/a/services.yaml)',
    );
  });

  it('marks connections and explains the macOS AirPlay Receiver', () => {
    expect(describeHolder({ state: 'connection', pid: 7, command: 'curl x' }, 51000)).toBe(
      'pid 7: curl x (the local end of a connection, not a listener)',
    );
    expect(
      describeHolder({ state: 'listen', pid: 433, command: '/System/Library/CoreServices/ControlCenter.app/Contents/MacOS/ControlCenter' }, 7000),
    ).toMatch(/AirPlay Receiver; turn it off/);
  });
});
