import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError, UsageError } from '../errors.js';
import { loadManifest } from './load-manifest.js';
import { parseProcfile } from './procfile.js';
import { toPlain } from './yaml-node.js';

const newProject = tempProjects();

test('name: command lines become services with foreman ports; only web is waited for until it listens; comments and blank lines are skipped', () => {
  const { root, issues } = parseProcfile(
    '# the app\nweb: bundle exec puma -p $PORT\n\nworker:   node worker.js  \n  clock: node clock.js\n',
    'Procfile',
  );
  expect(issues).toEqual([]);
  expect(toPlain(root)).toEqual({
    services: {
      web: { command: 'bundle exec puma -p $PORT', port: 5000 },
      worker: { command: 'node worker.js', port: 5100, ready: 'none' },
      clock: { command: 'node clock.js', port: 5200, ready: 'none' },
    },
  });
});

test('malformed lines and repeated names are issues at their line', () => {
  const { issues } = parseProcfile('web: a\njust text\nweb: b\nempty:\n', 'Procfile');
  expect(issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`)).toEqual([
    '2:1: expected a "name: command" line',
    '3:1: process "web" is defined twice',
    '4:1: expected a "name: command" line',
  ]);
});

test('a Procfile is the manifest when no services.yaml exists; services.local.yaml may give ports', async () => {
  const project = newProject({
    Procfile: 'web: node web.js --port $PORT\nworker: node worker.js\n',
    'services.local.yaml': 'services:\n  worker: { port: 6000 }\n',
  });
  const manifest = await loadManifest({ cwd: project.dir, env: {} });
  expect(manifest.file).toBe(path.join(project.dir, 'Procfile'));
  expect(manifest.services.map((service) => [service.key, service.command, service.ports])).toEqual([
    ['web', 'node web.js --port $PORT', [{ name: 'default', preferred: 5000 }]],
    ['worker', 'node worker.js', [{ name: 'default', preferred: 6000 }]],
  ]);
  expect([...manifest.overridden]).toEqual([['services.worker.port', 'local']]);
});

test('problems in a Procfile are reported with its name and line', async () => {
  const project = newProject({ Procfile: 'web: node web.js\nweb~1: node other.js\n' });
  const error = await loadManifest({ cwd: project.dir, env: {} }).catch((thrown: unknown) => thrown);
  expect((error as ManifestError).message).toBe(
    'Procfile:2:1: invalid service name "web~1": use letters, digits, "_", "." and "-", starting with a letter or digit',
  );
});

test('a command holding a NUL byte is an issue at that line', () => {
  const { issues } = parseProcfile('web: node web.js\nworker: node w.js \0x\n', 'Procfile');
  expect(issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`)).toEqual([
    '2:9: the command of "worker" contains a NUL byte, which no process can receive: remove it',
  ]);
});

test('release runs once, first: no port, restart never, and every other process waits for it to complete; ports keep its place', () => {
  const { root, issues } = parseProcfile('release: bin/rails db:migrate\nweb: bin/rails server -p $PORT\nworker: bin/jobs\n', 'Procfile');
  expect(issues).toEqual([]);
  expect(toPlain(root)).toEqual({
    services: {
      release: { command: 'bin/rails db:migrate', restart: 'never' },
      web: { command: 'bin/rails server -p $PORT', port: 5100, depends_on: { release: 'completed' } },
      worker: { command: 'bin/jobs', port: 5200, ready: 'none', depends_on: { release: 'completed' } },
    },
  });
});

test('a base port moves them all, foreman-style; one that would pass 65535 is an issue at its line', () => {
  expect(toPlain(parseProcfile('web: a\nworker: b\n', 'Procfile', 3000).root)).toMatchObject({
    services: { web: { port: 3000 }, worker: { port: 3100 } },
  });
  const { issues } = parseProcfile('web: a\nworker: b\n', 'Procfile', 65500);
  expect(issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`)).toEqual([
    '2:1: process "worker" would get port 65600 (65500 + 100 × its place), above 65535: give a lower base port',
  ]);
});

test('a release line loads and orders: its dependents start after it, and the loaded services say so', async () => {
  const project = newProject({ 'Procfile.dev': 'web: node web.js\nrelease: node migrate.js\n' });
  const manifest = await loadManifest({ cwd: project.dir, env: {} });
  expect(manifest.file).toBe(path.join(project.dir, 'Procfile.dev'));
  const release = manifest.services.find((service) => service.key === 'release')!;
  const web = manifest.services.find((service) => service.key === 'web')!;
  expect([release.ports, release.restart, release.ready]).toEqual([[], 'never', { kind: 'none' }]);
  expect([web.ports, web.dependsOn]).toEqual([[{ name: 'default', preferred: 5000 }], [{ service: 'release', condition: 'completed' }]]);
});

describe('the base port', () => {
  const portsOf = (manifest: { services: { ports: { preferred: number | 'auto' }[] }[] }) =>
    manifest.services.map((service) => service.ports[0]?.preferred);

  test("comes from --base-port, else .foreman's port, else 5000; .foreman's other settings are each said once, not used", async () => {
    const project = newProject({ Procfile: 'web: a\nworker: b\n', '.foreman': 'port: 7000\nformation: all=1,release=0\nsomething: else\n' });
    const notes: string[] = [];
    expect(portsOf(await loadManifest({ cwd: project.dir, env: {}, note: (message) => notes.push(message) }))).toEqual([7000, 7100]);
    expect(notes).toEqual([
      '.foreman:2:1: "formation" is foreman\'s setting, not used by devsup: devsup runs one of each process; name the ones to run, e.g. `devsup up web worker`',
      '.foreman:3:1: "something" is foreman\'s setting, not used by devsup (it reads port alone)',
    ]);
    expect(portsOf(await loadManifest({ cwd: project.dir, env: {}, basePort: '3000' }))).toEqual([3000, 3100]);
    project.write('.foreman', '# no port here\n');
    expect(portsOf(await loadManifest({ cwd: project.dir, env: {} }))).toEqual([5000, 5100]);
  });

  test('a wrong .foreman port is an issue at its line; a wrong --base-port, or one for a services.yaml, a usage error', async () => {
    const project = newProject({ Procfile: 'web: a\n', '.foreman': 'port: lots\n' });
    const error = await loadManifest({ cwd: project.dir, env: {} }).catch((thrown: unknown) => thrown);
    expect((error as ManifestError).message).toBe('.foreman:1:7: port must be the base port, a number from 1 to 65535, not "lots"');
    project.write('.foreman', 'port: 5000\n');
    for (const wrong of ['0', '70000', '50x', '']) {
      await expect(loadManifest({ cwd: project.dir, env: {}, basePort: wrong })).rejects.toThrow(
        new UsageError(`--base-port must be a port from 1 to 65535, got "${wrong}".`, 'For example `devsup up --base-port 3000`.'),
      );
    }
    project.write('services.yaml', 'services:\n  web: { command: a, port: 1 }\n');
    const usage = (await loadManifest({ cwd: project.dir, env: {}, basePort: '3000' }).catch((thrown: unknown) => thrown)) as UsageError;
    expect([usage.exitCode, usage.message]).toEqual([
      2,
      "--base-port gives a Procfile's processes their ports, but services.yaml is not a Procfile.",
    ]);
  });
});
