import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { tempProjects } from '../test/helpers/temp-project.js';
import { areBuildToolsInstalled, globalGitInstallAdvice, isBuildUpToDate, isLinkingGlobalToTemporaryClone, localNpmEnvironment } from './prepare.mjs';

const project = tempProjects();
const PREPARE = fileURLToPath(new URL('./prepare.mjs', import.meta.url));

/** Sets a file's modification time to `secondsAgo` before now. */
const age = (file, secondsAgo) => utimesSync(file, new Date(), new Date(Date.now() - secondsAgo * 1000));

/** A project folder, with its build tools installed, whose build is `secondsOld` seconds older than its sources (negative: newer). */
function projectBuilt(secondsOld) {
  const tools = { 'node_modules/typescript/package.json': '{}', 'node_modules/esbuild/package.json': '{}' };
  const { dir } = project({ 'src/cli/main.ts': '', 'package.json': '{}', 'scripts/bundle.mjs': '', 'dist/bin/devsup.js': '', ...tools });
  for (const file of ['src/cli/main.ts', 'src/cli', 'src', 'package.json', 'scripts/bundle.mjs', 'scripts']) age(path.join(dir, file), 60);
  age(path.join(dir, 'dist/bin/devsup.js'), 60 + secondsOld);
  return dir;
}

/** Runs prepare.mjs in `dir` with a stand-in npm that only records how it was called, a line per call. */
function runPrepare(dir) {
  const record = path.join(dir, 'npm-was-run');
  const fakeNpm = path.join(dir, 'fake-npm.cjs');
  writeFileSync(fakeNpm, `require('node:fs').appendFileSync(${JSON.stringify(record)}, process.argv.slice(2).join(' ') + '\\n');`);
  const result = spawnSync(process.execPath, [PREPARE], { cwd: dir, env: { ...process.env, npm_execpath: fakeNpm }, encoding: 'utf8' });
  return { code: result.status, npmCalls: existsSync(record) ? readFileSync(record, 'utf8').trimEnd().split('\n') : [] };
}

test('a build newer than every source is up to date; a newer source, or no build, is not', () => {
  const dir = projectBuilt(-10);
  expect(isBuildUpToDate(dir)).toBe(true);
  age(path.join(dir, 'src/cli/main.ts'), 0); // an edit deep in src/
  expect(isBuildUpToDate(dir)).toBe(false);
  const { dir: unbuilt } = project({ 'src/cli/main.ts': '' });
  expect(isBuildUpToDate(unbuilt)).toBe(false);
});

test('prepare builds (npm run build) only when the build is out of date', () => {
  expect(runPrepare(projectBuilt(-10))).toEqual({ code: 0, npmCalls: [] });
  expect(runPrepare(projectBuilt(10))).toEqual({ code: 0, npmCalls: ['run build'] });
});

test('prepare installs the build tools first when npm left them out', () => {
  const dir = projectBuilt(10);
  rmSync(path.join(dir, 'node_modules'), { recursive: true });
  expect(runPrepare(dir)).toEqual({ code: 0, npmCalls: ['install --include=dev --ignore-scripts --no-save --no-audit --no-fund', 'run build'] });
});

test('build tools are installed when typescript and esbuild resolve from the folder', () => {
  expect(areBuildToolsInstalled(fileURLToPath(new URL('..', import.meta.url)))).toBe(true);
  const { dir } = project({ 'package.json': '{}' });
  expect(areBuildToolsInstalled(dir)).toBe(false);
});

test("the npm prepare starts installs locally: the outer npm's global-only settings are left out", () => {
  const outer = {
    PATH: '/usr/bin',
    npm_config_global: 'true',
    npm_config_location: 'global',
    npm_config_prefix: '/opt/npm',
    npm_config_allow_scripts: 'git+https://example.test/devsup.git',
    npm_config_cache: '/home/me/.npm',
  };
  expect(localNpmEnvironment(outer)).toEqual({ PATH: '/usr/bin', npm_config_cache: '/home/me/.npm' });
});

test('a global install from git that npm would link to its temporary clone is told apart, and told what works', () => {
  const preparing = { _PACOTE_NO_PREPARE_: 'git+https://example.test/devsup.git#0123abc', npm_config_global: 'true' };
  expect(isLinkingGlobalToTemporaryClone(preparing)).toBe(true);
  expect(isLinkingGlobalToTemporaryClone({ ...preparing, npm_config_install_links: 'true' })).toBe(false); // a copy
  expect(isLinkingGlobalToTemporaryClone({ ...preparing, npm_config_global: '' })).toBe(false); // an npm that prepares locally
  expect(isLinkingGlobalToTemporaryClone({ npm_config_global: 'true' })).toBe(false); // `npm install -g ./devsup`: a link to a lasting folder
  expect(globalGitInstallAdvice(preparing)).toMatch(
    /Install it as a copy instead: npm install -g --install-links git\+https:\/\/example\.test\/devsup\.git\n$/,
  );
});

test('prepare stops a global install from git that would be linked to a temporary clone, with exit 1 and the advice', () => {
  const dir = projectBuilt(10);
  const env = { ...process.env, _PACOTE_NO_PREPARE_: 'git+file:///somewhere/devsup', npm_config_global: 'true', npm_config_install_links: '' };
  const result = spawnSync(process.execPath, [PREPARE], { cwd: dir, env, encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('npm install -g --install-links git+file:///somewhere/devsup');
});
