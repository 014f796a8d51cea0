import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { CHILD_ENV_DEFAULTS, INSTANCE_MARKS } from './injected-env.js';
import { loadManifest } from './load-manifest.js';
import { parseYaml } from './parse-yaml.js';
import { renderStarterManifest, type Starter } from './starter-manifest.js';

const newProject = tempProjects();

const STARTER: Starter = {
  file: 'process-compose.yaml',
  project: 'shop: the "big" one',
  origin: 'Made from your process-compose.yaml.',
  source: 'from your process-compose.yaml',
  env: { GLOBAL: '1', 'QUOTED VALUE': 'a: b # not a comment' },
  services: [
    {
      key: 'db',
      command: ['postgres', '-D', 'data dir'],
      ready: { exec: 'pg_isready' },
      restart: 'always',
      stopSignal: 'SIGINT',
      stopTimeout: '10s',
    },
    { key: 'migrate', command: 'node migrate.js', dependsOn: { db: 'ready' }, restart: 'never' },
    {
      key: 'web',
      title: '@acme/web',
      why: 'Vite ignores PORT\nsecond line',
      command: 'npm run dev -- --port ${port} --strictPort',
      cwd: 'apps/$$web',
      port: 5173,
      env: { LOG: 'debug: yes' },
      dependsOn: { migrate: 'completed' },
      maxRestarts: 3,
      critical: true,
    },
    {
      key: 'api',
      command: 'node api.js',
      port: 8080,
      fallback: 'none',
      ready: { http: '/health' },
      health: { http: '/live', interval: '5s', timeout: '1s', failures: 4 },
      autostart: false,
    },
    { key: 'cache', command: 'cache --fork', daemon: true, ready: { exec: 'cache-ping' }, health: { exec: 'cache-ping' }, stopCommand: 'cache-stop' },
    { key: 'worker', command: 'node worker.js', port: 5100, ready: 'none', replicas: 2 },
  ],
  notes: [],
};

test('every field is written so that devsup reads back what was meant', async () => {
  const text = renderStarterManifest('folder', STARTER);
  const { dir } = newProject({ 'services.yaml': text, 'apps/$web/keep': '' });
  const manifest = await loadManifest({ cwd: dir, env: {} });
  expect(manifest.project).toBe('shop: the "big" one');
  expect(manifest.env).toEqual({ GLOBAL: '1', 'QUOTED VALUE': 'a: b # not a comment' });
  const [db, migrate, web, api, cache, worker] = manifest.services;
  expect(db).toMatchObject({
    command: ['postgres', '-D', 'data dir'],
    ready: { kind: 'exec', command: 'pg_isready' },
    restart: 'always',
    stopSignal: 'SIGINT',
    stopTimeoutMs: 10_000,
  });
  expect(migrate).toMatchObject({ dependsOn: [{ service: 'db', condition: 'ready' }], restart: 'never' });
  expect(web).toMatchObject({
    title: '@acme/web',
    command: 'npm run dev -- --port ${port} --strictPort',
    cwd: `${dir}/apps/$web`,
    ports: [{ name: 'default', preferred: 5173 }],
    env: { LOG: 'debug: yes' },
    dependsOn: [{ service: 'migrate', condition: 'completed' }],
    maxRestarts: 3,
    critical: true,
  });
  expect(api).toMatchObject({
    fallback: { kind: 'none' },
    ready: { kind: 'http', path: '/health' },
    health: { check: { kind: 'http', path: '/live' }, intervalMs: 5_000, timeoutMs: 1_000, failures: 4 },
    autostart: false,
  });
  expect(cache).toMatchObject({
    daemon: true,
    ready: { kind: 'exec', command: 'cache-ping' },
    health: { check: { kind: 'exec' } },
    stopCommand: 'cache-stop',
  });
  expect(worker).toMatchObject({ key: 'worker.1', ready: { kind: 'none' }, ports: [{ name: 'default', preferred: 5100 }] });
  expect(manifest.services.at(-1)).toMatchObject({ key: 'worker.2', ports: [{ name: 'default', preferred: 5101 }] });
  expect(text).toContain('    # Vite ignores PORT\n    # second line\n    command: npm run dev');
});

test('its comments name every variable devsup sets for a service', () => {
  const header = renderStarterManifest('folder', { ...STARTER, services: [] })
    .split('\n')
    .filter((line) => line.startsWith('#'))
    .join('\n');
  for (const name of ['PORT', 'PORT_<NAME>', 'HOST', 'DEVSUP_SERVICE', 'DEVSUP_<NAME>_PORT', 'FORCE_COLOR=1', ...INSTANCE_MARKS])
    expect(header).toContain(name);
  for (const [name, value] of Object.entries(CHILD_ENV_DEFAULTS)) expect(header).toContain(`${name}=${value} unless you set it`);
});

test('its commented suggestions never repeat a key of the service they sit under, so uncommenting one makes no duplicate', () => {
  const uncommented = (starter: Starter) =>
    renderStarterManifest('folder', starter)
      .split('\n')
      .map((line) => line.replace(/^(\s+)# (\w+: .*?)(\s+#.*)?$/, '$1$2'))
      .join('\n');
  const duplicates = (starter: Starter) =>
    parseYaml(uncommented(starter), 'services.yaml').issues.filter((issue) => /duplicate/i.test(issue.message));
  expect(uncommented(STARTER)).toContain('    watch: [src]');
  const busy = {
    key: 'gateway',
    command: 'node api.js',
    port: 8080,
    ready: { http: '/up' },
    env: { A: '1' },
    dependsOn: { migrate: 'completed' as const },
  };
  expect(duplicates({ ...STARTER, services: [...STARTER.services, busy] })).toEqual([]);
  // A service without those keys keeps every suggestion.
  expect(uncommented({ ...STARTER, services: [{ key: 'api', command: 'node api.js', port: 8080 }] })).toMatch(
    /ready: .*\n.*depends_on: .*\n.*env: .*\n.*watch: /,
  );
});
