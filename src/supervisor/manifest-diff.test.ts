import { describe, expect, it } from 'vitest';
import { parseYaml } from '../manifest/parse-yaml.js';
import type { ResolvedService } from '../manifest/resolve-service.js';
import type { Manifest, ServiceSpec } from '../manifest/service-spec.js';
import type { MapNode } from '../manifest/yaml-node.js';
import { manifestOf, serviceSpec } from '../../test/helpers/specs.js';
import { diffServices, portsChanged, sameLaunch } from './manifest-diff.js';

/** `web` with a port, a ready check and a dependency on `db`, and `db`: the manifest every edit starts from. */
function baseServices(): ServiceSpec[] {
  return [
    serviceSpec('db', { command: 'postgres -D data', ports: [{ name: 'default', preferred: 5432 }] }),
    serviceSpec('web', {
      command: ['node', 'server.js'],
      env: { LOG_LEVEL: 'info', API_URL: 'http://localhost:${db.port}' },
      ports: [{ name: 'default', preferred: 3000 }],
      ready: { kind: 'log', pattern: /listening/i },
      dependsOn: [{ service: 'db', condition: 'ready' }],
    }),
  ];
}

/** The base manifest with `web` edited by `edit`. */
function withWeb(edit: Partial<ServiceSpec>): Manifest {
  const [db, web] = baseServices();
  return manifestOf([db!, { ...web!, ...edit }]);
}

