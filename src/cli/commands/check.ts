import path from 'node:path';
import { Document, isMap, isScalar, type Node } from 'yaml';
import { loadManifest } from '../../manifest/load-manifest.js';
import { scalarNode, toPlain, type MapEntry, type YamlNode } from '../../manifest/yaml-node.js';
import type { Manifest } from '../../manifest/service-spec.js';
import { allocatePorts } from '../../ports/allocate-ports.js';
import { warnAboutLeaseFolder } from '../../ports/port-lease.js';
import type { ServiceAllocation } from '../../ports/port-types.js';
import { explainAllocations, explainEphemeralOverlaps } from '../../output/explain-allocation.js';
import { readSystemPorts } from '../../ports/system-ports.js';
import { isSecretName, MASK, maskSecretArgs, maskSecrets } from '../../secrets.js';
import { columnWidths, padding } from '../../output/columns.js';
import { renderBlockYaml } from '../../output/render-yaml.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { describeLeftOut } from '../service-args.js';
import { manifestOptions } from '../manifest-options.js';

/** `devsup check`: validate, print the merged manifest and the ports each service would get now. */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const warn = (message: string) => io.stderr.write(`devsup: ${message}\n`);
  const manifest = await loadManifest(manifestOptions(args, io, warn));
  // What `up` with the same options would start; a dependency it pulls in is said on stderr, as `up` says it.
  const leftOut = describeLeftOut(manifest, warn);
  warnAboutLeaseFolder(warn);
  const allocations = await allocatePorts(manifest);
  io.stdout.write(`# ${manifest.sources.join(' + ')}${manifest.overridden.size > 0 ? ' (values marked ← came from an override)' : ''}\n`);
  io.stdout.write(renderMergedManifest(manifest));
  io.stdout.write(`\n${renderPlannedPorts(manifest, allocations)}`);
  const notes = [...explainAllocations(manifest, allocations), ...explainEphemeralOverlaps(manifest, (await readSystemPorts()).ephemeral)];
  if (notes.length > 0) io.stdout.write(`\n${notes.join('\n')}\n`);
  if (leftOut !== undefined) io.stdout.write(`\n${leftOut}\n`);
  io.stdout.write(`\n${manifest.file} is valid.\n`);
  return 0;
}

/**
 * The merged document as YAML; overridden values carry a `# ← services.local.yaml`, `# ← --port` or `# ← --scale` comment,
 * each included service the file it came from; secrets are masked.
 */
function renderMergedManifest(manifest: Manifest): string {
  const masked = maskSecretValues(manifest.document);
  // The comments marking overrides and includes are the library's work; without them the same text is written faster.
  const marked = manifest.overridden.size > 0 || (manifest.serviceFiles?.size ?? 0) > 0;
  const fast = marked ? undefined : renderBlockYaml(masked);
  if (fast !== undefined) return fast;
  const document = new Document(toPlain(masked));
  for (const [key, file] of manifest.serviceFiles ?? []) markOverridden(document, ['services', key], ` ← ${path.relative(manifest.dir, file)}`);
  for (const [dotted, origin] of manifest.overridden) {
    markOverridden(
      document,
      splitOverriddenPath(dotted, manifest),
      ` ← ${origin === 'cli' ? (dotted.endsWith('.replicas') ? '--scale' : '--port') : 'services.local.yaml'}`,
    );
  }
  return document.toString({ lineWidth: 0 });
}

/**
 * Every string masked by value, a command list's flag values too, and every `env` value whose name looks
 * secret masked whole. What masking leaves alone is the node itself: a large manifest is mostly that.
 */
function maskSecretValues(node: YamlNode, inEnv = false): YamlNode {
  switch (node.kind) {
    case 'scalar': {
      const masked = typeof node.value === 'string' ? maskSecrets(node.value) : node.value;
      return masked === node.value ? node : scalarNode(masked, node.pos);
    }
    case 'list': {
      const words = node.items.flatMap((item) => (item.kind === 'scalar' && typeof item.value === 'string' ? [item.value] : []));
      if (words.length < node.items.length) return { ...node, items: node.items.map((item) => maskSecretValues(item)) };
      const masked = maskSecretArgs(words);
      return { ...node, items: node.items.map((item, i) => (masked[i] === words[i] ? item : scalarNode(masked[i]!, item.pos))) };
    }
    case 'map': {
      // Copied only once an entry changes: most maps of a large manifest hold no secret.
      let entries: Map<string, MapEntry> | undefined;
      for (const [key, entry] of node.entries) {
        const masked = inEnv && isSecretName(key) ? scalarNode(MASK, entry.node.pos) : maskSecretValues(entry.node, key === 'env');
        if (masked === entry.node) continue;
        entries ??= new Map(node.entries);
        entries.set(key, { keyPos: entry.keyPos, node: masked });
      }
      return entries ? { ...node, entries } : node;
    }
  }
}

/** The comment on a value's own line: after a scalar, or after the key of a map or list (else it would trail the whole block). */
function markOverridden(document: Document, keyPath: string[], comment: string): void {
  const parent = document.getIn(keyPath.slice(0, -1), true);
  const pair = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && String(item.key.value) === keyPath.at(-1)) : undefined;
  if (!pair) return;
  const target = (isScalar(pair.value) ? pair.value : pair.key) as Node;
  target.comment = comment;
}

/** `services.api.v2.port` → `['services', 'api.v2', 'port']`: service keys may contain dots. */
function splitOverriddenPath(dotted: string, manifest: Manifest): string[] {
  if (!dotted.startsWith('services.')) return dotted.split('.');
  const rest = dotted.slice('services.'.length);
  const key = (manifest.declared ?? manifest.services)
    .map((service) => service.key)
    .filter((candidate) => rest === candidate || rest.startsWith(`${candidate}.`))
    .sort((a, b) => b.length - a.length)[0];
  if (key === undefined) return dotted.split('.');
  const tail = rest.slice(key.length + 1);
  return ['services', key, ...(tail ? tail.split('.') : [])];
}

/** The SERVICE PORT PREFERRED PLAN table (`devsup check`, and the MCP tool check_manifest). */
export function renderPlannedPorts(manifest: Manifest, allocations: ServiceAllocation[]): string {
  const rows = [['SERVICE', 'PORT', 'PREFERRED', 'PLAN']];
  const titles = new Map(manifest.services.map((service) => [service.key, service.title])); // not a search per row: 2,000 services
  for (const allocation of allocations) {
    const title = titles.get(allocation.service) ?? allocation.service;
    if (allocation.failure) rows.push([title, '-', '-', 'cannot start']);
    for (const port of allocation.ports) {
      const plan = port.port === port.preferred ? 'preferred port is free' : port.source === 'os' ? 'OS-assigned' : `fallback (${port.source})`;
      rows.push([allocation.ports.length > 1 ? `${title} (${port.name})` : title, String(port.port), String(port.preferred ?? 'auto'), plan]);
    }
  }
  if (rows.length === 1) return 'No service has a port.\n';
  const widths = columnWidths(rows);
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell + padding(cell, widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
