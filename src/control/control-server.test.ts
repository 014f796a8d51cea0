import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DevsupError } from '../errors.js';
import { requestInstance, requestOnce } from './control-client.js';
import { listenForControl, type Connection, type ControlServer } from './control-server.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import type { Request } from './protocol.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A manifest folder with a server on its control socket; `handled` collects the requests it got. */
async function serve(): Promise<{ dir: string; server: ControlServer; handled: Request[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-server-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, '.devsup', 'control.sock');
  mkdirSync(path.dirname(socketPath), { mode: 0o700 });
  writeFileSync(socketPath, 'left by a dead instance');
  const handled: Request[] = [];
  const server = await listenForControl(socketPath, (request, connection) => {
    handled.push(request);
    if (request.type === 'ports') connection.send({ type: 'stopping', pid: 1 });
    if (request.type === 'logs') {
      connection.send({ type: 'lines', lines: [{ service: 'a', text: 'one' }] });
      connection.send({ type: 'lines', lines: [{ service: 'a', text: 'two' }] });
    }
    connection.end();
  });
  cleanups.push(() => server.close());
  return { dir, server, handled };
}

function rawExchange(socketPath: string, text: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.once('close', () =>
      resolve(
        answer
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ),
    );
    socket.once('error', reject);
    socket.write(text);
  });
}

describe('control server and client', () => {
  it('replaces a stale socket file, listens with mode 0600, and removes the socket on close', async () => {
    const { server } = await serve();
    expect(statSync(server.path).isSocket()).toBe(true);
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
    await server.close();
    expect(existsSync(server.path)).toBe(false);
  });

  it('hands one checked request per connection to the handler and streams its replies', async () => {
    const { dir, handled } = await serve();
    const replies = [];
    for await (const reply of requestInstance(dir, { type: 'logs', services: [], lines: 5, follow: false })) replies.push(reply);
    expect(replies).toEqual([
      { v: 1, type: 'lines', lines: [{ service: 'a', text: 'one' }] },
      { v: 1, type: 'lines', lines: [{ service: 'a', text: 'two' }] },
    ]);
    expect(handled).toEqual([{ type: 'logs', services: [], lines: 5, follow: false }]);
    const wrong = await requestOnce(dir, { type: 'ports' }, 'report').catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(DevsupError);
    expect((wrong as Error).message).toBe(`devsup in ${dir} answered "stopping" where "report" was expected.`);
  });

  it('answers a line that is no request, or has no version, with an error and never calls the handler', async () => {
    const { server, handled } = await serve();
    expect(await rawExchange(server.path, 'hello\n')).toEqual([
      { v: 1, type: 'error', message: 'a request without a protocol version ("v").', hint: expect.any(String), exitCode: 1 },
    ]);
    expect(await rawExchange(server.path, '{"v":1,"type":"stop","services":"all"}\n')).toEqual([
      { v: 1, type: 'error', message: 'bad request: "stop" needs "services": a list of service names.', exitCode: 2 },
    ]);
    expect(handled).toEqual([]);
  });

  it('answers a request line over 1 MiB with an error, closes that connection, and serves the next', async () => {
    const { dir, server, handled } = await serve();
    const socket = net.connect(server.path);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined); // the write fails once the server has closed: that is the point
    socket.write(Buffer.alloc(8 * 1024 * 1024, 'a'));
    await closed;
    expect(JSON.parse(answer)).toEqual({ v: 1, type: 'error', message: 'request too large: at most 1 MiB per line.', exitCode: 2 });
    expect(handled).toEqual([]);
    await expect(requestOnce(dir, { type: 'ports' }, 'stopping')).resolves.toEqual({ v: 1, type: 'stopping', pid: 1 });
  });

  it('keeps nothing a client sends after its request: a following client stays connected however much more it sends', async () => {
    const { dir, server } = await serve();
    const held = await listenForControl(path.join(dir, '.devsup', 'held.sock'), () => undefined); // answers nothing, closes nothing, as `logs -f`
    cleanups.push(() => held.close());
    const socket = net.connect(held.path);
    cleanups.push(() => void socket.destroy());
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await new Promise((resolve) => socket.write(`${JSON.stringify({ v: 1, type: 'logs', services: [], lines: 1, follow: true })}\n`, resolve));
    // Taken by the OS only once the server has read all but a socket buffer of it.
    await new Promise((resolve) => socket.write(Buffer.alloc(2 * 1024 * 1024, 'a'), resolve));
    await rawExchange(server.path, '{"v":1,"type":"ports"}\n'); // a round trip, so an answer to the first would have come by now
    expect(answer).toBe('');
    expect(socket.destroyed).toBe(false);
  });

  it('on close, what was sent still reaches a following client; one that does not read holds it up a second at most', async () => {
    const { dir } = await serve();
    const connections: Connection[] = [];
    const following = await listenForControl(path.join(dir, '.devsup', 'follow.sock'), (_, connection) => connections.push(connection));
    const reader = net.connect(following.path);
    const stalled = net.connect(following.path);
    cleanups.push(
      () => void reader.destroy(),
      () => void stalled.destroy(),
    );
    let answer = '';
    reader.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const readerClosed = new Promise((resolve) => reader.once('close', resolve));
    stalled.pause();
    const logs = `${JSON.stringify({ v: 1, type: 'logs', services: [], lines: 1, follow: true })}\n`;
    reader.write(logs);
    stalled.write(logs);
    await waitFor(() => connections.length === 2, { what: 'both requests in' });
    const big = Array.from({ length: 4096 }, () => ({ service: 'a', text: 'x'.repeat(1024) }));
    connections[1]!.send({ type: 'lines', lines: big }); // more than the OS buffers for a client that reads nothing
    setImmediate(() => connections[0]!.send({ type: 'lines', lines: [{ service: 'a', text: 'stopped' }] })); // a batch in flight
    const started = Date.now();
    await following.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    await readerClosed;
    expect(JSON.parse(answer)).toEqual({ v: 1, type: 'lines', lines: [{ service: 'a', text: 'stopped' }] });
  });

  it('a client finds no instance where no socket answers', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-server-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await expect(requestOnce(dir, { type: 'ports' }, 'report')).rejects.toThrow(`devsup is not running in ${dir}`);
  });
});
