/**
 * The validated, defaulted form of a manifest. Templates (`command`, `env`, `url`) are kept raw here:
 * they are interpolated only after ports are allocated (see `resolve-service.ts`).
 */
import type { MapNode } from './yaml-node.js';

export type RestartPolicy = 'on-failure' | 'always' | 'never';
export type DependencyCondition = 'started' | 'ready' | 'completed';

export type ReadySpec =
  | { kind: 'tcp' }
  | { kind: 'http'; path: string; status?: number } // `path` is a path on the service's port, or a full http(s) URL
  | { kind: 'log'; pattern: RegExp }
  | { kind: 'exec'; command: string }
  | { kind: 'none' };

/** `health`: a check repeated while the service is ready; `failures` failed ones in a row restart it. */
export interface HealthSpec {
  check: { kind: 'tcp' } | { kind: 'http'; path: string; status?: number } | { kind: 'exec'; command: string };
  intervalMs: number;
  timeoutMs: number;
  failures: number;
}

export type FallbackPolicy =
  | { kind: 'scan' } // next free port above the preferred one, then an OS-assigned one
  | { kind: 'none' } // the preferred port or an error naming its holder
  | { kind: 'range'; from: number; to: number }; // a hard limit: no OS-assigned port after it

export interface PortRange {
  from: number;
  to: number;
}

/** One port of a service. `port: N` becomes `{ name: 'default', preferred: N }`; the first is `PORT`. */
export interface NamedPortSpec {
  name: string;
  preferred: number | 'auto';
}

export interface Dependency {
  service: string;
  condition: DependencyCondition;
}

export interface ServiceSpec {
  key: string;
  title: string;
  command: string | string[]; // a string runs through the shell, a list without
  cwd: string; // absolute
  env: Record<string, string>; // the service's own `env`, raw templates
  fileEnv: Record<string, string>; // parsed from the service's `env_file`s, later files win
  ports: NamedPortSpec[]; // empty for a service without a port
  portEnv?: string;
  host?: string;
  fallback: FallbackPolicy;
  socket: boolean;
  url?: string; // template; undefined means `defaultUrl`
  ready: ReadySpec;
  readyTimeoutMs: number;
  health?: HealthSpec;
  dependsOn: Dependency[];
  restart: RestartPolicy;
  maxRestarts: number;
  critical: boolean;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  stopCommand?: string; // template, run through the shell instead of sending stopSignal
  daemon: boolean; // its command exits 0 once what it started runs in the background
  watch: string[];
  watchIgnore: string[];
  watchCascade: boolean;
  autostart: boolean;
  profiles: string[]; // empty: in every run
  /** `replicas` (or `--scale`): this declared service runs as that many replicas; see replicas.ts. */
  replicas?: number;
  /** Set on each replica: the service it is one of, and its number from 1. */
  replica?: { group: string; index: number };
  /** It has no `profiles`, or one of them is active (`--profile`, DEVSUP_PROFILES): see profiles.ts. */
  inActiveProfile: boolean;
}

export interface Manifest {
  file: string; // absolute path of services.yaml (or of the Procfile it was read from)
  dir: string; // absolute folder of `file`; relative paths in the manifest are relative to it
  project: string;
  env: Record<string, string>; // top-level `env`, raw templates
  fileEnv: Record<string, string>; // parsed from the top-level `env_file`s
  /** Every env file read or looked for (absolute; the top-level default `.env` too): live reload watches them. */
  envFiles: string[];
  portRange: PortRange; // default 10000-10999
  services: ServiceSpec[]; // in declaration order, each replicated service as its replicas (replicas.ts)
  /** The services as declared, before replicas were expanded; only when a service is replicated. */
  declared?: ServiceSpec[];
  /** Files merged into this manifest, in order: the manifest itself, the manifests it includes, then services.local.yaml if any. */
  sources: string[];
  /** Service key → the included manifest (`include`) that defines it, absolute; the manifest's own services are not in it. */
  serviceFiles?: Map<string, string>;
  /** Dotted paths (`services.llm.port`) whose value came from services.local.yaml or `--port`. */
  overridden: Map<string, 'local' | 'cli'>;
  /** The merged document (after services.local.yaml and `--port`), for `devsup check`; toPlain makes it plain data. */
  document: MapNode;
}

/** Whether `devsup up` without names starts it: `autostart`, and in an active profile (or none). */
export function startsByItself(service: Pick<ServiceSpec, 'autostart' | 'inActiveProfile'>): boolean {
  return service.autostart && service.inActiveProfile;
}

export const DEFAULT_PORT_RANGE: PortRange = { from: 10000, to: 10999 };

/**
 * The URL of a service without `url`: `http://localhost:${port}` for one that listens on its port,
 * none for one without a port or with `ready: none` (a worker: it gets a PORT but need not listen).
 */
export function defaultUrl(service: Pick<ServiceSpec, 'ports' | 'ready'>): string | undefined {
  return service.ports.length > 0 && service.ready.kind !== 'none' ? 'http://localhost:${port}' : undefined;
}
