import { statSync } from 'node:fs';
import path from 'node:path';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import { addIssue, reportWrong } from './validators.js';
import { childOf, emptyMap, type MapEntry, type MapNode, type YamlNode } from './yaml-node.js';

/** Top-level keys an included file may have: its services, its own includes, and what the including manifest decides (ignored there). */
const INCLUDED_KEYS = ['services', 'include', 'project', 'port_range'];

/** Reads and parses one included file (its display name for messages); undefined when it cannot be. */
export type ReadIncluded = (file: string) => Promise<MapNode | undefined>;

/** Where the services of included files came from. */
export interface Included {
  /** Every included file, absolute, in the order read. */
  files: string[];
  /** Service key → the absolute path of the file that defines it, for each included service. */
  serviceFiles: Map<string, string>;
}

/**
 * `include: [packages/api/services.yaml, …]`: the services of other manifests, merged into `root`'s
 * `services` (each file resolved relative to the one that names it, its own includes too). A service
 * defined twice is an issue naming both places; so are a cycle, a missing file, and a setting an
 * included file has that would be lost (`env`, `env_file`: give them to its services instead).
 */
export async function resolveIncludes(root: MapNode, file: string, read: ReadIncluded, issues: ManifestIssue[]): Promise<Included> {
  const included: Included = { files: [], serviceFiles: new Map() };
  const services = servicesMap(root);
  const definedAt = new Map<string, SourcePosition>([...services.entries].map(([key, entry]) => [key, entry.keyPos]));
  const visit = async (map: MapNode, from: string, chain: string[]): Promise<void> => {
    for (const { target, pos } of includeTargets(childOf(map, 'include'), path.dirname(from), issues)) {
      if (chain.includes(target)) {
        const names = [...chain.slice(chain.indexOf(target)), target].map((name) => path.relative(path.dirname(file), name) || path.basename(name));
        addIssue(issues, pos, `include cycle: ${names.join(' → ')}`);
        continue;
      }
      if (included.files.includes(target)) continue; // reached along two paths: its services are in once
      const stats = statSync(target, { throwIfNoEntry: false });
      if (!stats?.isFile()) {
        addIssue(issues, pos, `include "${path.relative(path.dirname(from), target)}" ${stats ? 'is not a file' : 'does not exist'}`);
        continue;
      }
      included.files.push(target);
      const child = await read(target);
      if (child === undefined) continue;
      for (const [key, entry] of child.entries) {
        if (INCLUDED_KEYS.includes(key)) continue;
        const why = key === 'env' || key === 'env_file' ? `give its services "${key}" instead` : 'only services and include are read there';
        addIssue(issues, entry.keyPos, `"${key}" in an included manifest would be lost: ${why}`);
      }
      for (const [key, entry] of servicesMap(child).entries) mergeService(services, definedAt, key, entry, target, included, issues);
      await visit(child, target, [...chain, target]);
    }
  };
  await visit(root, file, [file]);
  return included;
}

function mergeService(
  services: MapNode,
  definedAt: Map<string, SourcePosition>,
  key: string,
  entry: MapEntry,
  file: string,
  included: Included,
  issues: ManifestIssue[],
): void {
  const first = definedAt.get(key);
  if (first !== undefined) {
    addIssue(issues, entry.keyPos, `service "${key}" is defined twice: here and at ${first.file}:${first.line}:${first.column}; rename one`);
    return;
  }
  definedAt.set(key, entry.keyPos);
  services.entries.set(key, entry);
  included.serviceFiles.set(key, file);
}

/** The `services` map of a manifest, made when it has none (an including manifest may define none itself). */
function servicesMap(root: MapNode): MapNode {
  const node = childOf(root, 'services');
  if (node?.kind === 'map') return node;
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) {
    const map = emptyMap(node?.pos ?? root.pos);
    root.entries.set('services', { keyPos: node?.pos ?? root.pos, node: map });
    return map;
  }
  return emptyMap(node.pos); // not a map: reported by validation, and nothing is merged into it
}

/** `include`: a path or a list of paths, each absolute once resolved against `dir`. */
function includeTargets(node: YamlNode | undefined, dir: string, issues: ManifestIssue[]): { target: string; pos: SourcePosition }[] {
  if (node === undefined) return [];
  const items = node.kind === 'list' ? node.items : [node];
  if (!items.every((item) => item.kind === 'scalar' && typeof item.value === 'string' && item.value !== '')) {
    reportWrong(issues, node, 'include', 'a path or a list of paths to other manifests');
    return [];
  }
  return items.map((item) => ({ target: path.resolve(dir, (item as { value: string }).value), pos: item.pos }));
}
