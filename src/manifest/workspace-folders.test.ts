import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { DevsupError, ManifestError } from '../errors.js';
import { findWorkspaceFolders, readWorkspacePatterns } from './workspace-folders.js';

const newProject = tempProjects();
const display = (root: string) => (file: string) => path.relative(root, file);
const PKG = '{"name":"x"}';

test('globs match real folders holding a package.json, in pattern order; ! leaves some out; ** looks deeper', () => {
  const { dir } = newProject({
    'apps/web/package.json': PKG,
    'apps/api/package.json': PKG,
    'apps/notes/README.md': 'no package.json: not a workspace',
    'apps/node_modules/dep/package.json': PKG,
    'packages/ui/package.json': PKG,
    'packages/legacy/package.json': PKG,
    'tools/deep/er/cli/package.json': PKG,
  });
  const patterns = ['packages/*', './apps/*/', '!packages/legacy', 'tools/**', 'apps/web'].map((pattern) => ({ pattern, where: 'package.json:3' }));
  expect(findWorkspaceFolders(dir, patterns, () => {})).toEqual(['packages/ui', 'apps/api', 'apps/web', 'tools/deep/er/cli']);
});

test('a link is not followed, and said so', () => {
  const { dir } = newProject({ 'elsewhere/lib/package.json': PKG, 'packages/own/package.json': PKG });
  mkdirSync(path.join(dir, 'linked'));
  symlinkSync(path.join(dir, 'elsewhere/lib'), path.join(dir, 'packages/lib'));
  symlinkSync(path.join(dir, 'elsewhere/lib'), path.join(dir, 'linked/lib'));
  const notes: string[] = [];
  const patterns = [
    { pattern: 'packages/*', where: 'package.json:2' },
    { pattern: 'linked/lib', where: 'package.json:3' },
  ];
  expect(findWorkspaceFolders(dir, patterns, (note) => notes.push(note))).toEqual(['packages/own']);
  expect(notes).toEqual([
    'package.json:2: packages/lib is a link, not followed: devsup follows no link it did not make',
    'package.json:3: linked/lib is a link, not followed: devsup follows no link it did not make',
  ]);
});

test('a pattern that leaves the project folder, or holds a control character, is refused with where it is written', () => {
  const { dir } = newProject({ 'packages/a/package.json': PKG });
  for (const pattern of ['../other/*', '/etc/*', 'packages/../../x', 'C:/work/*']) {
    expect(() => findWorkspaceFolders(dir, [{ pattern, where: 'package.json:4' }], () => {}), pattern).toThrow(
      new DevsupError(
        `package.json:4: workspace pattern "${pattern}" reaches outside the project's folder.`,
        2,
        'Workspaces must be folders inside the project: fix the pattern, or run devsup init in the folder that holds them all.',
      ),
    );
  }
  expect(() => findWorkspaceFolders(dir, [{ pattern: 'packages/\u001b[2J', where: 'package.json:4' }], () => {})).toThrow(
    'package.json:4: workspace pattern "packages/\\u001b[2J" holds a control character.',
  );
});

test("the patterns: pnpm-workspace.yaml's packages first, else package.json's workspaces (a list, or yarn's object), each with its line", () => {
  const { dir, write } = newProject({});
  const text = '{\n  "name": "mono",\n  "workspaces": [\n    "apps/*",\n    "packages/*"\n  ]\n}\n';
  expect(readWorkspacePatterns(dir, JSON.parse(text) as Record<string, unknown>, text, display(dir))).toEqual([
    { pattern: 'apps/*', where: 'package.json:4' },
    { pattern: 'packages/*', where: 'package.json:5' },
  ]);
  expect(readWorkspacePatterns(dir, { workspaces: { packages: ['libs/*'], nohoist: [] } }, '', display(dir))).toEqual([
    { pattern: 'libs/*', where: 'package.json:1' },
  ]);
  expect(readWorkspacePatterns(dir, { name: 'single' }, '', display(dir))).toBeUndefined();
  write('pnpm-workspace.yaml', '# the workspaces\npackages:\n  - "apps/*"\n  - "!apps/old"\n');
  expect(readWorkspacePatterns(dir, JSON.parse(text) as Record<string, unknown>, text, display(dir))).toEqual([
    { pattern: 'apps/*', where: 'pnpm-workspace.yaml:3' },
    { pattern: '!apps/old', where: 'pnpm-workspace.yaml:4' },
  ]);
});

test('workspaces that are not a list of patterns are refused, with the line', () => {
  const { dir, write } = newProject({});
  const text = '{\n  "workspaces": "apps/*"\n}\n';
  expect(() => readWorkspacePatterns(dir, JSON.parse(text) as Record<string, unknown>, text, display(dir))).toThrow(
    'package.json:2: "workspaces" must be a list of folder patterns, e.g. ["packages/*"], or {"packages": [...]}.',
  );
  write('pnpm-workspace.yaml', 'packages:\n  - apps/*\n  - { nested: map }\n');
  const error = (() => {
    try {
      readWorkspacePatterns(dir, {}, '', display(dir));
    } catch (thrown) {
      return thrown as ManifestError;
    }
  })();
  expect(error?.message).toBe('pnpm-workspace.yaml:3:5: packages[] must be a folder pattern such as packages/*, not a map');
});
