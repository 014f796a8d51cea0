import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { tempProjects } from '../test/helpers/temp-project.js';
import { isBuildUpToDate } from './prepare.mjs';

const project = tempProjects();
const PREPARE = fileURLToPath(new URL('./prepare.mjs', import.meta.url));

/** Sets a file's modification time to `secondsAgo` before now. */
const age = (file, secondsAgo) => utimesSync(file, new Date(), new Date(Date.now() - secondsAgo * 1000));

/** A project folder whose build is `secondsOld` seconds older than its sources (negative: newer). */
function projectBuilt(secondsOld) {
  const { dir } = project({ 'src/cli/main.ts': '', 'package.json': '{}', 'scripts/bundle.mjs': '', 'dist/bin/devsup.js': '' });
  for (const file of ['src/cli/main.ts', 'src/cli', 'src', 'package.json', 'scripts/bundle.mjs', 'scripts']) age(path.join(dir, file), 60);
  age(path.join(dir, 'dist/bin/devsup.js'), 60 + secondsOld);
  return dir;
}

/** Runs prepare.mjs in `dir` with a stand-in npm that only records how it was called. */
function runPrepare(dir) {
  const record = path.join(dir, 'npm-was-run');
  const fakeNpm = path.join(dir, 'fake-npm.cjs');
  writeFileSync(fakeNpm, `require('node:fs').writeFileSync(${JSON.stringify(record)}, process.argv.slice(2).join(' '));`);
  const result = spawnSync(process.execPath, [PREPARE], { cwd: dir, env: { ...process.env, npm_execpath: fakeNpm }, encoding: 'utf8' });
  return { code: result.status, npmArgs: existsSync(record) ? readFileSync(record, 'utf8') : undefined };
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
  expect(runPrepare(projectBuilt(-10))).toEqual({ code: 0, npmArgs: undefined });
  expect(runPrepare(projectBuilt(10))).toEqual({ code: 0, npmArgs: 'run build' });
});
