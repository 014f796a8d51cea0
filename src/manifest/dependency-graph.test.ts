import { describe, expect, test } from 'vitest';
import { randomFrom } from '../../test/helpers/seeded-random.js';
import { serviceSpec } from '../../test/helpers/specs.js';
import { UsageError } from '../errors.js';
import { findCycles, startOrder, withDependencies } from './dependency-graph.js';
import type { ServiceSpec } from './service-spec.js';

/** Services from `key: [dependencies]`, in the given order. */
function graph(edges: Record<string, string[]>): ServiceSpec[] {
  return Object.entries(edges).map(([key, deps]) => serviceSpec(key, { dependsOn: deps.map((service) => ({ service, condition: 'ready' })) }));
}

describe('startOrder', () => {
  test('declaration order when nothing depends on anything', () => {
    expect(startOrder(graph({ c: [], a: [], b: [] }))).toEqual(['c', 'a', 'b']);
  });

  test('dependencies first, otherwise the earliest declared service that can start', () => {
    expect(startOrder(graph({ ui: ['api'], api: ['db', 'cache'], worker: [], db: [], cache: [] }))).toEqual(['worker', 'db', 'cache', 'api', 'ui']);
    expect(startOrder(graph({ llm: ['tools'], tools: [], 'llm-alt': ['tools'] }))).toEqual(['tools', 'llm', 'llm-alt']);
  });

  test('dependencies outside the given services are ignored', () => {
    expect(startOrder(graph({ api: ['db'], ui: ['api'] }))).toEqual(['api', 'ui']);
  });

  test('places, at each step, the earliest declared service whose dependencies are placed, in generated graphs', () => {
    /** The rule as written: a search from the start at each step. */
    const byTheRule = (services: ServiceSpec[]): string[] => {
      const order: string[] = [];
      while (order.length < services.length) {
        const next = services.find(
          (service) =>
            !order.includes(service.key) && service.dependsOn.every((d) => order.includes(d.service) || !services.some((s) => s.key === d.service)),
        );
        order.push(next!.key);
      }
      return order;
    };
    for (let seed = 1; seed <= 200; seed++) {
      const random = randomFrom(seed);
      const count = 1 + Math.floor(random() * 30);
      // Edges only towards a service of a higher rank, in a shuffled declaration order: acyclic, in any order.
      const ranks = Array.from({ length: count }, (_, i) => i).sort(() => random() - 0.5);
      const edges: Record<string, string[]> = {};
      for (const rank of ranks) {
        const deps = Array.from({ length: count }, (_, other) => other).filter((other) => other > rank && random() < 0.15);
        edges[`s${rank}`] = [...deps.map((other) => `s${other}`), ...(random() < 0.1 ? ['outside'] : [])];
      }
      const services = graph(edges);
      expect(startOrder(services), `seed ${seed}`).toEqual(byTheRule(services));
    }
  });

  test('a cycle cannot be ordered', () => {
    expect(() => startOrder(graph({ a: ['b'], b: ['a'], c: [] }))).toThrow('dependency cycle among a, b');
  });
});

describe('withDependencies', () => {
  const services = graph({ tools: [], db: [], llm: ['tools'], api: ['db', 'llm'], ui: ['api'], docs: [] });

  test('the named services and everything they depend on, transitively, in start order', () => {
    expect(withDependencies(services, ['ui'])).toEqual(['tools', 'db', 'llm', 'api', 'ui']);
    expect(withDependencies(services, ['docs', 'llm'])).toEqual(['tools', 'llm', 'docs']);
    expect(withDependencies(services, [])).toEqual([]);
  });

  test('an unknown name is a usage error with a suggestion', () => {
    expect(() => withDependencies(services, ['tols'])).toThrow(
      new UsageError('unknown service "tols" — did you mean "tools"?', 'Services: tools, db, llm, api, ui, docs.'),
    );
  });
});

describe('findCycles', () => {
  test('none in an acyclic graph; self-dependencies are left to their own check', () => {
    expect(findCycles(graph({ a: ['b'], b: [], c: ['c'] }))).toEqual([]);
  });

  test('each cycle in full, starting at its earliest declared service', () => {
    expect(findCycles(graph({ x: ['c'], c: ['a'], a: ['b'], b: ['c'] }))).toEqual([['c', 'a', 'b', 'c']]);
    expect(findCycles(graph({ b: ['a'], a: ['b'], d: ['e'], e: ['d'] }))).toEqual([
      ['b', 'a', 'b'],
      ['d', 'e', 'd'],
    ]);
  });
});
