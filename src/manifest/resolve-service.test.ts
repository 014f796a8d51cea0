import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { DevsupError } from '../errors.js';
import { loadManifest } from './load-manifest.js';
import { resolveService, resolveStackEnv, resolveUrl, servicesReferencedBy, type AssignedPorts } from './resolve-service.js';
import type { Manifest, ServiceSpec } from './service-spec.js';

const newProject = tempProjects();

const MANIFEST = `
env_file: top.env
env:
  L1: top-env
  L2: top-env
  LOG_LEVEL: info
services:
  tools: { command: node tools.js, port: 8763, url: "http://127.0.0.1:\${port}/mcp" }
  api.v2:
    command: [node, api.js, --port, "\${port}", --admin, "\${ports.admin-ui}", --tools, "\${tools.url}", "$$HOME", $HOME, "\${MODEL:-small}"]
    ports: { http: 9000, admin-ui: 9001 }
    port_env: API_PORT
    host: 127.0.0.1
    env_file: api.env
    env:
      L1: service-env
      OWN_PORT: "\${port}"
      TOOLS_PORT: "\${tools.port}"
      FROM_FILE: "\${SHARED_VAR}"
  worker:
    command: "sleep 1 && echo $$ \${DEPTH}"
`;

async function loadDemo(): Promise<{ manifest: Manifest; service: (key: string) => ServiceSpec }> {
  const project = newProject({
    'services.yaml': MANIFEST,
    'top.env': 'L1=top-file\nL2=top-file\nL3=top-file\nL4=top-file\nSHARED_VAR=from-top-file\n',
    'api.env': 'L1=service-file\nL2=service-file\nL3=service-file\nSHARED_VAR=from-service-file\n',
  });
  const manifest = await loadManifest({ cwd: project.dir, env: { DEPTH: '3' } });
  return { manifest, service: (key) => manifest.services.find((service) => service.key === key)! };
}

const PORTS: AssignedPorts = new Map<string, Record<string, number>>([
  ['tools', { default: 8764 }],
  ['api.v2', { http: 9005, 'admin-ui': 9006 }],
]);
const BASE_ENV = { L1: 'base', L2: 'base', L3: 'base', L4: 'base', L5: 'base', PORT: '1', DEPTH: '7', UNSET: undefined };

describe('resolveService', () => {
  test('the manifest lists every env file it read, for live reload to watch', async () => {
    const { manifest } = await loadDemo();
    expect(manifest.envFiles).toEqual([path.join(manifest.dir, 'top.env'), path.join(manifest.dir, 'api.env')]);
  });

  test('the environment is layered: base, top env file, service env file, top env, service env, injected', async () => {
    const { manifest, service } = await loadDemo();
    const { env } = resolveService(manifest, service('api.v2'), PORTS, BASE_ENV);
    expect(env).toMatchObject({ L1: 'service-env', L2: 'top-env', L3: 'service-file', L4: 'top-file', L5: 'base' });
    expect('UNSET' in env).toBe(false);
  });

  test('PYTHONUNBUFFERED=1 by default, so Python prints each line at once into the pipe; any value of the user wins', async () => {
    const { manifest, service } = await loadDemo();
    expect(resolveService(manifest, service('worker'), PORTS, { DEPTH: '1' }).env.PYTHONUNBUFFERED).toBe('1');
    expect(resolveService(manifest, service('worker'), PORTS, { DEPTH: '1', PYTHONUNBUFFERED: '' }).env.PYTHONUNBUFFERED).toBe('');
    const own = { ...service('worker'), env: { PYTHONUNBUFFERED: '0' } };
    expect(resolveService(manifest, own, PORTS, { DEPTH: '1', PYTHONUNBUFFERED: '1' }).env.PYTHONUNBUFFERED).toBe('0');
  });

  test('injected variables: PORT, PORT_<NAME>, port_env, HOST, DEVSUP_SERVICE and every DEVSUP_<KEY>_PORT', async () => {
    const { manifest, service } = await loadDemo();
    const { env } = resolveService(manifest, service('api.v2'), PORTS, BASE_ENV);
    expect(env).toMatchObject({
      PORT: '9005',
      PORT_HTTP: '9005',
      PORT_ADMIN_UI: '9006',
      API_PORT: '9005',
      HOST: '127.0.0.1',
      DEVSUP_SERVICE: 'api.v2',
      DEVSUP_TOOLS_PORT: '8764',
      DEVSUP_API_V2_PORT: '9005',
    });
    expect(
      Object.keys(env)
        .filter((name) => name.startsWith('DEVSUP_') && name.endsWith('_PORT'))
        .sort(),
    ).toEqual(['DEVSUP_API_V2_PORT', 'DEVSUP_TOOLS_PORT']);
  });

  test('templates in env and command are rendered; $$ is $, shell variables and defaults behave', async () => {
    const { manifest, service } = await loadDemo();
    const api = resolveService(manifest, service('api.v2'), PORTS, BASE_ENV);
    expect(api.env).toMatchObject({ OWN_PORT: '9005', TOOLS_PORT: '8764', FROM_FILE: 'from-service-file' });
    expect(api.command).toEqual([
      'node',
      'api.js',
      '--port',
      '9005',
      '--admin',
      '9006',
      '--tools',
      'http://127.0.0.1:8764/mcp',
      '$HOME',
      '$HOME',
      'small',
    ]);
    expect(resolveService(manifest, service('api.v2'), PORTS, { MODEL: 'large' }).command.at(-1)).toBe('large');
    expect(resolveService(manifest, service('api.v2'), PORTS, { MODEL: '' }).command.at(-1)).toBe('small');
  });

  test('a service without a port gets no PORT of its own, but sees the others', async () => {
    const { manifest, service } = await loadDemo();
    const worker = resolveService(manifest, service('worker'), PORTS, { DEPTH: '7' });
    expect(worker.command).toBe('sleep 1 && echo $ 7');
    expect(worker.url).toBeUndefined();
    expect(worker.env).toMatchObject({ DEVSUP_SERVICE: 'worker', DEVSUP_TOOLS_PORT: '8764', DEVSUP_API_V2_PORT: '9005' });
    expect(worker.env.PORT).toBeUndefined();
    expect(worker.env.LOG_LEVEL).toBe('info');
  });

  test('a reference to a port that was not allocated is a clear error', async () => {
    const { manifest, service } = await loadDemo();
    const partial: AssignedPorts = new Map([['api.v2', { http: 9005, 'admin-ui': 9006 }]]);
    expect(() => resolveService(manifest, service('api.v2'), partial, {})).toThrow(
      new DevsupError('service "api.v2": cannot resolve "${tools.port}": no port assigned to service "tools"', 1),
    );
  });
});

