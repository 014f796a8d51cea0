import type { InstanceState } from '../control/state-folder.js';
import { withDependencies } from '../manifest/dependency-graph.js';
import { keysNamed } from '../manifest/replicas.js';
import { startsByItself, type Manifest } from '../manifest/service-spec.js';

/**
 * The services `devsup up [SERVICE…]` runs, in start order: the named ones and what they depend on,
 * or every service that starts by itself (`autostart`, in an active profile) and what it depends on.
 * A dependency outside the active profiles starts too, and `note` says why. An unknown name is a
 * usage error with a did-you-mean.
 */
export function selectServices(manifest: Manifest, names: string[], note: (message: string) => void = () => undefined): string[] {
  // `web` of a replicated service means each replica; an unknown name is left for withDependencies to refuse.
  const named = names.flatMap((name) => keysNamed(manifest.services, name) ?? [name]);
  const wanted = named.length > 0 ? named : manifest.services.filter(startsByItself).map((service) => service.key);
  const selected = withDependencies(manifest.services, wanted);
  // Sets, not searches of the lists: a manifest may have thousands of services.
  const [isWanted, isSelected] = [new Set(wanted), new Set(selected)];
  for (const service of manifest.services) {
    if (service.inActiveProfile || isWanted.has(service.key) || !isSelected.has(service.key)) continue;
    const dependents = manifest.services.filter((other) => isSelected.has(other.key) && other.dependsOn.some((d) => d.service === service.key));
    note(
      `${service.key} starts though its profiles (${service.profiles.join(', ')}) are not active: ${dependents.map((other) => other.key).join(', ')} ${dependents.length === 1 ? 'depends' : 'depend'} on it.`,
    );
  }
  return selected;
}

/**
 * `Not started by \`devsup up\`: debugger (profiles debug, tools: none active), extra (autostart: false).`:
 * the services `up` without names leaves out, each replicated one once; undefined when it starts them all.
 * `note` hears what selectServices says of a dependency outside the active profiles.
 */
export function describeLeftOut(manifest: Manifest, note: (message: string) => void): string | undefined {
  // Nothing to leave out: no selection to make (its start order costs a large manifest's check time).
  if (manifest.services.every(startsByItself)) return undefined;
  const chosen = new Set(selectServices(manifest, [], note));
  const reasons = new Map<string, string>();
  for (const service of manifest.services) {
    if (chosen.has(service.key)) continue;
    const why = service.inActiveProfile ? 'autostart: false' : `profiles ${service.profiles.join(', ')}: none active`;
    reasons.set(service.replica?.group ?? service.key, why);
  }
  if (reasons.size === 0) return undefined;
  return `Not started by \`devsup up\`: ${[...reasons].map(([name, why]) => `${name} (${why})`).join(', ')}.`;
}

/** The ports each service had last run, so a fallback stays the same while its preferred port stays taken. */
export function stickyPortsOf(state: InstanceState | undefined): Record<string, Record<string, number>> {
  return Object.fromEntries((state?.report.services ?? []).map((service) => [service.service, service.ports]));
}
