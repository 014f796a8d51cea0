import path from 'node:path';
import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
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
