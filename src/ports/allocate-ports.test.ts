import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allocatePorts, type AllocateOptions } from './allocate-ports.js';
import type { Manifest } from '../manifest/service-spec.js';
import type { ServiceAllocation } from './port-types.js';
import { probePort } from './probe-port.js';
import { readCommandLine, readSocketTable } from './proc-net.js';
import { readSystemPorts } from './system-ports.js';
import { processStartTime } from './process-identity.js';
import { releaseLeases, startLeasing } from './port-lease.js';
import { makeManifest, makeService, spawnListener, stopListeners, withPort } from '../../test/helpers/port-listeners.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { findFreePorts } from '../../test/helpers/free-port.js';

afterEach(async () => {
  await stopListeners();
});

async function allocate(manifest: Manifest, options?: AllocateOptions): Promise<Record<string, ServiceAllocation>> {
  const allocations = await allocatePorts(manifest, options);
  return Object.fromEntries(allocations.map((allocation) => [allocation.service, allocation]));
}

/** A port range of free ports for this test, so fallbacks do not depend on the default 10000-10999. */
async function freeRange(size: number): Promise<Manifest['portRange']> {
  const from = await findFreePorts(size);
  return { from, to: from + size - 1 };
}

const portOf = (allocation: ServiceAllocation | undefined) => allocation?.ports[0]?.port;

const HOLDERS = [
  { label: '0.0.0.0', host: '0.0.0.0' },
  { label: '127.0.0.1', host: '127.0.0.1' },
  { label: 'IPv6-only ::', host: '::', ipv6Only: true },
  { label: '::1', host: '::1' },
];

describe('allocatePorts: preferred ports', () => {
  it('gives free preferred ports and leaves them unbound: a port whose service is not running refuses connections', async () => {
    const base = await findFreePorts(3);
    const web = makeService('web', {
      ports: [
        { name: 'http', preferred: base + 1 },
        { name: 'metrics', preferred: base + 2 },
      ],
    });
    const { api, web: webPorts } = await allocate(makeManifest([withPort('api', base), web]));
    expect(api).toEqual({ service: 'api', ports: [expect.objectContaining({ name: 'default', port: base, preferred: base, source: 'preferred' })] });
    expect(webPorts?.ports.map(({ name, port }) => [name, port])).toEqual([
      ['http', base + 1],
      ['metrics', base + 2],
    ]);
    expect((await probePort(base)).result).toBe('free');
  });

  it.each(HOLDERS)('moves off a port held on $label and names the holder', async ({ host, ipv6Only }) => {
    const base = await findFreePorts(2);
    const { pid } = await spawnListener({ port: base, host, ipv6Only });
    const { llm } = await allocate(makeManifest([withPort('llm', base)]));
    expect(llm?.ports[0]).toMatchObject({
      port: base + 1,
      preferred: base,
      source: 'scan',
      displacedBy: { kind: 'process', holder: { state: 'listen', pid, command: expect.stringMatching(/node -e /) } },
    });
  });

  it.runIf(process.platform === 'linux')('gives a port whose only socket is in TIME_WAIT', async () => {
    const server = net.createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    await once(net.connect(port, '127.0.0.1').resume(), 'close');
    await new Promise((resolve) => server.close(resolve));
    const inTimeWait = async () => (await readSocketTable())!.some((row) => row.port === port && row.state === 'time-wait');
    await waitFor(inTimeWait, { what: `a TIME_WAIT row for port ${port}` });
    const { api } = await allocate(makeManifest([withPort('api', port)]));
    expect(api?.ports[0]).toMatchObject({ port, source: 'preferred', displacedBy: undefined });
  });

  it('gives a port two services prefer to the first; the second falls back past the ports others prefer', async () => {
    const base = await findFreePorts(3);
    const manifest = makeManifest([withPort('a', base), withPort('b', base), withPort('c', base + 1)]);
    const { a, b, c } = await allocate(manifest);
    expect(portOf(a)).toBe(base);
    expect(b?.ports[0]).toMatchObject({ port: base + 2, source: 'scan', displacedBy: { kind: 'sibling', service: 'a' } });
    expect(portOf(c)).toBe(base + 1);
  });

  it("never lets a displaced service's fallback take a port a later service prefers", async () => {
    const base = await findFreePorts(3);
    await spawnListener({ port: base });
    const manifest = makeManifest([withPort('llm', base), withPort('alt', base + 1)]);
    const { llm, alt } = await allocate(manifest);
    expect(portOf(llm)).toBe(base + 2);
    expect(alt?.ports[0]).toMatchObject({ port: base + 1, source: 'preferred' });
    const alone = await allocate(manifest, { only: ['llm'] }); // alt is not started, its port stays free for it
    expect(portOf(alone.llm)).toBe(base + 2);
  });

  it('keeps scan fallbacks out of the OS ephemeral range', async () => {
    const { ephemeral } = await readSystemPorts();
    const preferred = ephemeral.from - 1;
    if ((await probePort(preferred)).result === 'free') await spawnListener({ port: preferred });
    const portRange = await freeRange(5);
    const { llm } = await allocate(makeManifest([withPort('llm', preferred)], { portRange }));
    expect(llm?.ports[0]).toMatchObject({ source: 'range' });
    expect(portOf(llm)).toSatisfy((p: number) => p >= portRange.from && p <= portRange.to);
  });

  it('allocates only the services asked for and never hands out excluded ports', async () => {
    const base = await findFreePorts(4);
    const manifest = makeManifest([withPort('a', base), withPort('b', base + 1)]);
    const allocations = await allocatePorts(manifest, { only: ['a'], exclude: new Set([base, base + 2]) });
    expect(allocations).toHaveLength(1);
    expect(allocations[0]?.ports[0]).toMatchObject({ port: base + 3, displacedBy: { kind: 'lease' } });
  });
});

