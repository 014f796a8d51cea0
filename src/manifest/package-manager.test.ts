import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { detectPackageManager, runScriptCommand } from './package-manager.js';

const newProject = tempProjects();

test("the packageManager field names it, else the lock file, else it's npm", () => {
  expect(detectPackageManager(newProject({ 'yarn.lock': '' }).dir, 'pnpm@9.1.0')).toBe('pnpm');
  expect(detectPackageManager(newProject({ 'yarn.lock': '' }).dir, undefined)).toBe('yarn');
  expect(detectPackageManager(newProject({ 'bun.lockb': '' }).dir, 'something-else')).toBe('bun');
  expect(detectPackageManager(newProject({ 'pnpm-workspace.yaml': 'packages: []\n' }).dir, undefined)).toBe('pnpm');
  expect(detectPackageManager(newProject({ 'package-lock.json': '{}' }).dir, undefined)).toBe('npm');
  expect(detectPackageManager(newProject({}).dir, undefined)).toBe('npm');
});

test('npm passes arguments on after --; pnpm, yarn and bun after the script name', () => {
  expect(runScriptCommand('npm', 'dev')).toBe('npm run dev');
  expect(runScriptCommand('npm', 'dev', ['--port', '${port}'])).toBe('npm run dev -- --port ${port}');
  expect(runScriptCommand('pnpm', 'dev', ['--port', '${port}'])).toBe('pnpm run dev --port ${port}');
  expect(runScriptCommand('yarn', 'start', ['--port', '${port}'])).toBe('yarn run start --port ${port}');
  expect(runScriptCommand('bun', 'dev')).toBe('bun run dev');
});
