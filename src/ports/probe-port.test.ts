import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { probeEveryAddress, probePort, reserveAnyPort } from './probe-port.js';
import { readSocketTable } from './proc-net.js';
import { spawnListener, stopListeners } from '../../test/helpers/port-listeners.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { findFreePorts } from '../../test/helpers/free-port.js';

afterEach(stopListeners);

const HOLDERS = [
  { label: '0.0.0.0', host: '0.0.0.0' },
  { label: '127.0.0.1', host: '127.0.0.1' },
  { label: 'IPv6-only ::', host: '::', ipv6Only: true },
  { label: '::1', host: '::1' },
];

describe('probePort', () => {
  it('says free for a free port and leaves it bindable', async () => {
    const port = await findFreePorts(1);
    expect(await probePort(port)).toEqual({ result: 'free' });
    const server = net.createServer().listen(port, '127.0.0.1');
    await once(server, 'listening'); // rejects if the probe left the port bound
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(HOLDERS)('says busy when another process listens on $label', async ({ host, ipv6Only }) => {
    const port = await findFreePorts(1);
    await spawnListener({ port, host, ipv6Only });
    expect(await probePort(port)).toEqual({ result: 'busy', code: 'EADDRINUSE' });
    expect(await probePort(port, { host: '127.0.0.1' })).toMatchObject({ result: 'busy' });
  });

  it.each(HOLDERS)('probing address by address also sees a listener on $label', async ({ host, ipv6Only }) => {
    const port = await findFreePorts(1);
    await spawnListener({ port, host, ipv6Only });
    expect(await probeEveryAddress(port)).toEqual({ code: 'EADDRINUSE' });
  });

  it('reports a host that is not an address of this machine as badhost, even on a busy port', async () => {
    const foreign = '198.51.100.7'; // TEST-NET-2, never assigned to a machine
    const local = Object.values(os.networkInterfaces())
      .flat()
      .map((info) => info?.address);
    expect(local).not.toContain(foreign);
    const port = await findFreePorts(1);
    expect(await probePort(port, { host: foreign })).toEqual({ result: 'badhost', code: 'EADDRNOTAVAIL' });
    await spawnListener({ port });
    expect(await probePort(port, { host: foreign })).toEqual({ result: 'badhost', code: 'EADDRNOTAVAIL' });
    expect(await probePort(port, { host: 'no-such-host.invalid' })).toEqual({ result: 'badhost', code: 'ENOTFOUND' });
  });

  it('holds the port until the reservation is released, and release is idempotent', async () => {
    const port = await findFreePorts(1);
    const { result, reservation } = await probePort(port, { host: '127.0.0.1', hold: true });
    expect(result).toBe('free');
    expect(reservation?.port).toBe(port);
    expect((await probePort(port)).result).toBe('busy');
    await reservation!.release();
    await reservation!.release();
    expect((await probePort(port)).result).toBe('free');
  });

  it.runIf(process.platform === 'linux')('counts a port whose only socket is in TIME_WAIT as free', async () => {
    const server = net.createServer((socket) => socket.end()); // the server closes first: its side enters TIME_WAIT
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    client.resume();
    await new Promise((resolve) => client.once('close', resolve));
    await new Promise((resolve) => server.close(resolve));
    const timeWait = async () => (await readSocketTable())!.some((row) => row.port === port && row.state === 'time-wait');
    await waitFor(timeWait, { what: `a TIME_WAIT row for port ${port}` });
    expect((await readSocketTable())!.some((row) => row.port === port && row.state === 'listen')).toBe(false);
    expect(await probePort(port)).toEqual({ result: 'free' });
  });

  it('reserves a port chosen by the OS', async () => {
    const reservation = await reserveAnyPort('127.0.0.1');
    expect(reservation?.port).toBeGreaterThan(0);
    expect((await probePort(reservation!.port)).result).toBe('busy');
    await reservation!.release();
  });
});