describe('diffServices', () => {
  it('finds nothing to do for the same manifest loaded again (new objects, equal values)', () => {
    expect(diffServices(manifestOf(baseServices()), manifestOf(baseServices()))).toEqual({
      added: [],
      removed: [],
      restarted: [],
      unchanged: ['db', 'web'],
    });
  });

  it.each<[string, Partial<ServiceSpec>]>([
    ['a new command string', { command: ['node', 'server.js', '--inspect'] }],
    ['a string command instead of the same words as a list', { command: 'node server.js' }],
    ['a changed env value', { env: { LOG_LEVEL: 'debug', API_URL: 'http://localhost:${db.port}' } }],
    ['an env variable added', { env: { LOG_LEVEL: 'info', API_URL: 'http://localhost:${db.port}', EXTRA: '1' } }],
    ['an env variable removed', { env: { LOG_LEVEL: 'info' } }],
    ['a changed env file value', { fileEnv: { SECRET: 'x' } }],
    ['another preferred port', { ports: [{ name: 'default', preferred: 3001 }] }],
    [
      'a second named port',
      {
        ports: [
          { name: 'default', preferred: 3000 },
          { name: 'admin', preferred: 3100 },
        ],
      },
    ],
    ['a renamed port', { ports: [{ name: 'http', preferred: 3000 }] }],
    ['an auto port', { ports: [{ name: 'default', preferred: 'auto' }] }],
    ['another ready kind', { ready: { kind: 'tcp' } }],
    ['another log pattern', { ready: { kind: 'log', pattern: /ready/i } }],
    ['the same log pattern with other flags', { ready: { kind: 'log', pattern: /listening/ } }],
    ['another http ready path', { ready: { kind: 'http', path: '/health' } }],
    ['a changed dependency condition', { dependsOn: [{ service: 'db', condition: 'started' }] }],
    ['a dependency removed', { dependsOn: [] }],
    ['another fallback', { fallback: { kind: 'range', from: 3000, to: 3010 } }],
    ['a host', { host: '127.0.0.1' }],
    ['another cwd', { cwd: '/srv/web' }],
    ['another restart policy', { restart: 'always' }],
    ['another stop signal', { stopSignal: 'SIGINT' }],
    ['a url template', { url: 'http://localhost:${port}/app' }],
    ['a port_env', { portEnv: 'WEB_PORT' }],
  ])('restarts a service given %s, and only that one', (_label, edit) => {
    expect(diffServices(manifestOf(baseServices()), withWeb(edit))).toEqual({ added: [], removed: [], restarted: ['web'], unchanged: ['db'] });
  });

  it('ignores the order of keys: in env, in a port, in a ready check, in the spec itself', () => {
    const [db, web] = baseServices();
    const reordered: ServiceSpec = Object.fromEntries(Object.entries(web!).reverse()) as unknown as ServiceSpec;
    reordered.env = { API_URL: 'http://localhost:${db.port}', LOG_LEVEL: 'info' };
    reordered.ports = [{ preferred: 3000, name: 'default' }];
    reordered.dependsOn = [{ condition: 'ready', service: 'db' }];
    expect(Object.keys(reordered)[0]).not.toBe('key'); // the reversal took
    expect(diffServices(manifestOf(baseServices()), manifestOf([db!, reordered]))).toEqual({
      added: [],
      removed: [],
      restarted: [],
      unchanged: ['db', 'web'],
    });
  });

  it('ignores a change in the order of the services, but not in the order of a list', () => {
    const [db, web] = baseServices();
    expect(diffServices(manifestOf([db!, web!]), manifestOf([web!, db!]))).toEqual({
      added: [],
      removed: [],
      restarted: [],
      unchanged: ['web', 'db'],
    });
    const twoDeps = withWeb({
      dependsOn: [
        { service: 'db', condition: 'ready' },
        { service: 'cache', condition: 'started' },
      ],
    });
    const swapped = withWeb({
      dependsOn: [
        { service: 'cache', condition: 'started' },
        { service: 'db', condition: 'ready' },
      ],
    });
    expect(diffServices(twoDeps, swapped).restarted).toEqual(['web']);
  });

  it('lists new services as added and gone ones as removed, in manifest order', () => {
    const [db, web] = baseServices();
    const before = manifestOf([db!, web!, serviceSpec('old-worker'), serviceSpec('cron')]);
    const next = manifestOf([serviceSpec('queue'), db!, web!, serviceSpec('mailer')]);
    expect(diffServices(before, next)).toEqual({
      added: ['queue', 'mailer'],
      removed: ['old-worker', 'cron'],
      restarted: [],
      unchanged: ['db', 'web'],
    });
  });

  it('treats a renamed service as one removed and one added, even with the same definition', () => {
    const [db, web] = baseServices();
    const renamed = { ...web!, key: 'frontend', title: 'frontend' };
    expect(diffServices(manifestOf([db!, web!]), manifestOf([db!, renamed]))).toEqual({
      added: ['frontend'],
      removed: ['web'],
      restarted: [],
      unchanged: ['db'],
    });
  });

  it('handles an empty manifest on either side', () => {
    expect(diffServices(manifestOf([]), manifestOf(baseServices()))).toEqual({ added: ['db', 'web'], removed: [], restarted: [], unchanged: [] });
    expect(diffServices(manifestOf(baseServices()), manifestOf([]))).toEqual({ added: [], removed: ['db', 'web'], restarted: [], unchanged: [] });
  });

  it.each<[string, Partial<Manifest>, Partial<Manifest>]>([
    ['a top-level env value changed', { env: { TZ: 'UTC' } }, { env: { TZ: 'Europe/Paris' } }],
    ['a top-level env variable added', {}, { env: { TZ: 'UTC' } }],
    ['a top-level env file value changed', { fileEnv: { TOKEN: 'a' } }, { fileEnv: { TOKEN: 'b' } }],
    ['a top-level env file variable removed', { fileEnv: { TOKEN: 'a' } }, {}],
  ])('restarts every kept service for %s, but still adds and removes the others', (_label, before, next) => {
    const [db, web] = baseServices();
    const changes = diffServices(manifestOf([db!, web!, serviceSpec('gone')], before), manifestOf([db!, web!, serviceSpec('new')], next));
    expect(changes).toEqual({ added: ['new'], removed: ['gone'], restarted: ['db', 'web'], unchanged: [] });
  });

  it('ignores the order of top-level env keys', () => {
    const before = manifestOf(baseServices(), { env: { A: '1', B: '2' }, fileEnv: { C: '3', D: '4' } });
    const next = manifestOf(baseServices(), { env: { B: '2', A: '1' }, fileEnv: { D: '4', C: '3' } });
    expect(diffServices(before, next)).toEqual({ added: [], removed: [], restarted: [], unchanged: ['db', 'web'] });
  });

  it('ignores top-level fields that reach no child: the manifest file list, overrides, the document', () => {
    const next = manifestOf(baseServices(), {
      sources: ['/x/services.yaml', '/x/services.local.yaml'],
      overridden: new Map([['services.web.port', 'local']]),
      document: parseYaml('services: {}\n', '/x/services.yaml').root as MapNode,
    });
    expect(diffServices(manifestOf(baseServices()), next).unchanged).toEqual(['db', 'web']);
  });
});

