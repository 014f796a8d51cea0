import path from 'node:path';
import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
import { loadManifest } from './load-manifest.js';

const newProject = tempProjects();

async function problemsOf(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const project = newProject(files);
  const error = await loadManifest({ cwd: project.dir, env }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ManifestError);
  return (error as ManifestError).message.split('\n');
}

test('cwd takes ${VAR}, ${VAR:-x}, DEVSUP_SERVICE and HOST at load time', async () => {
  const project = newProject({
    'services.yaml': [
      'env_file: top.env',
      'services:',
      '  web: { command: x, cwd: "${APPS}/${DEVSUP_SERVICE}" }',
      '  api: { command: x, cwd: "${MISSING:-apps}/${FROM_FILE}-${HOST}", host: 127.0.0.1, env_file: api.env }',
      '  worker: { command: x, cwd: "${TOP}/${PORT}" }', // no port of its own: PORT is the environment's
      '',
    ].join('\n'),
    'top.env': 'TOP=apps\n',
    'api.env': 'FROM_FILE=api\nHOST=0.0.0.0\n',
    'apps/web/keep': '',
    'apps/api-127.0.0.1/keep': '',
    'apps/8080/keep': '',
  });
  const manifest = await loadManifest({
    cwd: project.dir,
    env: { APPS: path.join(project.dir, 'apps'), HOST: 'elsewhere', DEVSUP_SERVICE: 'x', PORT: '8080' },
  });
  expect(manifest.services.map((service) => path.relative(project.dir, service.cwd))).toEqual(['apps/web', 'apps/api-127.0.0.1', 'apps/8080']);
});

test('cwd cannot depend on a port, nor on what only devsup up knows; its folder is still checked', async () => {
  const manifest = [
    'services:',
    '  web: { command: x, port: 1, port_env: WEB_PORT, cwd: "${port}${PORT}${PORT:-1}${WEB_PORT}" }',
    '  api: { command: x, cwd: "${web.port}${web.url}${DEVSUP_WEB_PORT}" }',
    '  db: { command: x, cwd: "${DEVSUP_INSTANCE}${NOWHERE}" }',
    '  docs: { command: x, cwd: "${SUB}/x" }',
    '',
  ].join('\n');
  const PORT = 'cwd cannot depend on a port: the folder is checked before ports are allocated';
  expect(await problemsOf({ 'services.yaml': manifest }, { PORT: '5', WEB_PORT: '5', SUB: 'sub' })).toEqual([
    ...['${port}', '${PORT}', '${PORT:-1}', '${WEB_PORT}'].map((text) => `services.yaml:2:56: "${text}": ${PORT}`),
    ...['${web.port}', '${web.url}', '${DEVSUP_WEB_PORT}'].map((text) => `services.yaml:3:27: "${text}": ${PORT}`),
    'services.yaml:4:26: "${DEVSUP_INSTANCE}": cwd cannot use DEVSUP_INSTANCE, which is set only once devsup up runs',
    'services.yaml:4:26: "${NOWHERE}": NOWHERE is not set in the environment or an env file; give a default with ${NOWHERE:-value}',
    'services.yaml:5:28: cwd "sub/x" (from "${SUB}/x") does not exist',
  ]);
});
