import path from 'node:path';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import { findCycles } from './dependency-graph.js';
import { readEnvFiles } from './env-files.js';
import { checkReferences } from './check-references.js';
import { readService, type ServiceContext } from './read-service.js';
import { DEFAULT_PORT_RANGE, type Manifest, type ServiceSpec } from './service-spec.js';
import { addIssue, checkKeys, readEnv, readPortRange, readString, reportWrong } from './validators.js';
import { childOf, type MapNode } from './yaml-node.js';

/** Every top-level key devsup knows; docs/manifest.md documents each, the JSON Schema has each (both tested). */
export const TOP_LEVEL_KEYS = ['project', 'env', 'env_file', 'port_range', 'include', 'services'] as const;

/** What the pipeline knows before reading the merged tree. */
export interface ManifestOrigin {
  file: string;
  dir: string;
  sources: string[];
  overridden: Manifest['overridden'];
  serviceFiles?: Manifest['serviceFiles'];
}

/** The merged tree, checked as a whole and completed with the defaults. Problems go to `issues`. */
export function readManifest(root: MapNode, origin: ManifestOrigin, processEnv: NodeJS.ProcessEnv, issues: ManifestIssue[]): Manifest {
  const { dir } = origin;
  checkKeys(root, TOP_LEVEL_KEYS, issues);
  const envFiles = new Set<string>();
  const fileEnv = readEnvFiles(childOf(root, 'env_file'), dir, issues, envFiles, { file: '.env', pos: root.pos });
  const services = readServices(root, { dir, issues, envFiles, topFileEnv: fileEnv, processEnv }, origin.serviceFiles);
  for (const cycle of findCycles(services)) {
    addIssue(issues, dependencyPosition(root, cycle[0]!, cycle[1]!), `dependency cycle: ${cycle.join(' → ')}`);
  }
  checkReferences(root, services, fileEnv, processEnv, issues);
  return {
    ...origin,
    project: readString(childOf(root, 'project'), 'project', issues) ?? path.basename(dir),
    env: readEnv(childOf(root, 'env'), 'env', issues),
    fileEnv,
    envFiles: [...envFiles],
    portRange: readPortRange(childOf(root, 'port_range'), 'port_range', issues) ?? DEFAULT_PORT_RANGE,
    services,
    document: root,
  };
}

/** Each service read relative to its own file's folder: the manifest's, or an included manifest's (`serviceFiles`). */
function readServices(root: MapNode, shared: Omit<ServiceContext, 'serviceKeys'>, serviceFiles?: Map<string, string>): ServiceSpec[] {
  const { issues } = shared;
  const node = childOf(root, 'services');
  if (node === undefined) {
    addIssue(issues, root.pos, 'missing "services": define at least one service');
    return [];
  }
  if (node.kind !== 'map') {
    if (node.kind === 'scalar' && node.value === null) addIssue(issues, node.pos, 'services is empty: define at least one service');
    else reportWrong(issues, node, 'services', 'a map of service names to their settings');
    return [];
  }
  if (node.entries.size === 0) addIssue(issues, node.pos, 'services is empty: define at least one service');
  const context = { ...shared, serviceKeys: [...node.entries.keys()] };
  return [...node.entries].flatMap(([key, entry]) => {
    const file = serviceFiles?.get(key);
    return readService(key, entry, file === undefined ? context : { ...context, dir: path.dirname(file) }) ?? [];
  });
}

/** Where `from` names `to` in its depends_on (a list item or a map key). */
function dependencyPosition(root: MapNode, from: string, to: string): SourcePosition {
  const service = childOf(childOf(root, 'services'), from);
  const dependsOn = childOf(service, 'depends_on')!;
  if (dependsOn.kind === 'map') return dependsOn.entries.get(to)!.keyPos;
  return (dependsOn.kind === 'list' && dependsOn.items.find((item) => item.kind === 'scalar' && item.value === to)?.pos) || dependsOn.pos;
}
