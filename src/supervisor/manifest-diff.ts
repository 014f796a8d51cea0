import type { ResolvedService } from '../manifest/resolve-service.js';
import type { Manifest, ServiceSpec } from '../manifest/service-spec.js';

/** What a manifest edit does to the running services, by key. */
export interface ManifestChanges {
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
}

/**
 * Sorts the services of an edited manifest: new, gone, changed in their effective definition
 * (after services.local.yaml and defaults), or the same. A change to the top-level `env` or env
 * files changes every service. Services whose definition is the same may still need a restart
 * once ports are known (see `sameLaunch`).
 */
export function diffServices(before: Manifest, next: Manifest): ManifestChanges {
  const old = new Map(before.services.map((spec) => [spec.key, spec]));
  const sharedChanged = canonical(before.env) !== canonical(next.env) || canonical(before.fileEnv) !== canonical(next.fileEnv);
  const changes: ManifestChanges = { added: [], removed: [], restarted: [], unchanged: [] };
  const declared = asDeclared([...before.services, ...next.services]);
  for (const spec of next.services) {
    const was = old.get(spec.key);
    if (!was) changes.added.push(spec.key);
    else if (sharedChanged || canonical(declared(was)) !== canonical(declared(spec))) changes.restarted.push(spec.key);
    else changes.unchanged.push(spec.key);
  }
  const kept = new Set(next.services.map((spec) => spec.key));
  changes.removed = before.services.filter((spec) => !kept.has(spec.key)).map((spec) => spec.key);
  return changes;
}

/**
 * A spec with its dependencies as written: a dependency on each replica of `web` is one on `web`,
 * so adding or removing a replica does not change what depends on it.
 */
function asDeclared(services: ServiceSpec[]): (spec: ServiceSpec) => ServiceSpec {
  const groupOf = new Map(services.flatMap((spec) => (spec.replica ? [[spec.key, spec.replica.group] as const] : [])));
  return (spec) => {
    const dependsOn = spec.dependsOn.map((dependency) => ({ ...dependency, service: groupOf.get(dependency.service) ?? dependency.service }));
    return { ...spec, dependsOn: dependsOn.filter((dependency, i) => dependsOn.findIndex((other) => other.service === dependency.service) === i) };
  };
}

/** Whether a kept service needs new ports: what it asks for, or how it may fall back, changed. */
export function portsChanged(before: ServiceSpec, next: Manifest, key: string): boolean {
  const spec = next.services.find((candidate) => candidate.key === key)!;
  return canonical([before.ports, before.fallback, before.host, before.socket]) !== canonical([spec.ports, spec.fallback, spec.host, spec.socket]);
}

/**
 * Whether a service would start with the same command and environment it runs with. The
 * `DEVSUP_<KEY>_PORT(S)` variables and `DEVSUP_REPLICAS` are left out: every service carries every
 * service's port, and adding a service or a replica must not restart all the others.
 */
export function sameLaunch(running: ResolvedService, next: ResolvedService): boolean {
  const withoutPortList = (env: Record<string, string>) =>
    Object.fromEntries(Object.entries(env).filter(([name]) => !/^DEVSUP_.+_PORTS?$/.test(name) && name !== 'DEVSUP_REPLICAS'));
  return (
    canonical(running.command) === canonical(next.command) &&
    running.stopCommand === next.stopCommand &&
    canonical(withoutPortList(running.env)) === canonical(withoutPortList(next.env))
  );
}

/** Stable text for comparing values: keys sorted, regular expressions by their source. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof RegExp) return `/${item.source}/${item.flags}`;
    if (item && typeof item === 'object' && !Array.isArray(item))
      return Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)));
    return item;
  });
}
