import { describe, expect, test } from 'vitest';
import { serviceSpec } from '../../test/helpers/specs.js';
import { expandReplicas, keysNamed, knownNames } from './replicas.js';

describe('expandReplicas', () => {
  test('nothing replicated: the same array', () => {
    const services = [serviceSpec('a'), serviceSpec('b')];
    expect(expandReplicas(services)).toBe(services);
  });

  test('each replica in its place, with its key, title and ports; a dependency on the service is one on every replica', () => {
    const services = expandReplicas([
      serviceSpec('db'),
      serviceSpec('web', {
        replicas: 3,
        ports: [
          { name: 'default', preferred: 3000 },
          { name: 'admin', preferred: 'auto' },
        ],
        dependsOn: [{ service: 'db', condition: 'ready' }],
      }),
      serviceSpec('proxy', { dependsOn: [{ service: 'web', condition: 'started' }] }),
    ]);
    expect(services.map((spec) => spec.key)).toEqual(['db', 'web.1', 'web.2', 'web.3', 'proxy']);
    expect(services[2]).toMatchObject({
      key: 'web.2',
      title: 'web.2',
      ports: [
        { name: 'default', preferred: 3001 },
        { name: 'admin', preferred: 'auto' },
      ],
      replica: { group: 'web', index: 2 },
      dependsOn: [{ service: 'db', condition: 'ready' }],
    });
    expect(services[2]!.replicas).toBeUndefined();
    expect(services[4]!.dependsOn.map((dependency) => dependency.service)).toEqual(['web.1', 'web.2', 'web.3']);
    expect(expandReplicas([serviceSpec('api', { title: 'API', replicas: 2 })])[1]!.title).toBe('API 2');
  });

  test('names on the command line: a key, or every replica of a replicated service', () => {
    const services = expandReplicas([serviceSpec('web', { replicas: 2 }), serviceSpec('db')]);
    expect(keysNamed(services, 'web')).toEqual(['web.1', 'web.2']);
    expect(keysNamed(services, 'web.2')).toEqual(['web.2']);
    expect(keysNamed(services, 'db')).toEqual(['db']);
    expect(keysNamed(services, 'web.3')).toBeUndefined();
    expect(knownNames(services)).toEqual(['web', 'web.1', 'web.2', 'db']);
  });
});
