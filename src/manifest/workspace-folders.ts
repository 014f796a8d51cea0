import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { DevsupError, ManifestError, type ManifestIssue } from '../errors.js';
import { decodeUtf8 } from './decode-utf8.js';
import { parseYaml } from './parse-yaml.js';
import { readStarterSource } from './starter-manifest.js';
import { reportWrong } from './validators.js';

/** One workspace pattern and where it was written (`package.json:5`), for messages. */
export interface WorkspacePattern {
  pattern: string;
  where: string;
}

/** How deep `**` looks: workspaces sit a level or two down, and a wide walk would be slow. */
const MAX_DEPTH = 6;

/**
 * The workspace patterns of a project: pnpm-workspace.yaml's `packages`, else package.json's
 * `workspaces` (npm, yarn and bun: a list, or yarn's `{packages: […]}`); undefined when there are none.
 * `packageText` is package.json as written (for line numbers), `display` names a file for messages.
 */
export function readWorkspacePatterns(
  root: string,
  packageJson: Record<string, unknown>,
  packageText: string,
  display: (file: string) => string,
): WorkspacePattern[] | undefined {
  const pnpmFile = path.join(root, 'pnpm-workspace.yaml');
  const pnpm = readPnpmWorkspace(pnpmFile, display(pnpmFile));
  if (pnpm !== undefined) return pnpm;
  const { workspaces } = packageJson;
  if (workspaces === undefined) return undefined;
  const file = display(path.join(root, 'package.json'));
  const yarnStyle = typeof workspaces === 'object' && workspaces !== null ? (workspaces as { packages?: unknown }).packages : undefined;
  const list: unknown = Array.isArray(workspaces) ? workspaces : yarnStyle;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw new DevsupError(
      `${file}:${lineOf(packageText, '"workspaces"', 0)}: "workspaces" must be a list of folder patterns, e.g. ["packages/*"], or {"packages": [...]}.`,
      2,
      'Fix package.json (npm would refuse it too), then run devsup init again.',
    );
  }
  const start = Math.max(0, packageText.indexOf('"workspaces"'));
  return list.map((pattern: string) => ({ pattern, where: `${file}:${lineOf(packageText, JSON.stringify(pattern), start)}` }));
}

/** pnpm-workspace.yaml's `packages` list, or undefined without the file or the key. */
function readPnpmWorkspace(file: string, shown: string): WorkspacePattern[] | undefined {
  const bytes = readStarterSource(file, shown);
  if (bytes === undefined) return undefined; // none
  const issues: ManifestIssue[] = [];
  const decoded = decodeUtf8(bytes, shown);
  if ('issue' in decoded) throw new ManifestError([decoded.issue]);
  const { root, issues: parseIssues } = parseYaml(decoded.text, shown);
  for (const issue of parseIssues) issues.push(issue);
  const packages = root?.kind === 'map' ? root.entries.get('packages')?.node : undefined;
  const patterns: WorkspacePattern[] = [];
  if (packages !== undefined && packages.kind !== 'list') reportWrong(issues, packages, 'packages', 'a list of folder patterns, e.g. [packages/*]');
  for (const item of packages?.kind === 'list' ? packages.items : []) {
    if (item.kind === 'scalar' && typeof item.value === 'string') patterns.push({ pattern: item.value, where: `${shown}:${item.pos.line}` });
    else reportWrong(issues, item, 'packages[]', 'a folder pattern such as packages/*');
  }
  if (issues.length > 0) throw new ManifestError(issues);
  return packages === undefined ? undefined : patterns;
}

/**
 * The workspace folders the patterns match (relative to `root`, with `/`), in pattern order; a
 * `!pattern` leaves out what it matches. Only real folders holding a package.json count: links are
 * not followed, `node_modules` and hidden folders not searched. A pattern that reaches outside
 * `root` is refused (exit 2). `note` hears of folders skipped for a reason the user may not expect.
 */
