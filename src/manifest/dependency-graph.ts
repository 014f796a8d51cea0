import { UsageError } from '../errors.js';
import type { ServiceSpec } from './service-spec.js';
import { didYouMean } from './suggest.js';

/** Names of the services `service` depends on that are part of `present`. */
function dependenciesOf(service: ServiceSpec, present: Set<string>): string[] {
  return service.dependsOn.map((dependency) => dependency.service).filter((name) => name !== service.key && present.has(name));
}

/**
 * Dependencies first, declaration order otherwise: at each step the earliest declared service whose
 * dependencies have all been placed. Dependencies on services not in `services` are ignored.
 */
export function startOrder(services: ServiceSpec[]): string[] {
  const present = new Set(services.map((service) => service.key));
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < services.length) {
    const next = services.find((service) => !placed.has(service.key) && dependenciesOf(service, present).every((name) => placed.has(name)));
    if (next === undefined)
      throw new Error(
        `dependency cycle among ${services
          .filter((s) => !placed.has(s.key))
          .map((s) => s.key)
          .join(', ')}`,
      );
    placed.add(next.key);
    order.push(next.key);
  }
  return order;
}

/** `names` and everything they depend on, transitively, in start order. Unknown names are a usage error. */
export function withDependencies(services: ServiceSpec[], names: string[]): string[] {
  const byKey = new Map(services.map((service) => [service.key, service]));
  const wanted = new Set<string>();
  const visit = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dependency of byKey.get(name)?.dependsOn ?? []) visit(dependency.service);
  };
  for (const name of names) {
    if (!byKey.has(name))
      throw new UsageError(`unknown service "${name}"${didYouMean(name, byKey.keys())}`, `Services: ${[...byKey.keys()].join(', ')}.`);
    visit(name);
  }
  return startOrder(services.filter((service) => wanted.has(service.key)));
}

/**
 * Every dependency cycle, each as its services from the earliest declared one back to it
 * (`['a', 'b', 'c', 'a']`). Self-dependencies are reported on their own, so they are skipped here.
 */
export function findCycles(services: ServiceSpec[]): string[][] {
  const present = new Set(services.map((service) => service.key));
  const byKey = new Map(services.map((service) => [service.key, service]));
  const index = new Map(services.map((service, i) => [service.key, i]));
  const done = new Set<string>();
  const path: string[] = [];
  const cycles = new Map<string, string[]>();
  const visit = (name: string): void => {
    const onPath = path.indexOf(name);
    if (onPath !== -1) {
      const cycle = path.slice(onPath);
      const first = cycle.reduce((a, b) => (index.get(a)! <= index.get(b)! ? a : b));
      const rotated = [...cycle.slice(cycle.indexOf(first)), ...cycle.slice(0, cycle.indexOf(first)), first];
      cycles.set(rotated.join('\u0000'), rotated);
      return;
    }
    if (done.has(name)) return;
    path.push(name);
    for (const dependency of dependenciesOf(byKey.get(name)!, present)) visit(dependency);
    path.pop();
    done.add(name);
  };
  for (const service of services) visit(service.key);
  return [...cycles.values()];
}
