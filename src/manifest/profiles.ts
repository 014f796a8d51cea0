import { UsageError, type ManifestIssue } from '../errors.js';
import { PROFILE_NAME } from './service-names.js';
import type { Manifest } from './service-spec.js';
import { didYouMean } from './suggest.js';
import { reportWrong } from './validators.js';
import type { YamlNode } from './yaml-node.js';

/** `profiles: [debug, tools]` (or one name): the service starts only when one of them is active. */
export function readProfiles(node: YamlNode | undefined, issues: ManifestIssue[]): string[] {
  if (node === undefined) return [];
  const items = node.kind === 'list' ? node.items : [node];
  const names = items.map((item) =>
    item.kind === 'scalar' && typeof item.value === 'string' && PROFILE_NAME.test(item.value) ? item.value : undefined,
  );
  if (names.every((name): name is string => name !== undefined)) return [...new Set(names)];
  reportWrong(issues, node, 'profiles', 'a profile name or a list of them (letters, digits, "_", "." and "-", starting with a letter or digit)');
  return [];
}

/**
 * Marks the services of the active profiles: those named by `--profile` (each must be some
 * service's, else a usage error listing them) and by DEVSUP_PROFILES (comma-separated; names no
 * service has are ignored there, as a variable exported for another project may name them).
 */
export function applyProfiles(manifest: Manifest, requested: string[], fromEnv: string | undefined): void {
  const known = [...new Set(manifest.services.flatMap((service) => service.profiles))];
  for (const name of requested) {
    if (known.includes(name)) continue;
    if (known.length === 0) throw new UsageError(`--profile ${name}: no service here has profiles`, 'Give a service `profiles: [NAME]` first.');
    throw new UsageError(`--profile ${name}: no service has the profile "${name}"${didYouMean(name, known)}`, `Profiles: ${known.join(', ')}.`);
  }
  const active = new Set([...requested, ...(fromEnv ?? '').split(',').map((name) => name.trim())]);
  for (const service of manifest.services) {
    service.inActiveProfile = service.profiles.length === 0 || service.profiles.some((profile) => active.has(profile));
  }
}
