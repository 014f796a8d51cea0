/**
 * Fixtures for the port tests: real listener processes and hand-built manifests
 * (free ports found at run time come from free-port.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Manifest, ServiceSpec } from '../../src/manifest/service-spec.js';
import { manifestOf, serviceSpec } from './specs.js';

export interface ListenSpec {
  port: number;
  host?: string;
  ipv6Only?: boolean;
}

export interface Listener {
  pid: number;
  child: ChildProcess;
}

// Binds every spec, prints "listening" once all are bound (or "error CODE"), then lives until killed.
const LISTENER_SCRIPT = `
const net = require('node:net');
const specs = JSON.parse(process.argv[1]);
let pending = specs.length;
for (const spec of specs) {
  const server = net.createServer();
  server.once('error', (e) => { console.log('error ' + e.code); process.exit(1); });
  server.listen({ port: spec.port, host: spec.host, ipv6Only: spec.ipv6Only }, () => {
    if (--pending === 0) console.log('listening');
  });
}
setInterval(() => {}, 1 << 30);
`;

const running = new Set<ChildProcess>();

/** Starts a node process that listens on all `specs` and resolves once it says so. */
export async function spawnListener(...specs: ListenSpec[]): Promise<Listener> {
  const child = spawn(process.execPath, ['-e', LISTENER_SCRIPT, JSON.stringify(specs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  const line = await new Promise<string>((resolve) => {
    child.stdout.once('data', (data: Buffer) => resolve(data.toString()));
    child.once('exit', (code) => resolve(`exited with ${code}`));
  });
  if (!line.startsWith('listening')) throw new Error(`listener on port ${specs[0]?.port} (${specs.length} ports) failed: ${line.trim()}`);
  return { pid: child.pid!, child };
}

/** Kills every listener the tests started and waits until each has exited. */
export async function stopListeners(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      running.delete(child);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
    }),
  );
}

/** A service spec for the port tests (see specs.ts for the defaults). */
export function makeService(key: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return serviceSpec(key, { cwd: process.cwd(), readyTimeoutMs: 60_000, ...overrides });
}

/** A service with one port named `default`, as `port: N` gives. */
export function withPort(key: string, preferred: number | 'auto', overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return makeService(key, { ports: [{ name: 'default', preferred }], ...overrides });
}

export function makeManifest(services: ServiceSpec[], overrides: Partial<Manifest> = {}): Manifest {
  return manifestOf(services, { file: '/tmp/services.yaml', dir: '/tmp', project: 'ports-test', sources: ['/tmp/services.yaml'], ...overrides });
}
