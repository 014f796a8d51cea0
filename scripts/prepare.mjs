// `prepare`: builds dist/ unless it is newer than everything it is built from.
// npm runs prepare on `npm install`, and npm 11's `npx devsup`, run inside this folder, links the folder
// into npx's cache and runs prepare again each time it does so: a full build there is ~7 s of silence
// before devsup starts, and a Ctrl-C in that window leaves npx's cache broken (ENOENT on every later
// npx). With dist/ up to date this takes a few milliseconds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const OUTPUT = 'dist/bin/devsup.js';
const SOURCES = ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time under `entry` (0 when it does not exist). */
function newestChange(entry) {
  const stat = statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newestChange(path.join(entry, name))));
}

/** Whether the build in `root` is newer than every file it is built from. */
export function isBuildUpToDate(root) {
  const output = path.join(root, OUTPUT);
  return existsSync(output) && statSync(output).mtimeMs > Math.max(...SOURCES.map((source) => newestChange(path.join(root, source))));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && !isBuildUpToDate('.')) {
  // Through the npm that runs this script (npm_execpath), so the build is exactly `npm run build`.
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exitCode = result.status ?? 1;
}
