/**
 * `${VAR}` in a service's `cwd`, resolved at load time so that the folder can be checked then: the
 * variables devsup injects that are known by then (DEVSUP_SERVICE, HOST) are the child's values, a
 * port is not known yet, so a reference to one is an error.
 */
import { variable } from './env-record.js';
import { INSTANCE_MARKS, portVariables } from './injected-env.js';
import { parseTemplate, renderTemplate } from './interpolate.js';
import type { NamedPortSpec } from './service-spec.js';

export interface CwdScope {
  key: string;
  host?: string;
  ports: NamedPortSpec[];
  portEnv?: string;
  fileEnv: Record<string, string>; // the service's env files
  topFileEnv: Record<string, string>;
  processEnv: NodeJS.ProcessEnv;
  serviceKeys: string[];
}

const PORT_PROBLEM = 'cwd cannot depend on a port: the folder is checked before ports are allocated';

/** The rendered `cwd`, or what keeps it from being rendered (one sentence per reference). */
export function renderCwd(template: string, scope: CwdScope): { cwd: string } | { errors: string[] } {
  const parsed = parseTemplate(template);
  if ('error' in parsed) return { errors: [parsed.error] };
  const ports = portVariables(scope, scope.serviceKeys);
  const known: Record<string, string> = { DEVSUP_SERVICE: scope.key, ...(scope.host !== undefined && { HOST: scope.host }) };
  const errors: string[] = [];
  const cwd = renderTemplate(parsed.parts, (ref, text) => {
    const problem = (why: string): string => {
      errors.push(`"${text}": ${why}`);
      return '';
    };
    if (ref.kind !== 'var' || ports.has(ref.name)) return problem(PORT_PROBLEM);
    if ((INSTANCE_MARKS as readonly string[]).includes(ref.name)) return problem(`cwd cannot use ${ref.name}, which is set only once devsup up runs`);
    const value =
      variable(known, ref.name) ?? variable(scope.fileEnv, ref.name) ?? variable(scope.topFileEnv, ref.name) ?? variable(scope.processEnv, ref.name);
    // As in the shell, `:-` also replaces an empty value.
    if ((value === undefined || value === '') && ref.fallback !== undefined) return ref.fallback;
    return value ?? problem(`${ref.name} is not set in the environment or an env file; give a default with \${${ref.name}:-value}`);
  });
  return errors.length > 0 ? { errors } : { cwd };
}
