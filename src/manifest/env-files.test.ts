import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
import { loadManifest } from './load-manifest.js';

const newProject = tempProjects();

/** Loads `services.yaml` from `cwd` (default: the project) after writing the env files as bytes; the lines of its ManifestError. */
async function problemsOf(manifest: string, envFiles: Record<string, Buffer>, cwd = ''): Promise<string[]> {
  const project = newProject({ 'services.yaml': manifest, 'sub/keep': '' });
  for (const [name, bytes] of Object.entries(envFiles)) writeFileSync(path.join(project.dir, name), bytes);
  const error = await loadManifest({ cwd: path.join(project.dir, cwd), env: {} }).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(ManifestError);
  return (error as ManifestError).message.split('\n');
}

test('a NUL byte in an env file is reported at the variable that holds it, in the env file', async () => {
  const problems = await problemsOf('env_file: shared.env\nservices:\n  a: { command: x, env_file: [a.env] }\n', {
    '.env': Buffer.from('IGNORED=1\n'),
    'shared.env': Buffer.from('OK=1\nTOKEN=abc\0def\n'),
    'a.env': Buffer.from('export  SECRET = "x\0"\nSECRET=fine\nSECRET=\0\n'),
  });
  expect(problems).toEqual([
    'a.env:3:8: SECRET contains a NUL byte, which no process can receive: remove it',
    'shared.env:2:10: TOKEN contains a NUL byte, which no process can receive: remove it',
  ]);
});

test('the default .env too, named relative to where devsup ran', async () => {
  expect(await problemsOf('services:\n  a: { command: x }\n', { '.env': Buffer.from('A=\0\n') }, 'sub')).toEqual([
    '../.env:1:3: A contains a NUL byte, which no process can receive: remove it',
  ]);
});

test('an env file that is not UTF-8 is reported at its first bad byte', async () => {
  expect(await problemsOf('services:\n  a: { command: x, env_file: a.env }\n', { 'a.env': Buffer.from('A=1\nB=caf\xe9\n', 'latin1') })).toEqual([
    'a.env:2:6: invalid UTF-8 (byte 0xe9): save the file as UTF-8',
  ]);
});