describe('portsChanged', () => {
  const before = baseServices()[1]!;

  it.each<[string, Partial<ServiceSpec>, boolean]>([
    ['nothing', {}, false],
    ['the command only', { command: 'node other.js' }, false],
    ['the env only', { env: {} }, false],
    ['the ready check only', { ready: { kind: 'tcp' } }, false],
    ['the port_env only (a name, not a port)', { portEnv: 'WEB_PORT' }, false],
    ['the preferred port', { ports: [{ name: 'default', preferred: 3001 }] }, true],
    ['to an auto port', { ports: [{ name: 'default', preferred: 'auto' }] }, true],
    ['the port name', { ports: [{ name: 'http', preferred: 3000 }] }, true],
    [
      'a port added',
      {
        ports: [
          { name: 'default', preferred: 3000 },
          { name: 'admin', preferred: 3100 },
        ],
      },
      true,
    ],
    ['every port removed', { ports: [] }, true],
    ['the fallback kind', { fallback: { kind: 'none' } }, true],
    ['the fallback range', { fallback: { kind: 'range', from: 3000, to: 3010 } }, true],
    ['the host', { host: '127.0.0.1' }, true],
    ['socket handing', { socket: true }, true],
  ])('after a change to %s: %s', (_label, edit, expected) => {
    expect(portsChanged(before, withWeb(edit), 'web')).toBe(expected);
  });

  it('sees the range bounds, not just the fallback kind', () => {
    const ranged: ServiceSpec = { ...before, fallback: { kind: 'range', from: 3000, to: 3010 } };
    expect(portsChanged(ranged, withWeb({ fallback: { kind: 'range', from: 3000, to: 3010 } }), 'web')).toBe(false);
    expect(portsChanged(ranged, withWeb({ fallback: { kind: 'range', from: 3000, to: 3020 } }), 'web')).toBe(true);
  });

  it('ignores key order inside a port', () => {
    const reordered = withWeb({ ports: [{ preferred: 3000, name: 'default' }] });
    expect(portsChanged(before, reordered, 'web')).toBe(false);
  });

  it('looks at the named service of the edited manifest, not at the others', () => {
    const next = withWeb({});
    next.services[0] = { ...next.services[0]!, ports: [{ name: 'default', preferred: 6543 }] }; // db moved, web did not
    expect(portsChanged(before, next, 'web')).toBe(false);
    expect(portsChanged(baseServices()[0]!, next, 'db')).toBe(true);
  });
});

describe('sameLaunch', () => {
  const launch = (overrides: Partial<ResolvedService> = {}): ResolvedService => ({
    command: ['node', 'server.js'],
    env: { PATH: '/usr/bin', PORT: '3000', DEVSUP_SERVICE: 'web', DEVSUP_WEB_PORT: '3000', DEVSUP_DB_PORT: '5432', API_URL: 'http://localhost:5432' },
    url: 'http://localhost:3000',
    ...overrides,
  });

  it('is the same for equal values, whatever the order of the variables', () => {
    const reversed = Object.fromEntries(Object.entries(launch().env).reverse());
    expect(sameLaunch(launch(), launch({ env: reversed }))).toBe(true);
  });

  it.each<[string, Partial<ResolvedService>]>([
    ['another command', { command: ['node', 'server.js', '--watch'] }],
    ['the same words as a string', { command: 'node server.js' }],
    ['another PORT', { env: { ...launch().env, PORT: '3001' } }],
    ['another interpolated value (a moved ${db.port})', { env: { ...launch().env, API_URL: 'http://localhost:5433' } }],
    ['a variable added', { env: { ...launch().env, EXTRA: '1' } }],
    ['a variable removed', { env: { PATH: '/usr/bin', PORT: '3000', DEVSUP_SERVICE: 'web', DEVSUP_WEB_PORT: '3000', DEVSUP_DB_PORT: '5432' } }],
    ['another DEVSUP_SERVICE (it does not end in _PORT)', { env: { ...launch().env, DEVSUP_SERVICE: 'api' } }],
    ['a PORT_<NAME> of its own', { env: { ...launch().env, PORT_ADMIN: '3100' } }],
  ])('differs for %s', (_label, overrides) => {
    expect(sameLaunch(launch(), launch(overrides))).toBe(false);
  });

  it('leaves out every DEVSUP_<KEY>_PORT: one added, removed or moved restarts nobody by itself', () => {
    const { DEVSUP_DB_PORT: _db, ...withoutDb } = launch().env;
    expect(sameLaunch(launch(), launch({ env: { ...launch().env, DEVSUP_QUEUE_PORT: '6000' } }))).toBe(true);
    expect(sameLaunch(launch(), launch({ env: withoutDb }))).toBe(true);
    expect(sameLaunch(launch(), launch({ env: { ...launch().env, DEVSUP_DB_PORT: '5433' } }))).toBe(true);
  });

  it('ignores the url: it reaches the child through no variable of its own', () => {
    expect(sameLaunch(launch(), launch({ url: 'http://localhost:3000/other' }))).toBe(true);
  });
});