export function findWorkspaceFolders(root: string, patterns: WorkspacePattern[], note: (message: string) => void): string[] {
  const found: string[] = [];
  const excluded: ((folder: string) => boolean)[] = [];
  for (const { pattern, where } of patterns) {
    const negated = pattern.startsWith('!');
    const normalized = checkPattern(negated ? pattern.slice(1) : pattern, where);
    if (negated) excluded.push(picomatch(normalized));
    else
      for (const folder of expand(root, normalized, (link) =>
        note(`${where}: ${link} is a link, not followed: devsup follows no link it did not make`),
      ))
        if (!found.includes(folder)) found.push(folder);
  }
  return found.filter((folder) => !excluded.some((matches) => matches(folder)));
}

/** The pattern in `/` form without `./`; refused when it holds a control character or leaves the project's folder. */
function checkPattern(pattern: string, where: string): string {
  const hint = 'Workspaces must be folders inside the project: fix the pattern, or run devsup init in the folder that holds them all.';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f]/.test(pattern))
    throw new DevsupError(`${where}: workspace pattern ${JSON.stringify(pattern)} holds a control character.`, 2, hint);
  const normalized = path.posix.normalize(pattern.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (path.posix.isAbsolute(normalized) || /^[A-Za-z]:/.test(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new DevsupError(`${where}: workspace pattern "${pattern}" reaches outside the project's folder.`, 2, hint);
  }
  return normalized === '.' ? '' : normalized;
}

/** The folders below `root` that `pattern` (segments of `*`, `?`, `{a,b}`, `**`) matches and that hold a package.json. */
function expand(root: string, pattern: string, link: (folder: string) => void): string[] {
  let current = [''];
  for (const segment of pattern.split('/').filter((part) => part !== '')) {
    const next: string[] = [];
    for (const folder of current) {
      if (segment === '**') {
        next.push(folder, ...descendants(root, folder, MAX_DEPTH));
      } else if (picomatch.scan(segment).isGlob) {
        const { folders, links } = subfolders(root, folder);
        const matches = (child: string) => picomatch.isMatch(path.posix.basename(child), segment);
        links.filter(matches).forEach(link);
        next.push(...folders.filter(matches));
      } else if (isRealFolder(path.join(root, folder, segment))) next.push(path.posix.join(folder, segment));
      else if (lstatSync(path.join(root, folder, segment), { throwIfNoEntry: false })?.isSymbolicLink()) link(path.posix.join(folder, segment));
    }
    current = [...new Set(next)];
  }
  return current.filter((folder) => folder !== '' && lstatSync(path.join(root, folder, 'package.json'), { throwIfNoEntry: false })?.isFile());
}

function descendants(root: string, folder: string, depth: number): string[] {
  if (depth === 0) return [];
  return subfolders(root, folder).folders.flatMap((child) => [child, ...descendants(root, child, depth - 1)]);
}

/** The real folders in `folder` and its links, by name; hidden ones and node_modules left out. */
function subfolders(root: string, folder: string): { folders: string[]; links: string[] } {
  let entries;
  try {
    entries = readdirSync(path.join(root, folder), { withFileTypes: true });
  } catch {
    return { folders: [], links: [] };
  }
  const visible = entries.filter((entry) => !entry.name.startsWith('.') && entry.name !== 'node_modules').sort((a, b) => (a.name < b.name ? -1 : 1));
  const named = (kind: (entry: (typeof visible)[number]) => boolean) => visible.filter(kind).map((entry) => path.posix.join(folder, entry.name));
  return { folders: named((entry) => entry.isDirectory()), links: named((entry) => entry.isSymbolicLink()) };
}

function isRealFolder(file: string): boolean {
  return lstatSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** The 1-based line of the first `needle` at or after `from`; the line of `from` when there is none. */
function lineOf(text: string, needle: string, from: number): number {
  const at = text.indexOf(needle, Math.max(0, from));
  return text.slice(0, at === -1 ? Math.max(0, from) : at).split('\n').length;
}
