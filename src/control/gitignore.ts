import { closeSync, constants, existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { openRegularFile, readAll, reasonOf, shownPath, writeFully } from '../files/safe-files.js';
import { LOCAL_MANIFEST } from '../manifest/find-manifest.js';
import { STATE_FOLDER } from './state-paths.js';

/** Patterns that ignore a `.devsup` folder wherever it is. */
const ANYWHERE = new Set([STATE_FOLDER, `${STATE_FOLDER}/`, `**/${STATE_FOLDER}`, `**/${STATE_FOLDER}/`]);

/**
 * Keeps `.devsup/` out of git: when the repository has a `.gitignore` (the nearest one from the
 * manifest's folder up to the repository's root) that does not ignore it, adds the line and
 * says so. A folder without a `.gitignore` is left alone: devsup does not create one. Nor does
 * it write through a `.gitignore` that is a symlink, or fail `up` when the line cannot be added.
 */
export function ignoreStateFolder(manifestDir: string, say: (message: string) => void): void {
  const file = findGitignore(manifestDir);
  if (!file) return;
  const relative = path.relative(path.dirname(file), manifestDir).split(path.sep).join('/');
  const entry = relative === '' ? `${STATE_FOLDER}/` : `/${relative}/${STATE_FOLDER}/`;
  const anchored =
    relative === ''
      ? [`/${STATE_FOLDER}`, `/${STATE_FOLDER}/`]
      : [`/${relative}/${STATE_FOLDER}`, `/${relative}/${STATE_FOLDER}/`, `${relative}/${STATE_FOLDER}`, `${relative}/${STATE_FOLDER}/`];
  const ignores = (line: string) => ANYWHERE.has(line) || anchored.includes(line) || line === `${STATE_FOLDER}/*` || line === `${STATE_FOLDER}/**`;
  const added = appendMissing(file, new Map([[entry, ignores]]), false, say);
  if (added.length > 0) say(`added ${entry} to ${file}: devsup's state folder (ports, logs, socket) does not belong in git.`);
}

/** The nearest `.gitignore` from `dir` up to the folder that holds `.git`; only `dir`'s own outside a repository. */
function findGitignore(dir: string): string | undefined {
  for (let folder = dir; ; folder = path.dirname(folder)) {
    const candidate = path.join(folder, '.gitignore');
    if (lstatSync(candidate, { throwIfNoEntry: false })) return folder === dir || isInsideRepository(folder) ? candidate : undefined;
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
export function ignoreDevsupFiles(manifestDir: string, say: (message: string) => void): string[] {
  const forms = (lines: string[]) => (line: string) => lines.includes(line);
  const wanted = new Map([
    [`${STATE_FOLDER}/`, forms([...ANYWHERE, `/${STATE_FOLDER}`, `/${STATE_FOLDER}/`])],
    [LOCAL_MANIFEST, forms([LOCAL_MANIFEST, `/${LOCAL_MANIFEST}`, `**/${LOCAL_MANIFEST}`])],
  ]);
  return appendMissing(path.join(manifestDir, '.gitignore'), wanted, true, say);
}

/**
 * Appends to a `.gitignore` (made when `create`) each entry none of whose lines `wanted` already
 * accepts; returns those it added. A symlink is not written through, and a failure (a full disk,
 * a read-only file) is said, not thrown: the user can add the lines by hand.
 */
function appendMissing(file: string, wanted: Map<string, (line: string) => boolean>, create: boolean, say: (message: string) => void): string[] {
  const entries = [...wanted.keys()];
  const listed = `${entries.join(' and ')} to ${shownPath(file)}`;
  if (lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) {
    say(
      `not adding ${listed}: it is a symlink, and devsup does not write through one; add ${entries.length > 1 ? 'them' : entries[0]} to it yourself.`,
    );
    return [];
  }
  let fd: number | undefined;
  try {
    fd = openRegularFile(file, constants.O_RDWR | constants.O_APPEND | (create ? constants.O_CREAT : 0), { mode: 0o666 });
    const text = readAll(fd).toString('utf8');
    const lines = text.split(/\r?\n/).map((line) => line.trim());
    const missing = entries.filter((entry) => !lines.some(wanted.get(entry)!));
    if (missing.length > 0) writeFully(fd, Buffer.from(`${text === '' || text.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`));
    return missing;
  } catch (error) {
    say(`could not add ${listed}: ${reasonOf(error)}; add ${entries.length > 1 ? 'them' : 'it'} yourself.`);
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
