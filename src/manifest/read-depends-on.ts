import type { ManifestIssue, SourcePosition } from '../errors.js';
import type { Dependency, DependencyCondition } from './service-spec.js';
import { didYouMean, listChoices } from './suggest.js';
import { addIssue, readChoice, reportWrong } from './validators.js';
import type { YamlNode } from './yaml-node.js';

export const CONDITIONS: readonly DependencyCondition[] = ['started', 'ready', 'completed'];
/** docker compose's conditions, which people bring along: each has a devsup name. */
const COMPOSE_CONDITIONS: Record<string, DependencyCondition> = {
  service_started: 'started',
  service_healthy: 'ready',
  healthy: 'ready',
  service_completed_successfully: 'completed',
};

/** `depends_on`: a list of services (each `ready`), or a map service → started | ready | completed. */
export function readDependsOn(node: YamlNode | undefined, service: string, serviceKeys: string[], issues: ManifestIssue[]): Dependency[] {
  const written: { name: string; condition: DependencyCondition; pos: SourcePosition }[] = [];
  if (node?.kind === 'list') {
    for (const item of node.items) {
      if (item.kind === 'scalar' && typeof item.value === 'string') written.push({ name: item.value, condition: 'ready', pos: item.pos });
      else reportWrong(issues, item, 'depends_on', 'a list of service names');
    }
  } else if (node?.kind === 'map') {
    for (const [name, entry] of node.entries) {
      const composeHint = composeConditionHint(name, entry.node);
      if (composeHint) addIssue(issues, entry.node.pos, `depends_on.${name} ${composeHint}`);
      const condition = composeHint ? undefined : readChoice(entry.node, `depends_on.${name}`, CONDITIONS, issues);
      written.push({ name, condition: condition ?? 'ready', pos: entry.keyPos });
    }
  } else if (node !== undefined) {
    reportWrong(issues, node, 'depends_on', 'a list of services or a map of service → "started", "ready" or "completed"');
  }

  const dependencies: Dependency[] = [];
  for (const { name, condition, pos } of written) {
    if (name === service) addIssue(issues, pos, `"${service}" depends on itself`);
    else if (!serviceKeys.includes(name))
      addIssue(
        issues,
        pos,
        `"${service}" depends on "${name}", which is not defined${didYouMean(
          name,
          serviceKeys.filter((key) => key !== service),
        )}`,
      );
    else if (dependencies.some((dependency) => dependency.service === name)) addIssue(issues, pos, `"${name}" is listed twice in depends_on`);
    else dependencies.push({ service: name, condition });
  }
  return dependencies;
}

/** For docker compose's spelling (`service_healthy`, or `{condition: …}`): what to write in devsup. */
function composeConditionHint(name: string, node: YamlNode): string | undefined {
  const written = node.kind === 'map' ? node.entries.get('condition')?.node : node;
  const value = written?.kind === 'scalar' && typeof written.value === 'string' ? written.value : undefined;
  const composeName = value === undefined ? undefined : COMPOSE_CONDITIONS[value];
  const condition = composeName ?? CONDITIONS.find((known) => known === value);
  const translated = composeName === undefined ? '' : `docker compose's ${value} is "${composeName}" here`;
  if (node.kind !== 'map') return composeName && `must be "started", "ready" or "completed": ${translated}, so write "${name}: ${composeName}"`;
  const write =
    condition === undefined
      ? listChoices(CONDITIONS.map((known) => `${name}: ${known}`))
      : `"${name}: ${condition}"${translated && ` (${translated})`}`;
  return `takes the condition itself, not a map: write ${write}`;
}
