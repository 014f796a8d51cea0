import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_MANIFEST } from '../manifest/find-manifest.js';
import { STATE_FOLDER } from './state-paths.js';

/** Patterns that ignore a `.devsup` folder wherever it is. */
const ANYWHERE = new Set([STATE_FOLDER, `${STATE_FOLDER}/`, `**/${STATE_FOLDER}`, `**/${STATE_FOLDER}/`]);

/**
 * Keeps `.devsup/` out of git: when the repository has a `.gitignore` (the nearest one from the
 * manifest's folder up to the repository's root) that does not ignore it, adds the line and
 * says so. A folder without a `.gitignore` is left alone: devsup does not create one.
 */
export function ignoreStateFolder(manifestDir: string, say: (message: string) => void): void {
  const file = findGitignore(manifestDir);
  if (!file) return;
  const text = readFileSync(file, 'utf8');
  const relative = path.relative(path.dirname(file), manifestDir).split(path.sep).join('/');
  const anchored = relative === '' ? [`/${STATE_FOLDER}`, `/${STATE_FOLDER}/`] : [`/${relative}/${STATE_FOLDER}`, `/${relative}/${STATE_FOLDER}/`, `${relative}/${STATE_FOLDER}`, `${relative}/${STATE_FOLDER}/`];
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines.some((line) => ANYWHERE.has(line) || anchored.includes(line) || line === `${STATE_FOLDER}/*` || line === `${STATE_FOLDER}/**`)) return;
  const entry = relative === '' ? `${STATE_FOLDER}/` : `/${relative}/${STATE_FOLDER}/`;
  appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${entry}\n`);
  say(`added ${entry} to ${file}: devsup's state folder (ports, logs, socket) does not belong in git.`);
}

/** The nearest `.gitignore` from `dir` up to the folder that holds `.git`; only `dir`'s own outside a repository. */
function findGitignore(dir: string): string | undefined {
  for (let folder = dir; ; folder = path.dirname(folder)) {
    const candidate = path.join(folder, '.gitignore');
    if (existsSync(candidate)) return folder === dir || isInsideRepository(folder) ? candidate : undefined;
    if (existsSync(path.join(folder, '.git')) || path.dirname(folder) === folder) return undefined;
  }
}

function isInsideRepository(folder: string): boolean {
  for (let current = folder; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, '.git'))) return true;
    if (path.dirname(current) === current) return false;
  }
}

/**
 * For `devsup init`: `.devsup/` and `services.local.yaml` (a developer's own overrides) in the
 * `.gitignore` beside the manifest, created if missing. Returns the lines it added.
 */
export function ignoreDevsupFiles(manifestDir: string): string[] {
  const file = path.join(manifestDir, '.gitignore');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = new Set(text.split(/\r?\n/).map((line) => line.trim()));
  const missing = [];
  if (![...ANYWHERE, `/${STATE_FOLDER}`, `/${STATE_FOLDER}/`].some((line) => lines.has(line))) missing.push(`${STATE_FOLDER}/`);
  if (![LOCAL_MANIFEST, `/${LOCAL_MANIFEST}`, `**/${LOCAL_MANIFEST}`].some((line) => lines.has(line))) missing.push(LOCAL_MANIFEST);
  if (missing.length === 0) return [];
  if (text === '') writeFileSync(file, `${missing.join('\n')}\n`);
  else appendFileSync(file, `${text.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`);
  return missing;
}
