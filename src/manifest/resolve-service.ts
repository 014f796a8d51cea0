import { DevsupError } from '../errors.js';
import { environment, setVariables, variable } from './env-record.js';
import {
  CHILD_ENV_DEFAULTS,
  injectedEnv,
  primaryPort,
  replicaPortsOf,
  replicatedPortEnv,
  portVariable,
  toEnvName,
  type AssignedPorts,
} from './injected-env.js';

export type { AssignedPorts } from './injected-env.js';
import { parseTemplate, renderTemplate, type Reference } from './interpolate.js';
import { defaultUrl, type Manifest, type ServiceSpec } from './service-spec.js';
import { findShellContexts } from './shell-context.js';
import { keysNamed, replicasOf } from './replicas.js';
import { quoteForShell } from './shell-quote.js';

/** What a child is started with, once ports are allocated. */
export interface ResolvedService {
  command: string | string[];
  env: Record<string, string>; // the child's full environment
  stopCommand?: string; // run through the shell, with `env`
  url?: string;
}

export interface ResolveOptions {
  /** Whose shell quotes a string command: cmd.exe on Windows, sh elsewhere. */
  platform?: NodeJS.Platform;
  /** Set for every child after the injected variables, e.g. DEVSUP_INSTANCE and DEVSUP_MANIFEST. */
  extraEnv?: Record<string, string>;
}

/**
 * The child's command and full environment: devsup's defaults (PYTHONUNBUFFERED=1), `baseEnv`, then the
 * top-level env files, the service's env files, the top-level `env`, the service's `env`, then the
 * injected variables and `extraEnv` (later wins). `${VAR}` of an injected variable is the child's value. In a string command each value is one
 * shell word, quoted for its shell; a list and `env` reach no shell and take values as they are.
 */
export function resolveService(
  manifest: Manifest,
  service: ServiceSpec,
  ports: AssignedPorts,
  baseEnv: NodeJS.ProcessEnv = process.env,
  { platform = process.platform, extraEnv = {} }: ResolveOptions = {},
): ResolvedService {
  const own = injectedEnv(manifest, service, ports);
  const render = renderer(manifest, service, ports, baseEnv, (name) => variable(extraEnv, name) ?? variable(own, name));
  const env = environment(CHILD_ENV_DEFAULTS);
  for (const [name, value] of Object.entries(baseEnv)) if (value !== undefined) env[name] = value;
  setVariables(env, manifest.fileEnv, service.fileEnv);
  for (const [name, value] of [...Object.entries(manifest.env), ...Object.entries(service.env)]) env[name] = render(value);
  setVariables(env, own, extraEnv);
  const command = typeof service.command === 'string' ? render(service.command, platform) : service.command.map((word) => render(word));
  const stopCommand = service.stopCommand === undefined ? undefined : render(service.stopCommand, platform);
  const url = renderUrl(manifest, service, ports, baseEnv, (name) => variable(own, name));
  return { command, env, ...(stopCommand !== undefined && { stopCommand }), ...(url !== undefined && { url }) };
}

/**
 * The environment of a one-off command run beside the stack (`devsup run`): `baseEnv`, the
 * top-level env files and `env`, then `DEVSUP_<KEY>_PORT` and `DEVSUP_<KEY>_URL` of every service
 * with a port in `ports` (and `DEVSUP_<NAME>_PORT(S)` of each replicated service). The command is no service: a top-level value that needs a service's own
 * `${port}` (or a port not in `ports`) cannot be made for it, and is left out with `skipped` told why.
 */
export function resolveStackEnv(
  manifest: Manifest,
  ports: AssignedPorts,
  baseEnv: NodeJS.ProcessEnv,
  skipped: (name: string, why: string) => void,
): Record<string, string> {
  const injected: Record<string, string> = {};
  for (const service of manifest.services) {
    const port = primaryPort(service, ports);
    if (port === undefined) continue;
    injected[portVariable(service.key)] = String(port);
    const url = resolveUrlOrUndefined(manifest, service, ports, baseEnv);
    if (url !== undefined) injected[`DEVSUP_${toEnvName(service.key)}_URL`] = url;
  }
  Object.assign(injected, replicatedPortEnv(replicaPortsOf(manifest.services, ports)));
  const render = renderer(manifest, undefined, ports, baseEnv, (name) => variable(injected, name));
  const env = environment();
  for (const [name, value] of Object.entries(baseEnv)) if (value !== undefined) env[name] = value;
  Object.assign(env, manifest.fileEnv);
  for (const [name, value] of Object.entries(manifest.env)) {
    try {
      env[name] = render(value);
    } catch (error) {
      if (!(error instanceof DevsupError)) throw error;
      skipped(name, error.message);
    }
  }
  return Object.assign(env, injected);
}

function resolveUrlOrUndefined(manifest: Manifest, service: ServiceSpec, ports: AssignedPorts, baseEnv: NodeJS.ProcessEnv): string | undefined {
  try {
    return resolveUrl(manifest, service, ports, baseEnv);
  } catch (error) {
    if (error instanceof DevsupError) return undefined; // it refers to a port that was not given
    throw error;
  }
}

/**
 * The other services whose port or URL this service's command, stop_command, env or url refers to (`${api.port}`,
 * `${api.url}`, also through the top-level env): when one of them moves, this one must restart.
 * A `${svc.url}` also brings in what that URL refers to.
 */