describe('allocatePorts: after a failed bind', () => {
  it('never hands a service the port it just failed to bind, and says why', async () => {
    const base = await findFreePorts(3);
    const { web } = await allocate(makeManifest([withPort('web', base)]), { unbindable: new Map([[base, 'web could not bind it']]) });
    expect(web?.ports[0]).toMatchObject({ port: base + 1, displacedBy: { kind: 'unbindable', detail: 'web could not bind it' } });
  });

  it('tries ports with TIME_WAIT connections last for a service that cannot bind them', async () => {
    const base = await findFreePorts(4);
    await leaveTimeWait(base + 1);
    const manifest = makeManifest([withPort('web', base)]);
    const unbindable = new Map([[base, 'TIME_WAIT']]);
    expect(portOf((await allocate(manifest, { unbindable })).web)).toBe(base + 1);
    expect(portOf((await allocate(manifest, { unbindable, deferTimeWait: true })).web)).toBe(base + 2);
  });
});

/** Leaves TIME_WAIT connections on `port` (the server closes first) and nothing listening. */
async function leaveTimeWait(port: number): Promise<void> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => net.connect(port, '127.0.0.1').once('close', () => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await waitFor(async () => (await readSocketTable())?.some((row) => row.port === port && row.state === 'time-wait') ?? false, {
    what: `TIME_WAIT on ${port}`,
  });
}

