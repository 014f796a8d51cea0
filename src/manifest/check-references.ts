import type { ManifestIssue } from '../errors.js';
import { parseTemplate, type Reference } from './interpolate.js';
import type { ServiceSpec } from './service-spec.js';
import { findShellContexts } from './shell-context.js';
import { didYouMean } from './suggest.js';
import { addIssue } from './validators.js';
import { childOf, type YamlNode } from './yaml-node.js';

interface Scope {
  owner: ServiceSpec; // the service the template is rendered for
  field: 'command' | 'env' | 'url';
  topLevel: boolean; // the top-level `env`, rendered once per service
  shell?: boolean; // a string command
}

/**
 * Checks every `${…}` of `command`, `env` and `url` at load time, so nothing starts with a reference
 * that cannot be resolved once ports are allocated. `topFileEnv` and `processEnv` answer `${VAR}`
 * after the service's own env files.
 */
export function checkReferences(
  root: YamlNode,
  services: ServiceSpec[],
  topFileEnv: Record<string, string>,
  processEnv: NodeJS.ProcessEnv,
  issues: ManifestIssue[],
): void {
  const byKey = new Map(services.map((service) => [service.key, service]));
  const found: ManifestIssue[] = [];
  const check = (node: YamlNode, scope: Scope): void => {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') return;
    const parsed = parseTemplate(node.value);
    if ('error' in parsed) {
      addIssue(found, node.pos, parsed.error);
      return;
    }
    // A string command runs through a shell: each value must sit where it can be quoted.
    const contexts = scope.shell ? findShellContexts(parsed.parts) : [];
    let index = 0;
    for (const part of parsed.parts) {
      if (typeof part === 'string') continue;
      const context = contexts[index++];
      const problem = describeProblem(part.ref, scope, byKey, topFileEnv, processEnv) ?? (context && 'unsupported' in context ? context.unsupported : undefined);
      if (problem !== undefined) addIssue(found, node.pos, `"${part.text}": ${problem}`);
    }
  };
  for (const owner of services) {
    const service = childOf(childOf(root, 'services'), owner.key);
    const command = childOf(service, 'command');
    if (command?.kind === 'list') for (const node of command.items) check(node, { owner, field: 'command', topLevel: false });
    else if (command) check(command, { owner, field: 'command', topLevel: false, shell: true });
    for (const { env, topLevel } of [{ env: childOf(root, 'env'), topLevel: true }, { env: childOf(service, 'env'), topLevel: false }]) {
      if (env?.kind === 'map') for (const { node } of env.entries.values()) check(node, { owner, field: 'env', topLevel });
    }
    const url = childOf(service, 'url');
    if (url) check(url, { owner, field: 'url', topLevel: false });
  }
  // The top-level env is checked once per service; say each problem once.
  const seen = new Set<string>();
  for (const issue of found) {
    const id = `${issue.file}:${issue.line}:${issue.column}:${issue.message}`;
    if (!seen.has(id)) issues.push(issue);
    seen.add(id);
  }
}

function describeProblem(
  ref: Reference,
  { owner, field, topLevel }: Scope,
  byKey: Map<string, ServiceSpec>,
  topFileEnv: Record<string, string>,
  processEnv: NodeJS.ProcessEnv,
): string | undefined {
  if (ref.kind === 'var') {
    if (ref.fallback !== undefined || ref.name in owner.fileEnv || ref.name in topFileEnv || processEnv[ref.name] !== undefined) return undefined;
    return `${ref.name} is not set in the environment or an env file; give a default with \${${ref.name}:-value}`;
  }
  const target = ref.service === undefined ? owner : byKey.get(ref.service);
  if (target === undefined) return `unknown service "${ref.service}"${didYouMean(ref.service!, byKey.keys())}`;
  if (ref.kind === 'url') {
    if (field === 'url') return 'a url cannot refer to another url';
    return target.url === undefined && target.ports.length === 0 ? `service "${target.key}" has no url` : undefined;
  }
  const names = target.ports.map((port) => port.name);
  if (names.length === 0) {
    return topLevel && ref.service === undefined
      ? `the top-level env is given to every service, but service "${target.key}" has no port`
      : `service "${target.key}" has no port`;
  }
  if (ref.name !== undefined && !names.includes(ref.name)) return `service "${target.key}" has no port named "${ref.name}"${didYouMean(ref.name, names)}`;
  return undefined;
}
