import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { DevsupError, UsageError } from '../errors.js';
import { findManifest } from './find-manifest.js';

const project = tempProjects();

test('services.yaml in the folder itself', () => {
  const { dir } = project({ 'services.yaml': '' });
  expect(findManifest(dir)).toEqual({ file: path.join(dir, 'services.yaml'), kind: 'yaml' });
});

test('services.yml, and the nearest parent that has a manifest', () => {
  const { dir } = project({ 'services.yml': '', 'a/services.yaml': '', 'a/b/c/keep': '' });
  expect(findManifest(path.join(dir, 'a/b/c'))).toEqual({ file: path.join(dir, 'a/services.yaml'), kind: 'yaml' });
  expect(findManifest(path.join(dir, 'a/..'))).toEqual({ file: path.join(dir, 'services.yml'), kind: 'yaml' });
});

test('a services.yaml anywhere up the tree wins over a nearer Procfile', () => {
  const { dir } = project({ 'services.yaml': '', 'app/Procfile': '' });
  expect(findManifest(path.join(dir, 'app')).file).toBe(path.join(dir, 'services.yaml'));
});

test('a Procfile in the folder or a parent when no services.yaml exists', () => {
  const { dir } = project({ Procfile: 'web: x\n', 'app/keep': '' });
  expect(findManifest(path.join(dir, 'app'))).toEqual({ file: path.join(dir, 'Procfile'), kind: 'procfile' });
});

test("Procfile.dev (what Rails' bin/dev runs) before Procfile in the same folder; a nearer Procfile before a farther Procfile.dev", () => {
  const { dir } = project({ Procfile: 'web: x\n', 'Procfile.dev': 'web: y\n', 'app/Procfile': 'web: z\n' });
  expect(findManifest(dir)).toEqual({ file: path.join(dir, 'Procfile.dev'), kind: 'procfile' });
  expect(findManifest(path.join(dir, 'app')).file).toBe(path.join(dir, 'app/Procfile'));
});

test('-f is relative to cwd; a Procfile.* name is read as a Procfile', () => {
  const { dir } = project({ 'ops/stack.yaml': '', 'Procfile.dev': '' });
  expect(findManifest(dir, 'ops/stack.yaml')).toEqual({ file: path.join(dir, 'ops/stack.yaml'), kind: 'yaml' });
  expect(findManifest(dir, 'Procfile.dev').kind).toBe('procfile');
});

test('a missing -f file is an error with exit code 2', () => {
  const { dir } = project({ 'ops/keep': '' });
  expect(() => findManifest(dir, 'nope.yaml')).toThrow(new DevsupError('manifest nope.yaml not found', 2, 'Check the path given to -f.'));
});

test('-f with a folder names the manifest inside it; -f with a device or pipe says it is not a regular file', () => {
  const { dir } = project({ 'ops/keep': '', 'app/services.yml': '', 'legacy/Procfile': '' });
  const thrown = (file: string): DevsupError => {
    try {
      findManifest(dir, file);
    } catch (error) {
      return error as DevsupError;
    }
    return expect.fail(`findManifest(${file}) should have thrown`);
  };
  const folder = thrown('ops');
  expect(folder).toBeInstanceOf(UsageError);
  expect([folder.message, folder.hint, folder.exitCode]).toEqual([
    'ops is a folder: pass the manifest inside it, e.g. -f ops/services.yaml',
    'Check the path given to -f.',
    2,
  ]);
  expect(thrown('app/').message).toBe('app/ is a folder: pass the manifest inside it: -f app/services.yml');
  expect(thrown('legacy').message).toBe('legacy is a folder: pass the manifest inside it: -f legacy/Procfile');
  const device = thrown('/dev/null');
  expect(device).toBeInstanceOf(UsageError);
  expect([device.message, device.exitCode]).toEqual(['/dev/null is not a regular file: pass a manifest file, e.g. -f services.yaml', 2]);
});

test('no manifest anywhere up the tree is an error that suggests devsup init', () => {
  // The temp folder's parents (/tmp, /) are outside the test's control: a stray manifest there is
  // a broken precondition, said plainly rather than passed by luck.
  const strays = ancestorsOf(os.tmpdir())
    .flatMap((dir) => ['services.yaml', 'services.yml', 'Procfile'].map((name) => path.join(dir, name)))
    .filter((file) => existsSync(file));
  expect(strays, 'manifests above the temp folder would be found first').toEqual([]);
  const { dir } = project({ 'empty/keep': '' });
  const error = (() => {
    try {
      findManifest(path.join(dir, 'empty'));
    } catch (thrown) {
      return thrown as DevsupError;
    }
    return expect.fail('findManifest should have thrown');
  })();
  expect(error).toBeInstanceOf(DevsupError);
  expect(error.exitCode).toBe(2);
  expect(error.message).toBe(`no services.yaml found in ${path.join(dir, 'empty')} or any parent folder`);
  expect(error.hint).toBe('Run `devsup init` to create one, or pass a manifest with -f FILE.');
});

function ancestorsOf(dir: string): string[] {
  const parent = path.dirname(dir);
  return parent === dir ? [dir] : [dir, ...ancestorsOf(parent)];
}
