import type { InstanceState } from '../control/state-folder.js';
import { withDependencies } from '../manifest/dependency-graph.js';
import type { Manifest } from '../manifest/service-spec.js';

/**
 * The services `devsup up [SERVICE…]` runs, in start order: the named ones and what they depend on,
 * or every `autostart` service. An unknown name is a usage error with a did-you-mean.
 */
export function selectServices(manifest: Manifest, names: string[]): string[] {
  const wanted = names.length > 0 ? names : manifest.services.filter((service) => service.autostart).map((service) => service.key);
  return withDependencies(manifest.services, wanted);
}

/** The ports each service had last run, so a fallback stays the same while its preferred port stays taken. */
export function stickyPortsOf(state: InstanceState | undefined): Record<string, Record<string, number>> {
  return Object.fromEntries((state?.report.services ?? []).map((service) => [service.service, service.ports]));
}