export function servicesReferencedBy(manifest: Manifest, service: ServiceSpec): Set<string> {
  const templates = [
    ...(typeof service.command === 'string' ? [service.command] : service.command),
    ...(service.stopCommand === undefined ? [] : [service.stopCommand]),
    ...Object.values(manifest.env),
    ...Object.values(service.env),
    ...(service.url === undefined ? [] : [service.url]),
  ];
  const referenced = new Set<string>();
  for (const template of templates) {
    const parsed = parseTemplate(template);
    if ('error' in parsed) continue;
    for (const part of parsed.parts) {
      if (typeof part === 'string') continue;
      if (part.ref.kind === 'var') {
        const { name } = part.ref;
        const owner = manifest.services.find((other) => name === portVariable(other.key) && other.ports.length > 0);
        if (owner !== undefined && owner.key !== service.key) referenced.add(owner.key);
        continue;
      }
      const { kind, service: other } = part.ref;
      if (other === undefined || other === service.key) continue;
      for (const key of keysNamed(manifest.services, other) ?? [other]) if (key !== service.key) referenced.add(key);
      const target = kind === 'url' ? findService(manifest, other) : undefined;
      if (target)
        for (const inner of servicesReferencedBy(manifest, { ...target, command: [], env: {} })) if (inner !== service.key) referenced.add(inner);
    }
  }
  return referenced;
}

/** The service's `url`, else its default (`defaultUrl`): none for a service without a port or with `ready: none`. */
export function resolveUrl(
  manifest: Manifest,
  service: ServiceSpec,
  ports: AssignedPorts,
  baseEnv: NodeJS.ProcessEnv = process.env,
): string | undefined {
  // Made only for a `${VAR}`: most URLs name ports alone, and with 2,000 services a service has 2,000 variables
  // (the port table makes every URL on each change).
  let injected: Record<string, string> | undefined;
  return renderUrl(manifest, service, ports, baseEnv, (name) => variable((injected ??= injectedEnv(manifest, service, ports)), name));
}

function renderUrl(
  manifest: Manifest,
  service: ServiceSpec,
  ports: AssignedPorts,
  baseEnv: NodeJS.ProcessEnv,
  injected: (name: string) => string | undefined,
): string | undefined {
  const template = service.url ?? defaultUrl(service);
  return template === undefined ? undefined : renderer(manifest, service, ports, baseEnv, injected)(template);
}

/** A service by its key; or, by the name of a replicated service, its first replica (`${web.port}` is web.1's). */
function findService(manifest: Manifest, name: string): ServiceSpec | undefined {
  return manifest.services.find((other) => other.key === name) ?? replicasOf(manifest.services, name)[0];
}

/**
 * Renders templates for `service` (none: a `devsup run` command): `${VAR}` of a variable devsup injects
 * is its `injected` value (made on first need); values are quoted for the shell of `platform` when given (a string
 * command). References were checked at load time, so a failure here means ports are missing.
 */
function renderer(
  manifest: Manifest,
  service: ServiceSpec | undefined,
  ports: AssignedPorts,
  baseEnv: NodeJS.ProcessEnv,
  injected: (name: string) => string | undefined,
): (template: string, platform?: NodeJS.Platform) => string {
  const fail = (text: string, why: string): never => {
    throw new DevsupError(`${service ? `service "${service.key}"` : 'the command'}: cannot resolve "${text}": ${why}`, 1);
  };
  const lookup = (ref: Reference, text: string): string => {
    if (ref.kind === 'var') {
      const value =
        injected(ref.name) ?? (service && variable(service.fileEnv, ref.name)) ?? variable(manifest.fileEnv, ref.name) ?? variable(baseEnv, ref.name);
      // As in the shell, `:-` also replaces an empty value.
      if ((value === undefined || value === '') && ref.fallback !== undefined) return ref.fallback;
      return value ?? fail(text, `${ref.name} is not set`);
    }
    const target = ref.service === undefined ? service : findService(manifest, ref.service);
    if (target === undefined)
      return fail(text, ref.service === undefined ? 'it means the port of the service it is given to' : `no service "${ref.service}"`);
    if (ref.kind === 'url') return resolveUrl(manifest, target, ports, baseEnv) ?? fail(text, `service "${target.key}" has no url`);
    if (ref.kind === 'ports') {
      const group = keysNamed(manifest.services, ref.service)!; // `target` was found, so the name means something
      const all = group.map((key) =>
        primaryPort(
          manifest.services.find((other) => other.key === key)!,
          ports,
        ),
      );
      return all.every((port) => port !== undefined) ? all.join(',') : fail(text, `no port assigned to every replica of "${ref.service}"`);
    }
    const port = ref.name === undefined ? primaryPort(target, ports) : ports.get(target.key)?.[ref.name];
    return port === undefined ? fail(text, `no port assigned to service "${target.key}"`) : String(port);
  };
  return (template, platform) => {
    const parsed = parseTemplate(template);
    if ('error' in parsed) return fail(template, parsed.error);
    if (platform === undefined) return renderTemplate(parsed.parts, lookup);
    const contexts = findShellContexts(parsed.parts, platform);
    return renderTemplate(parsed.parts, (ref, text, index) => {
      const context = contexts[index]!;
      if ('unsupported' in context) return fail(text, context.unsupported);
      const quoted = quoteForShell(lookup(ref, text), context, platform);
      return typeof quoted === 'string' ? quoted : fail(text, quoted.error);
    });
  };
}
