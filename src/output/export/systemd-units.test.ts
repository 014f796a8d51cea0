import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTP_PROBE, TCP_PROBE } from './systemd-units.js';

const run = promisify(execFile);
const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

/** A real server on 127.0.0.1 answering each request with the next of `statuses` (the last one from then on). */
async function serverAnswering(statuses: number[]): Promise<{ port: number; requests(): number }> {
  let requests = 0;
  const server = http.createServer((_, response) => {
    response.statusCode = statuses[Math.min(requests++, statuses.length - 1)]!;
    response.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, requests: () => requests };
}

// The ExecStartPost= probes run as node scripts: each must return once the check passes, not before.
describe('the readiness probes of the systemd units', () => {
  it('tcp: exits 0 once the port accepts a connection', async () => {
    const { port } = await serverAnswering([200]);
    await expect(run(process.execPath, ['-e', TCP_PROBE, String(port), '127.0.0.1'], { timeout: 10_000 })).resolves.toBeDefined();
  });

  it('http: keeps asking through a 503, exits 0 on a 2xx', async () => {
    const server = await serverAnswering([503, 503, 204]);
    await run(process.execPath, ['-e', HTTP_PROBE, `http://127.0.0.1:${server.port}/health`, ''], { timeout: 10_000 });
    expect(server.requests()).toBe(3);
  });

  it('http with a status: waits for exactly that one', async () => {
    const server = await serverAnswering([200, 302, 418]);
    await run(process.execPath, ['-e', HTTP_PROBE, `http://127.0.0.1:${server.port}/`, '418'], { timeout: 10_000 });
    expect(server.requests()).toBe(3);
  });
});
