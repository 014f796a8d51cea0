import type { Dependency, Manifest, ServiceSpec } from './service-spec.js';

/**
 * Replicas: a service with `replicas: N` (or `--scale NAME=N`, or `devsup scale`) runs as N services,
 * `NAME.1` … `NAME.N`, each with its own ports (each preferred port + i − 1). A dependency on `NAME`
 * is one on every replica; `${NAME.port}` is replica 1's port, `${NAME.ports}` all of them.
 */

/** `web.2`: replica 2 of `web`. */
export function replicaKey(group: string, index: number): string {
  return `${group}.${index}`;
}

/**
 * The services to run: each replicated service (`replicas` set) in its place as its replicas, each
 * dependency on it as one on every replica. The same array when nothing is replicated.
 */
export function expandReplicas(declared: ServiceSpec[]): ServiceSpec[] {
  const groups = new Map(declared.filter((spec) => spec.replicas !== undefined).map((spec) => [spec.key, spec.replicas!]));
  if (groups.size === 0) return declared;
  const expandDependencies = (dependsOn: Dependency[]): Dependency[] =>
    dependsOn.flatMap((dependency) => {
      const count = groups.get(dependency.service);
      if (count === undefined) return [dependency];
      return Array.from({ length: count }, (_, i) => ({ service: replicaKey(dependency.service, i + 1), condition: dependency.condition }));
    });
  return declared.flatMap((spec) => {
    const dependsOn = expandDependencies(spec.dependsOn);
    if (spec.replicas === undefined) return [{ ...spec, dependsOn }];
    return Array.from({ length: spec.replicas }, (_, i) => replicaOf({ ...spec, dependsOn }, i + 1));
  });
}

/**
 * The manifest with these services at these numbers of replicas (`devsup scale`, or what a running
 * instance has), every other service as it was.
 */
export function withReplicaCounts(manifest: Manifest, counts: ReadonlyMap<string, number>): Manifest {
  const declared = (manifest.declared ?? manifest.services).map((spec) =>
    counts.has(spec.key) ? { ...spec, replicas: counts.get(spec.key)! } : spec,
  );
  return { ...manifest, declared, services: expandReplicas(declared) };
}

/** Replica `index` of a replicated service: its key, title and ports. */
function replicaOf(template: ServiceSpec, index: number): ServiceSpec {
  const { replicas: _count, ...spec } = template;
  const key = replicaKey(template.key, index);
  return {
    ...spec,
    key,
    title: template.title === template.key ? key : `${template.title} ${index}`,
    ports: template.ports.map((port) => ({ ...port, preferred: port.preferred === 'auto' ? 'auto' : port.preferred + index - 1 })),
    replica: { group: template.key, index },
  };
}

/** Whether a key is a replica's of `group` by its form (`web.2` of `web`): for reports and log files, which keep no spec. */
export function isReplicaKeyOf(key: string, group: string): boolean {
  return key.startsWith(`${group}.`) && /^\d+$/.test(key.slice(group.length + 1));
}

/** What a name means among bare keys (a report's, the log files'): the key itself, else each replica's of that name. */
export function keysByName(keys: string[], name: string): string[] {
  return keys.includes(name) ? [name] : keys.filter((key) => isReplicaKeyOf(key, name));
}

/** The replicas of `group` among `services`, in order (none: it is not a replicated service). */
export function replicasOf(services: ServiceSpec[], group: string): ServiceSpec[] {
  return services.filter((spec) => spec.replica?.group === group);
}

/**
 * The service keys a name given on the command line means: the service itself, or every replica
 * of a replicated one (`web` → `web.1`, `web.2`); undefined for a name that means nothing.
 */
export function keysNamed(services: ServiceSpec[], name: string): string[] | undefined {
  if (services.some((spec) => spec.key === name)) return [name];
  const replicas = replicasOf(services, name);
  return replicas.length > 0 ? replicas.map((spec) => spec.key) : undefined;
}

/** Every name that means something: the keys, and the names of replicated services. */
export function knownNames(services: ServiceSpec[]): string[] {
  return [...new Set(services.flatMap((spec) => (spec.replica ? [spec.replica.group, spec.key] : [spec.key])))];
}
