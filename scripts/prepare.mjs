// `prepare`: builds dist/ unless it is newer than everything it is built from.
// npm runs prepare on `npm install`, and npm 11's `npx devsup`, run inside this folder, links the folder
// into npx's cache and runs prepare again each time it does so: a full build there is ~7 s of silence
// before devsup starts, and a Ctrl-C in that window leaves npx's cache broken (ENOENT on every later
// npx). With dist/ up to date this takes a few milliseconds.
//
// Installed from git, npm clones this repository into a temporary folder, runs `npm install` there (which
// should bring the devDependencies) and packs the result, running prepare on the way. Two npm faults meet
// us there, both from the npm in the clone inheriting the outer one's settings as npm_config_* variables:
// - With -g it installs the clone globally instead of installing into it, so the build finds no `tsc`.
//   Hence: when the build tools are missing, prepare installs them into this folder itself.
// - That global install is a link to the temporary clone, which npm deletes afterwards: the `devsup`
//   command would point at nothing, though npm reports success. `--install-links` makes it a copy, so
//   prepare stops such an install with the command that works (README.md, "Install").
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const OUTPUT = 'dist/bin/devsup.js';
const SOURCES = ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
/** The devDependencies `npm run build` runs. */
const BUILD_TOOLS = ['typescript', 'esbuild'];

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

/** Whether `npm run build` would find its tools from `root`. */
export function areBuildToolsInstalled(root) {
  const require = createRequire(path.resolve(root, 'package.json'));
  return BUILD_TOOLS.every((tool) => {
    try {
      require.resolve(`${tool}/package.json`);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The environment for the npm prepare starts: the outer npm's, which npm passes down as npm_config_*
 * variables, less what belongs to a global install: `-g`, `--location=global` and `--prefix` would send
 * it to the global folder, and `--allow-scripts` is refused by an install in a project.
 */
export function localNpmEnvironment(env) {
  const local = { ...env };
  for (const name of Object.keys(local)) if (/^npm_config_(global|location|prefix|allow_scripts)$/i.test(name)) delete local[name];
  return local;
}

/**
 * Whether this is the npm that a global install from git starts in its temporary clone, about to link
 * the global `devsup` to that clone. `_PACOTE_NO_PREPARE_` is how npm marks the git dependencies it is
 * preparing; the -g it should not have inherited comes as npm_config_global.
 */
export function isLinkingGlobalToTemporaryClone(env) {
  const global = env.npm_config_global === 'true' || env.npm_config_location === 'global';
  return env._PACOTE_NO_PREPARE_ !== undefined && global && env.npm_config_install_links !== 'true';
}

/** The one paragraph that stops such an install, with the command that works. */
export function globalGitInstallAdvice(env) {
  const url = (env._PACOTE_NO_PREPARE_ ?? '').split('\n').at(-1)?.replace(/#.*$/, '') || 'git+https://…';
  return (
    'devsup: npm would install devsup as a link to the temporary folder it cloned devsup into, and delete that folder afterwards, ' +
    `leaving a \`devsup\` command that points at nothing. Install it as a copy instead: npm install -g --install-links ${url}\n`
  );
}

/** Runs npm with `args` in this folder, through the npm that runs this script (npm_execpath) when there is one. */
function npm(args, env) {
  const npmCli = process.env.npm_execpath;
  const result = npmCli
    ? spawnSync(process.execPath, [npmCli, ...args], { stdio: 'inherit', env })
    : spawnSync('npm', args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
  return result.status ?? 1;
}

/** Installs the build tools when they are missing, then builds; returns the exit code. */
function build() {
  if (isLinkingGlobalToTemporaryClone(process.env)) {
    process.stderr.write(globalGitInstallAdvice(process.env));
    return 1;
  }
  const env = localNpmEnvironment(process.env);
  // --ignore-scripts: the tools need none (esbuild's postinstall is denied in package.json's allowScripts
  // too); --no-save: the lockfile stays as it was cloned.
  const installed = areBuildToolsInstalled('.')
    ? 0
    : npm(['install', '--include=dev', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund'], env);
  // The build through npm, so it is exactly `npm run build`.
  return installed === 0 ? npm(['run', 'build'], env) : installed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && !isBuildUpToDate('.')) process.exitCode = build();
