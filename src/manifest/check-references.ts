import type { ManifestIssue } from '../errors.js';
import { variable } from './env-record.js';
import { INSTANCE_MARKS, portVariables, replicaVariables } from './injected-env.js';
import { parseTemplate, type Reference } from './interpolate.js';
import { defaultUrl, type ServiceSpec } from './service-spec.js';
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
 * Checks every `${…}` of `command`, `stop_command`, `env` and `url` at load time, so nothing starts with a reference
 * that cannot be resolved once ports are allocated. `${VAR}` is first a variable devsup injects
 * (`${PORT}` of a service with a port), then the service's env files, `topFileEnv` and `processEnv`.
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
      const problem =
        describeProblem(part.ref, scope, byKey, topFileEnv, processEnv) ?? (context && 'unsupported' in context ? context.unsupported : undefined);
      if (problem !== undefined) addIssue(found, node.pos, `"${part.text}": ${problem}`);
    }
  };
  for (const owner of services) {
    const service = childOf(childOf(root, 'services'), owner.key);
    const command = childOf(service, 'command');
    if (command?.kind === 'list') for (const node of command.items) check(node, { owner, field: 'command', topLevel: false });
    else if (command) check(command, { owner, field: 'command', topLevel: false, shell: true });
    const stopCommand = childOf(service, 'stop_command');
    if (stopCommand) check(stopCommand, { owner, field: 'command', topLevel: false, shell: true });
    for (const { env, topLevel } of [
      { env: childOf(root, 'env'), topLevel: true },
      { env: childOf(service, 'env'), topLevel: false },
    ]) {
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
    const injected = injectedNames(owner, field, byKey);
    if (
      ref.fallback !== undefined ||
      injected.has(ref.name) ||
      Object.hasOwn(owner.fileEnv, ref.name) ||
      Object.hasOwn(topFileEnv, ref.name) ||
      variable(processEnv, ref.name) !== undefined
    )
      return undefined;
    if (ref.name === 'PORT') {
      return `service "${owner.key}" has no port, so devsup sets no PORT for it (and none is set in the environment or an env file): give it one with "port: N" or "port: auto"`;
    }
    return `${ref.name} is not set in the environment or an env file; give a default with \${${ref.name}:-value}${didYouMean(ref.name, injected)}`;
  }
  const target = ref.service === undefined ? owner : byKey.get(ref.service);
  if (target === undefined) return `unknown service "${ref.service}"${didYouMean(ref.service!, byKey.keys())}`;
  if (ref.kind === 'url') {
    if (field === 'url') return 'a url cannot refer to another url';
    if (target.url !== undefined || defaultUrl(target) !== undefined) return undefined;
    return target.ports.length === 0
      ? `service "${target.key}" has no url`
      : `service "${target.key}" has no url: with ready: none it need not listen, so it gets none by default; give it "url: http://localhost:\${port}" if it listens`;
  }
  const names = target.ports.map((port) => port.name);
  if (names.length === 0) {
    return topLevel && ref.service === undefined
      ? `the top-level env is given to every service, but service "${target.key}" has no port`
      : `service "${target.key}" has no port`;
  }
  if (ref.kind === 'port' && ref.name !== undefined && !names.includes(ref.name))
    return `service "${target.key}" has no port named "${ref.name}"${didYouMean(ref.name, names)}`;
  return undefined;
}

/** What devsup sets in `owner`'s environment, which `${NAME}` means there; a url is rendered outside `up` too. */
function injectedNames(owner: ServiceSpec, field: Scope['field'], byKey: Map<string, ServiceSpec>): Set<string> {
  const portOwners = [...byKey.values()].filter((service) => service.ports.length > 0).map((service) => service.key);
  const names = portVariables(owner, portOwners).add('DEVSUP_SERVICE');
  for (const name of replicaVariables(owner, byKey.values())) names.add(name);
  if (owner.host !== undefined) names.add('HOST');
  if (field !== 'url') for (const name of INSTANCE_MARKS) names.add(name);
  return names;
}
