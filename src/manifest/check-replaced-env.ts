import type { ManifestIssue } from '../errors.js';
import { portVariable, toEnvName } from './injected-env.js';
import type { ServiceSpec } from './service-spec.js';
import { addIssue } from './validators.js';
import { childOf, type MapEntry, type MapNode, type YamlNode } from './yaml-node.js';

/** A variable devsup sets in a child's environment, last; `same` values spell out what it sets anyway. */
interface Replaced {
  advice: string;
  same: string[];
}

const SERVICES_LISTED = 3;

/**
 * `env` entries that devsup's own variables replace (they are set last): their values
 * would never reach the child, so `env: {PORT: 3000}` is a mistake to point out, not to ignore. The
 * top-level env is given to every service: a name devsup sets for every service is always a mistake
 * there, one it sets for some (PORT, HOST…) is named with those services. Spelling out what devsup
 * sets anyway (`PORT: ${port}`) is harmless and passes.
 */
export function checkReplacedEnv(root: MapNode, services: ServiceSpec[], issues: ManifestIssue[]): void {
  const forEvery = new Map<string, Replaced>([
    ['DEVSUP_SERVICE', { advice: 'use another name', same: [] }],
    ['DEVSUP_INSTANCE', { advice: 'use another name', same: [] }],
    ['DEVSUP_MANIFEST', { advice: 'use another name', same: [] }],
  ]);
  for (const { key, ports, replicas } of services) {
    if (ports.length > 0)
      forEvery.set(portVariable(key), { advice: `use another name: devsup sets it to the port of service "${key}"`, same: [`\${${key}.port}`] });
    if (ports.length > 0 && replicas !== undefined)
      forEvery.set(`DEVSUP_${toEnvName(key)}_PORTS`, {
        advice: `use another name: devsup sets it to the ports of the replicas of "${key}"`,
        same: [`\${${key}.ports}`],
      });
  }
  const replacedFor = new Map<string, { service: ServiceSpec; rule: Replaced }[]>(); // names set for some services
  for (const service of services) {
    const own = replacedIn(service);
    for (const [name, rule] of own) {
      const list = replacedFor.get(name) ?? [];
      replacedFor.set(name, list);
      list.push({ service, rule });
    }
    for (const [name, entry] of entriesOf(childOf(childOf(childOf(root, 'services'), service.key), 'env'))) {
      const rule = own.get(name) ?? forEvery.get(name);
      if (rule && !spellsOut(rule, entry)) {
        addIssue(issues, entry.keyPos, `env.${name} is set by devsup, which replaces this value before the service sees it: ${rule.advice}`);
      }
    }
  }
  for (const [name, entry] of entriesOf(childOf(root, 'env'))) {
    const rule = forEvery.get(name);
    if (rule && !spellsOut(rule, entry)) {
      addIssue(
        issues,
        entry.keyPos,
        `env.${name} is set by devsup for every service, which replaces this value before any service sees it: ${rule.advice}`,
      );
      continue;
    }
    const replaced = (replacedFor.get(name) ?? []).filter((set) => !spellsOut(set.rule, entry)).map((set) => set.service);
    if (replaced.length === 0) continue;
    const advice =
      name === 'PORT'
        ? 'give each service its preferred port as `port: N`, and set PORT in the env of the services without one'
        : 'set it in the env of the services that need it instead';
    addIssue(issues, entry.keyPos, `env.${name} is given to every service, but devsup replaces it for ${listServices(replaced)}: ${advice}`);
  }
}

function entriesOf(node: YamlNode | undefined): Iterable<[string, MapEntry]> {
  return node?.kind === 'map' ? node.entries : [];
}

/** The names devsup sets for this service alone, from its ports and host. */
function replacedIn(service: ServiceSpec): Map<string, Replaced> {
  const replaced = new Map<string, Replaced>();
  if (service.ports.length > 0) {
    replaced.set('PORT', { advice: 'give the preferred port as `port: N` instead', same: ['${port}'] });
    replaced.set(portVariable(service.key), {
      advice: 'use another name: devsup sets it to the port of this service',
      same: ['${port}', `\${${service.key}.port}`],
    });
  }
  if (service.replicas !== undefined) {
    replaced.set('DEVSUP_REPLICA', { advice: "use another name: devsup sets it to the replica's number", same: [] });
    replaced.set('DEVSUP_REPLICAS', { advice: 'use another name: devsup sets it to the number of replicas', same: [] });
  }
  if (service.portEnv !== undefined) replaced.set(service.portEnv, { advice: 'remove it: port_env sets it to the port', same: ['${port}'] });
  for (const { name } of service.ports) {
    if (name !== 'default')
      replaced.set(`PORT_${toEnvName(name)}`, {
        advice: `give the preferred port under \`ports: {${name}: N}\` instead`,
        same: [`\${ports.${name}}`],
      });
  }
  if (service.host !== undefined) replaced.set('HOST', { advice: 'set the address once, as `host`', same: [service.host] });
  return replaced;
}

/** Whether the entry's value is what devsup sets anyway. */
function spellsOut(rule: Replaced, { node }: MapEntry): boolean {
  return node.kind === 'scalar' && rule.same.includes(String(node.value));
}

/** `service "a"`, `services "a" and "b"`, or the first few and how many more. */
function listServices(services: ServiceSpec[]): string {
  const names = services.slice(0, SERVICES_LISTED).map((service) => `"${service.key}"`);
  const rest = services.length - names.length;
  if (services.length === 1) return `service ${names[0]}`;
  return rest > 0 ? `services ${names.join(', ')} and ${rest} more` : `services ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