describe('the variables devsup injects, in command and env', () => {
  test('are what the child gets, before env files and the environment', async () => {
    const project = newProject({
      'services.yaml': [
        'services:',
        '  web:',
        '    command: "serve ${PORT:-3000} ${PORT_ADMIN} ${WEB_PORT} ${HOST} ${DEVSUP_SERVICE} ${DEVSUP_DB_PORT} ${DEVSUP_INSTANCE}"',
        '    ports: { http: 8000, admin: 8001 }',
        '    port_env: WEB_PORT',
        '    host: 127.0.0.1',
        '    env_file: web.env',
        '    env: { SELF: "${PORT}" }',
        '  db: { command: x, port: 5432 }',
        '  worker: { command: "work ${PORT:-none}" }',
        '',
      ].join('\n'),
      'web.env': 'PORT=2\nHOST=0.0.0.0\n',
    });
    const outside = { PORT: '1', PORT_ADMIN: '1', WEB_PORT: '1', HOST: '1', DEVSUP_SERVICE: '1', DEVSUP_DB_PORT: '1', DEVSUP_INSTANCE: '1' };
    const manifest = await loadManifest({ cwd: project.dir, env: outside });
    const [web, , worker] = manifest.services;
    const ports: AssignedPorts = new Map<string, Record<string, number>>([
      ['web', { http: 8002, admin: 8003 }],
      ['db', { default: 5433 }],
    ]);
    const extraEnv = { DEVSUP_INSTANCE: '999', DEVSUP_MANIFEST: manifest.file };
    const resolved = resolveService(manifest, web!, ports, outside, { platform: 'linux', extraEnv });
    expect(resolved.command).toBe('serve 8002 8003 8002 127.0.0.1 web 5433 999');
    expect(resolved.env).toMatchObject({ SELF: '8002', PORT: '8002', DEVSUP_INSTANCE: '999' });
    // Without a port of its own, ${PORT} is the environment's, as any variable.
    expect(resolveService(manifest, worker!, ports, outside, { platform: 'linux' }).command).toBe('work 1');
    expect(resolveService(manifest, worker!, ports, {}, { platform: 'linux' }).command).toBe('work none');
    // ${DEVSUP_DB_PORT} follows db when it moves.
    expect(servicesReferencedBy(manifest, web!)).toEqual(new Set(['db']));
  });
});

describe('values in a string command', () => {
  const HOSTILE = `it's "$(touch x)"`;

  async function loadQuoting(): Promise<Manifest> {
    const project = newProject({
      'services.yaml': [
        'services:',
        '  str: { command: "echo ${X} \\"[${X}]\\" \'${X}\' --port ${port}", port: 8000, env: { E: "${X}" } }',
        '  list: { command: [echo, "${X}", "[${X}]"] }',
        '',
      ].join('\n'),
    });
    return loadManifest({ cwd: project.dir, env: { X: HOSTILE } });
  }

  test('are one shell word each, quoted for where they sit; a list and env take them as they are', async () => {
    const manifest = await loadQuoting();
    const ports: AssignedPorts = new Map([['str', { default: 8001 }]]);
    const [str, list] = manifest.services.map((service) => resolveService(manifest, service, ports, { X: HOSTILE }, { platform: 'linux' }));
    expect(str!.command).toBe(`echo 'it'\\''s "$(touch x)"' "[it's \\"\\$(touch x)\\"]" 'it'\\''s "$(touch x)"' --port 8001`);
    expect(str!.env.E).toBe(HOSTILE);
    expect(list!.command).toEqual(['echo', HOSTILE, `[${HOSTILE}]`]);
  });

  test('are quoted for cmd.exe on Windows', async () => {
    const manifest = await loadQuoting();
    const ports: AssignedPorts = new Map([['str', { default: 8001 }]]);
    const { command } = resolveService(manifest, manifest.services[0]!, ports, { X: 'a&b' }, { platform: 'win32' });
    expect(command).toBe(`echo ^"a^&b^" "[a&b]" '^"a^&b^"' --port ^"8001^"`);
  });
});