describe('allocatePorts: fallbacks', () => {
  it('tries the sticky port from the last run first, when it is free', async () => {
    const base = await findFreePorts(8);
    await spawnListener({ port: base }, { port: base + 7 });
    const manifest = makeManifest([withPort('llm', base)]);
    const sticky = await allocate(manifest, { sticky: { llm: { default: base + 5 } } });
    expect(sticky.llm?.ports[0]).toMatchObject({ port: base + 5, source: 'sticky' });
    const stickyTaken = await allocate(manifest, { sticky: { llm: { default: base + 7 } } });
    expect(stickyTaken.llm?.ports[0]).toMatchObject({ port: base + 1, source: 'scan' });
  });

  it('fails a service with fallback: none, naming the holder, and keeps nothing of it bound', async () => {
    const base = await findFreePorts(3);
    const { pid } = await spawnListener({ port: base });
    const both = makeService('both', {
      fallback: { kind: 'none' },
      ports: [
        { name: 'http', preferred: base + 1 },
        { name: 'metrics', preferred: base },
      ],
    });
    const {
      tools,
      both: bothPorts,
      other,
    } = await allocate(makeManifest([withPort('tools', base, { fallback: { kind: 'none' } }), both, withPort('other', base + 2)]));
    const command = readCommandLine(pid);
    expect(tools).toEqual({
      service: 'tools',
      ports: [],
      failure: `port ${base} is held by pid ${pid}: ${command}, and tools has fallback: none. Stop that process, or give tools another port in services.local.yaml.`,
    });
    expect(bothPorts?.failure).toMatch(`give both another metrics port`);
    expect((await probePort(base + 1)).result).toBe('free'); // its http port went back
    expect(portOf(other)).toBe(base + 2);
  });

  it('searches a fallback range and fails once it is exhausted, with no OS-assigned port after it', async () => {
    const base = await findFreePorts(4);
    const { pid } = await spawnListener({ port: base }, { port: base + 1 }, { port: base + 2 });
    const range = (from: number, to: number) => ({ fallback: { kind: 'range' as const, from, to } });
    const { ok, full } = await allocate(
      makeManifest([withPort('ok', base, range(base + 1, base + 3)), withPort('full', base, range(base + 1, base + 2))]),
    );
    expect(ok?.ports[0]).toMatchObject({ port: base + 3, source: 'range' });
    expect(full?.ports).toEqual([]);
    expect(full?.failure).toMatch(
      new RegExp(`^no free port in ${base + 1}-${base + 2} for full \\(its fallback range is a hard limit\\); port ${base} is held by pid ${pid}: `),
    );
  });

  it('goes from the scan above the preferred port to port_range, then to a port from the OS', async () => {
    const base = await findFreePorts(103);
    const everyPort = Array.from({ length: 103 }, (_, i) => ({ port: base + i }));
    await spawnListener(...everyPort); // the preferred port, the 100 above it, and a 2-port range
    const portRange = { from: base + 101, to: base + 102 };
    const { llm } = await allocate(makeManifest([withPort('llm', base)], { portRange }));
    const { ephemeral } = await readSystemPorts();
    expect(llm?.ports[0]).toMatchObject({ source: 'os', displacedBy: { kind: 'process' } });
    expect(llm!.ports[0]!.port).toBeGreaterThanOrEqual(ephemeral.from);
    expect(llm!.ports[0]!.port).toBeLessThanOrEqual(ephemeral.to);
  });

  it('gives `auto` ports from port_range at a stable offset, and the sticky one when free', async () => {
    const portRange = await freeRange(50);
    const manifest = makeManifest([withPort('a', 'auto'), withPort('b', 'auto')], { portRange });
    const first = await allocate(manifest);
    const [a, b] = [portOf(first.a)!, portOf(first.b)!];
    expect(a).not.toBe(b);
    for (const port of [a, b]) expect(port).toSatisfy((p: number) => p >= portRange.from && p <= portRange.to);
    expect(first.a?.ports[0]).toMatchObject({ source: 'range', preferred: undefined, displacedBy: undefined });
    const again = await allocate(manifest);
    expect([portOf(again.a), portOf(again.b)]).toEqual([a, b]);
    const sticky = portRange.from + ((a - portRange.from + 25) % 50);
    const withSticky = await allocate(makeManifest([withPort('a', 'auto')], { portRange }), { sticky: { a: { default: sticky } } });
    expect(withSticky.a?.ports[0]).toMatchObject({ port: sticky, source: 'sticky' });
  });

  it('fails a service whose host is not an address of this machine at once; the others get their ports', async () => {
    const base = await findFreePorts(2);
    await spawnListener({ port: base });
    const { bad, good } = await allocate(makeManifest([withPort('bad', base, { host: '198.51.100.7' }), withPort('good', base + 1)]));
    expect(bad).toEqual({
      service: 'bad',
      ports: [],
      failure:
        'host 198.51.100.7 is not an address of this machine, so bad cannot listen on it. Fix its `host`, or leave `host` out to listen on every address.',
    });
    expect(portOf(good)).toBe(base + 1);
  });

  it('moves 30 services off 1,000 held ports each into port_range, each to its own port', async () => {
    const base = await findFreePorts(1030);
    await spawnListener(...Array.from({ length: 1030 }, (_, i) => ({ port: base + i })));
    const portRange = await freeRange(40); // found after the block is held, so the two cannot overlap
    const services = Array.from({ length: 30 }, (_, i) => withPort(`s${i}`, base + i));
    const started = performance.now();
    const allocations = Object.values(await allocate(makeManifest(services, { portRange })));
    const elapsed = performance.now() - started;
    const ports = allocations.map(portOf);
    expect(new Set(ports).size).toBe(30);
    for (const port of ports) expect(port).toSatisfy((p: number) => p >= portRange.from && p <= portRange.to);
    expect(allocations.every((allocation) => allocation.ports[0]?.displacedBy?.kind === 'process')).toBe(true);
    console.log(`allocated 30 displaced ports in ${elapsed.toFixed(1)} ms`);
  });
});

