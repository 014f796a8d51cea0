/**
 * The variables devsup sets in every child, after everything else: their values once ports are
 * allocated, and their names for load-time checks (`${PORT}` in a command means the child's PORT).
 */
import type { ServiceSpec } from './service-spec.js';
import { environment } from './env-record.js';

/** Service key → port name → port; the first entry of each record is the primary port (`PORT`). */
export type AssignedPorts = Map<string, Record<string, number>>;

/** Set from `up`'s own process for every child (cli/commands/up.ts): known only once it runs. */
export const INSTANCE_MARKS = ['DEVSUP_INSTANCE', 'DEVSUP_MANIFEST'] as const;

/**
 * Set for every child unless its environment (the shell's, an env file or `env`) has the variable:
 * a child's output is a pipe, which Python buffers, so its lines would show late, or never when it is killed.
 */
export const CHILD_ENV_DEFAULTS: Readonly<Record<string, string>> = { PYTHONUNBUFFERED: '1' };

/**
 * `PORT`, `PORT_<NAME>`, the `port_env` variable, `HOST`, `DEVSUP_SERVICE`, every `DEVSUP_<KEY>_PORT`;
 * for replicas, `DEVSUP_REPLICA`, `DEVSUP_REPLICAS`, and each replicated service's `DEVSUP_<NAME>_PORT` (replica 1) and `_PORTS`.
 */
export function injectedEnv(manifest: { services: ServiceSpec[] }, service: ServiceSpec, ports: AssignedPorts): Record<string, string> {
  const env = environment(); // `port_env` may name any variable
  const primary = primaryPort(service, ports);
  if (primary !== undefined) {
    env.PORT = String(primary);
    if (service.portEnv !== undefined) env[service.portEnv] = String(primary);
  }
  const own = ports.get(service.key) ?? {};
  for (const { name } of service.ports) {
    if (name !== 'default' && own[name] !== undefined) env[`PORT_${toEnvName(name)}`] = String(own[name]);
  }
  if (service.host !== undefined) env.HOST = service.host;
  env.DEVSUP_SERVICE = service.key;
  for (const other of manifest.services) {
    const port = primaryPort(other, ports);
    if (port !== undefined) env[portVariable(other.key)] = String(port);
  }
  Object.assign(env, replicatedPortEnv(replicaPortsOf(manifest.services, ports)));
  if (service.replica) {
    env.DEVSUP_REPLICA = String(service.replica.index);
    env.DEVSUP_REPLICAS = String(manifest.services.filter((other) => other.replica?.group === service.replica!.group).length);
  }
  return env;
}

/** One replica's primary port: what `DEVSUP_<NAME>_PORT(S)` are made of. */
export interface ReplicaPort {
  group: string;
  index: number;
  port: number;
}

/** The primary port of each replica among `services` that has one. */
export function replicaPortsOf(services: ServiceSpec[], ports: AssignedPorts): ReplicaPort[] {
  return services.flatMap((service) => {
    const port = service.replica && primaryPort(service, ports);
    return port === undefined ? [] : [{ group: service.replica!.group, index: service.replica!.index, port }];
  });
}

/**
 * `DEVSUP_<NAME>_PORT` (replica 1's) and `DEVSUP_<NAME>_PORTS` (all, comma-separated, by replica number) of each
 * replicated service with a port: for the children, `devsup run` and `.devsup/ports.env` alike.
 */
export function replicatedPortEnv(replicaPorts: Iterable<ReplicaPort>): Record<string, string> {
  const groups = new Map<string, ReplicaPort[]>();
  for (const replica of replicaPorts) groups.set(replica.group, [...(groups.get(replica.group) ?? []), replica]);
  const env: Record<string, string> = {};
  for (const [group, replicas] of groups) {
    const groupPorts = replicas.sort((a, b) => a.index - b.index).map((replica) => replica.port);
    env[`DEVSUP_${toEnvName(group)}_PORT`] = String(groupPorts[0]);
    env[`DEVSUP_${toEnvName(group)}_PORTS`] = groupPorts.join(',');
  }
  return env;
}

/**
 * The replica variables `${NAME}` may mean in `owner` (a service as declared, before its replicas):
 * DEVSUP_REPLICA and DEVSUP_REPLICAS in a replicated one, DEVSUP_<NAME>_PORTS of each replicated service with a port.
 */
export function replicaVariables(owner: Pick<ServiceSpec, 'replicas'>, declared: Iterable<ServiceSpec>): string[] {
  const names = owner.replicas === undefined ? [] : ['DEVSUP_REPLICA', 'DEVSUP_REPLICAS'];
  for (const service of declared)
    if (service.replicas !== undefined && service.ports.length > 0) names.push(`DEVSUP_${toEnvName(service.key)}_PORTS`);
  return names;
}

/**
 * The names of the injected variables that hold a port of `service` (`PORT`, the `port_env` variable,
 * `PORT_<NAME>`) or of one of `portOwners` (`DEVSUP_<KEY>_PORT`).
 */
export function portVariables(service: Pick<ServiceSpec, 'ports' | 'portEnv'>, portOwners: Iterable<string>): Set<string> {
  const names = new Set<string>();
  if (service.ports.length > 0) names.add('PORT');
  if (service.portEnv !== undefined) names.add(service.portEnv);
  for (const { name } of service.ports) if (name !== 'default') names.add(`PORT_${toEnvName(name)}`);
  for (const key of portOwners) names.add(portVariable(key));
  return names;
}

/** Upper case, anything but letters and digits → `_`. */
export function toEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * `DEVSUP_<KEY>_PORT`, which every service is given for every service with a port. Made once per key:
 * with 2,000 services the environments name it 4,000,000 times, and a name made anew is hashed anew.
 */
export function portVariable(key: string): string {
  let name = madePortVariables.get(key);
  if (name === undefined) {
    if (madePortVariables.size >= PORT_VARIABLES_KEPT) madePortVariables.clear();
    name = `DEVSUP_${toEnvName(key)}_PORT`;
    madePortVariables.set(key, name);
  }
  return name;
}

const madePortVariables = new Map<string, string>();
const PORT_VARIABLES_KEPT = 10_000;

export function primaryPort(service: ServiceSpec, ports: AssignedPorts): number | undefined {
  const record = ports.get(service.key);
  if (record === undefined) return undefined;
  // Look the first declared name up: integer-like names would come first in the record's own order.
  const first = service.ports[0]?.name;
  return (first === undefined ? undefined : record[first]) ?? Object.values(record)[0];
}