describe('resolveUrl', () => {
  test('a url template, the default for a service with a port, none without one or with ready: none', async () => {
    const { manifest, service } = await loadDemo();
    expect(resolveUrl(manifest, service('tools'), PORTS, {})).toBe('http://127.0.0.1:8764/mcp');
    expect(resolveUrl(manifest, service('api.v2'), PORTS, {})).toBe('http://localhost:9005');
    expect(resolveUrl(manifest, service('worker'), PORTS, {})).toBeUndefined();
    // With a port but ready: none (a Procfile's worker): it need not listen, so no URL is made up for it.
    const quiet = { ...service('tools'), url: undefined, ready: { kind: 'none' } as const };
    expect(resolveUrl(manifest, quiet, PORTS, {})).toBeUndefined();
    expect(resolveUrl(manifest, { ...quiet, url: 'http://localhost:${port}/' }, PORTS, {})).toBe('http://localhost:8764/');
    expect(resolveService(manifest, service('api.v2'), PORTS, {}).url).toBe('http://localhost:9005');
  });

  test("a URL that names only ports looks at no other service's port: the port table makes every URL on each change", async () => {
    const services = Array.from({ length: 200 }, (_, i) => `  s${i}: { command: node s.js, port: ${20000 + i} }`);
    const project = newProject({
      'services.yaml': `services:\n${services.join('\n')}\n  tools: { command: node t.js, port: 8763, url: "http://h:\${port}/\${LABEL}" }\n`,
    });
    const manifest = await loadManifest({ cwd: project.dir, env: { LABEL: 'x' } });
    const assigned = new Map(manifest.services.map((spec, i) => [spec.key, { default: 30000 + i }]));
    const looked: string[] = [];
    const counting: AssignedPorts = Object.assign(Object.create(assigned) as AssignedPorts, {
      get: (key: string) => (looked.push(key), assigned.get(key)),
    });
    const spec = (key: string) => manifest.services.find((service) => service.key === key)!;
    expect(resolveUrl(manifest, spec('s7'), counting, {})).toBe('http://localhost:30007');
    expect(new Set(looked)).toEqual(new Set(['s7']));
    // A `${VAR}` may be one devsup injects (any DEVSUP_<KEY>_PORT), so that URL does make them.
    looked.length = 0;
    expect(resolveUrl(manifest, spec('tools'), counting, { LABEL: 'x' })).toBe('http://h:30200/x');
    expect(looked.length).toBeGreaterThan(200);
  });
});

describe('resolveStackEnv', () => {
  test('a command beside the stack gets the top-level env files and env, and every DEVSUP_<KEY>_PORT and _URL', async () => {
    const { manifest } = await loadDemo();
    const env = resolveStackEnv(manifest, PORTS, BASE_ENV, () => expect.unreachable());
    expect(env).toMatchObject({ L1: 'top-env', L2: 'top-env', L3: 'top-file', L5: 'base', LOG_LEVEL: 'info', PORT: '1' });
    expect(env).toMatchObject({
      DEVSUP_TOOLS_PORT: '8764',
      DEVSUP_TOOLS_URL: 'http://127.0.0.1:8764/mcp',
      DEVSUP_API_V2_PORT: '9005',
      DEVSUP_API_V2_URL: 'http://localhost:9005',
    });
    expect(Object.keys(env).filter((name) => name.startsWith('DEVSUP_WORKER'))).toEqual([]);
    expect('UNSET' in env).toBe(false);
  });

  test("a top-level value that needs a service's own port is left out, with why", async () => {
    const project = newProject({
      'services.yaml': [
        'env:',
        '  SELF: "http://localhost:${port}"',
        '  API: "${api.url}/v1"',
        'services:',
        '  api: { command: node api.js, port: 8080 }',
        '',
      ].join('\n'),
    });
    const manifest = await loadManifest({ cwd: project.dir, env: {} });
    const skipped: string[] = [];
    const env = resolveStackEnv(manifest, new Map([['api', { default: 8081 }]]), {}, (name, why) => skipped.push(`${name}: ${why}`));
    expect(env.API).toBe('http://localhost:8081/v1');
    expect('SELF' in env).toBe(false);
    expect(skipped).toEqual(['SELF: the command: cannot resolve "${port}": it means the port of the service it is given to']);
  });
});
