import path from 'node:path';
import { DevsupError, ManifestError, UsageError, type ManifestIssue } from '../errors.js';
import { readInputFile, reasonOf } from '../files/safe-files.js';
import { checkExecLimits } from './check-exec-limits.js';
import { checkReplacedEnv } from './check-replaced-env.js';
import { decodeUtf8 } from './decode-utf8.js';
import { findManifest, LOCAL_MANIFEST, type FoundManifest } from './find-manifest.js';
import { applyPortOverrides, applyScaleOverrides, mergeLocal, type Overridden } from './merge-overrides.js';
import { parseProcfile } from './procfile.js';
import { procfileBasePort } from './procfile-base-port.js';
import { applyProfiles } from './profiles.js';
import { readYaml } from './read-yaml.js';
import { readManifest } from './read-manifest.js';
import { expandReplicas } from './replicas.js';
import type { Manifest } from './service-spec.js';
import { resolveIncludes } from './resolve-includes.js';
import { childOf, emptyMap, type MapNode, type YamlNode } from './yaml-node.js';

export interface LoadManifestOptions {
  cwd: string; // where the user ran devsup
  file?: string; // -f FILE (relative to cwd)
  portOverrides?: string[]; // from `--port llm=11000` (also `svc.NAME=N` for a named port)
  env?: NodeJS.ProcessEnv; // default process.env; used for ${VAR} lookups
  basePort?: string; // from `--base-port 3000`: a Procfile's first port
  profiles?: string[]; // from `--profile debug` (DEVSUP_PROFILES in `env` adds more)
  scale?: string[]; // from `--scale web=3`
  note?(message: string): void; // worth saying, but no error: a .foreman setting devsup does not use
}

/**
 * find → decode → parse (keeping positions) → merge the included manifests → merge services.local.yaml → merge `--port` → validate and
 * apply defaults → mark the services of the active profiles → expand replicas. Every manifest problem comes back at once in one ManifestError; a bad `--port` is a UsageError.
 */
export async function loadManifest(options: LoadManifestOptions): Promise<Manifest> {
  const { cwd, env = process.env } = options;
  const found = findManifest(cwd, options.file);
  const dir = path.dirname(found.file);
  const localFile = path.join(dir, LOCAL_MANIFEST);
  const displayName = (file: string): string => {
    const relative = path.relative(cwd, file);
    return relative === '' || path.isAbsolute(relative) ? file : relative;
  };

  const issues: ManifestIssue[] = [];
  if (options.basePort !== undefined && found.kind !== 'procfile') {
    throw new UsageError(
      `--base-port gives a Procfile's processes their ports, but ${displayName(found.file)} is not a Procfile.`,
      'In a services.yaml, each service has its own `port:`.',
    );
  }
  const basePort =
    found.kind === 'procfile' ? await procfileBasePort(dir, options.basePort, displayName, issues, options.note ?? (() => {})) : undefined;
  const parsed = await parseSource(await readBytes(found.file), found.kind, displayName(found.file), issues, basePort);
  const root = topLevelMap(parsed, displayName(found.file), issues);
  const sources = [found.file];
  const readIncluded = async (file: string) =>
    topLevelMap(await parseSource(await readBytes(file), 'yaml', displayName(file), issues), displayName(file), issues);
  // Only a manifest that includes others pays for the walk.
  const included = childOf(root, 'include') === undefined ? undefined : await resolveIncludes(root, found.file, readIncluded, issues);
  for (const source of included?.files ?? []) sources.push(source);
  const overridden: Overridden = new Map();
  const localBytes = await readOptionalBytes(localFile);
  if (localBytes !== undefined) {
    sources.push(localFile);
    const local = await parseSource(localBytes, 'yaml', displayName(localFile), issues);
    mergeLocal(root, topLevelMap(local, displayName(localFile), issues), overridden);
  }
  // Later checks on a tree that failed to parse would only add noise.
  if (issues.length > 0) throw new ManifestError(sortIssues(issues, sources.map(displayName)));

  applyPortOverrides(root, options.portOverrides ?? [], overridden);
  if (options.scale !== undefined) applyScaleOverrides(root, options.scale, overridden);
  const serviceFiles = included?.serviceFiles;
  const manifest = readManifest(root, { file: found.file, dir, sources, overridden, ...(serviceFiles && { serviceFiles }) }, env, issues);
  checkReplacedEnv(root, manifest.services, issues);
  checkExecLimits(root, manifest, env, issues);
  if (issues.length > 0) throw new ManifestError(sortIssues(issues, sources.map(displayName)));
  applyProfiles(manifest, options.profiles ?? [], env.DEVSUP_PROFILES);
  return withReplicas(manifest);
}

/** The manifest with each replicated service as its replicas (`declared` keeps them as written). */
function withReplicas(manifest: Manifest): Manifest {
  const services = expandReplicas(manifest.services);
  return services === manifest.services ? manifest : { ...manifest, services, declared: manifest.services };
}

/** The file's tree; undefined when it is empty or its problems (in `issues`) leave none. */
async function parseSource(
  bytes: Buffer,
  kind: FoundManifest['kind'],
  file: string,
  issues: ManifestIssue[],
  basePort?: number,
): Promise<YamlNode | undefined> {
  const decoded = decodeUtf8(bytes, file);
  if ('issue' in decoded) {
    issues.push(decoded.issue);
    return undefined;
  }
  const parsed = kind === 'procfile' ? parseProcfile(decoded.text, file, basePort) : await readYaml(decoded.text, file);
  // One at a time: spread into push's arguments, 200,000 of them (a key repeated that often) overflowed the stack.
  for (const issue of parsed.issues) issues.push(issue);
  return parsed.root;
}

async function readBytes(file: string): Promise<Buffer> {
  const bytes = await readOptionalBytes(file);
  if (bytes === undefined) throw new DevsupError(`manifest ${file} not found`, 2); // it vanished after findManifest saw it
  return bytes;
}

/** The file's bytes, or undefined when it does not exist. */
async function readOptionalBytes(file: string): Promise<Buffer | undefined> {
  try {
    return readInputFile(file);
  } catch (error) {
    throw new DevsupError(`cannot read ${file}: ${reasonOf(error)}`, 2);
  }
}

/** The document's top level, which must be a map; an empty file counts as an empty map. */
function topLevelMap(root: YamlNode | undefined, file: string, issues: ManifestIssue[]): MapNode {
  if (root === undefined) return emptyMap({ file, line: 1, column: 1 });
  if (root.kind === 'map') return root;
  issues.push({ ...root.pos, message: 'the top level must be a map of settings, e.g. "services:"' });
  return emptyMap(root.pos);
}

/** By file (the manifest, the local file, then others such as env files by name), then by line and column. */
function sortIssues(issues: ManifestIssue[], files: string[]): ManifestIssue[] {
  const rank = (file: string): number => (files.includes(file) ? files.indexOf(file) : files.length);
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...issues].sort((a, b) => rank(a.file) - rank(b.file) || byName(a.file, b.file) || a.line - b.line || a.column - b.column);
}
