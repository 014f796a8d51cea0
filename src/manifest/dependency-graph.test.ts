import { describe, expect, test } from 'vitest';
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
