import os from 'node:os';
import type { Manifest, ServiceSpec } from '../../src/manifest/service-spec.js';
import { DEFAULT_PORT_RANGE } from '../../src/manifest/service-spec.js';
import { emptyMap } from '../../src/manifest/yaml-node.js';

/** A service spec with the manifest defaults, for tests that build manifests in code. */
export function serviceSpec(key: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  const ports = overrides.ports ?? [];
  return {
    key,
    title: key,
    command: 'true',
    cwd: os.tmpdir(),
    env: {},
    fileEnv: {},
    ports,
    fallback: { kind: 'scan' },
    socket: false,
    ready: ports.length > 0 ? { kind: 'tcp' } : { kind: 'none' },
    readyTimeoutMs: 20_000,
    dependsOn: [],
    restart: 'on-failure',
    maxRestarts: 5,
    critical: false,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5_000,
    daemon: false,
    watch: [],
    watchIgnore: [],
    watchCascade: false,
    autostart: true,
    profiles: [],
    inActiveProfile: true,
    ...overrides,
  };
}

export function manifestOf(services: ServiceSpec[], overrides: Partial<Manifest> = {}): Manifest {
  return {
    file: `${os.tmpdir()}/services.yaml`,
    dir: os.tmpdir(),
    project: 'test',
    env: {},
    fileEnv: {},
    envFiles: [],
    portRange: DEFAULT_PORT_RANGE,
    services,
    sources: [`${os.tmpdir()}/services.yaml`],
    overridden: new Map(),
    document: emptyMap({ file: `${os.tmpdir()}/services.yaml`, line: 1, column: 1 }),
    ...overrides,
  };
}