describe('allocatePorts: leases', () => {
  let folder: string;
  let other: ChildProcess | undefined;

  afterEach(async () => {
    releaseLeases();
    if (other) {
      const exited = once(other, 'exit');
      other.kill('SIGKILL');
      await exited;
      other = undefined;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  /** Leases `port` to another live process, as another devsup instance would. */
  async function leaseToOther(port: number): Promise<number> {
    other = spawn(process.execPath, ['-e', "console.log('up'); setInterval(() => {}, 1 << 30)"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(other.stdout!, 'data');
    const pid = other.pid!;
    const lease = { port, pid, startTime: processStartTime(pid), project: 'beta', service: 'api', createdAt: new Date().toISOString() };
    writeFileSync(path.join(folder, `${port}-4242.lease`), JSON.stringify(lease), { mode: 0o644 });
    return pid;
  }

  function leasedPorts(): number[] {
    return readdirSync(folder)
      .map((name) => JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as { port: number; pid: number })
      .filter((lease) => lease.pid === process.pid)
      .map((lease) => lease.port)
      .sort((a, b) => a - b);
  }

  it('passes over ports another instance leased, even unbound, naming it; leases what it gives', async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-lease-alloc-'));
    startLeasing((message) => expect.fail(message), folder);
    const base = await findFreePorts(4);
    const pid = await leaseToOther(base); // leased, nothing listening: a service restarting
    await spawnListener({ port: base + 2 });
    const manifest = makeManifest([withPort('web', base), withPort('api', base + 2)]);
    const { web, api } = await allocate(manifest, { sticky: { api: { default: base + 1 } } });
    expect(web?.ports[0]).toMatchObject({
      port: base + 1,
      displacedBy: { kind: 'lease', detail: `leased by devsup pid ${pid} for project beta (service api)` },
    });
    expect(api?.ports[0]).toMatchObject({ port: base + 3, source: 'scan' }); // its sticky port went to web first
    expect(leasedPorts()).toEqual([base + 1, base + 3]);
    expect((await probePort(base)).result).toBe('free');
  });

  it('gives back the leases of a service that cannot get all its ports', async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-lease-alloc-'));
    startLeasing((message) => expect.fail(message), folder);
    const base = await findFreePorts(2);
    await spawnListener({ port: base + 1 });
    const both = makeService('both', {
      fallback: { kind: 'none' },
      ports: [
        { name: 'http', preferred: base },
        { name: 'metrics', preferred: base + 1 },
      ],
    });
    const { both: allocation } = await allocate(makeManifest([both]));
    expect(allocation?.failure).toMatch(/fallback: none/);
    expect(leasedPorts()).toEqual([]);
  });
});
