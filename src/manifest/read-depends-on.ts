import type { ManifestIssue, SourcePosition } from '../errors.js';
import type { Dependency, DependencyCondition } from './service-spec.js';
import { didYouMean } from './suggest.js';
import { addIssue, readChoice, reportWrong } from './validators.js';
import type { YamlNode } from './yaml-node.js';

const CONDITIONS: readonly DependencyCondition[] = ['started', 'ready', 'completed'];

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
      const condition = readChoice(entry.node, `depends_on.${name}`, CONDITIONS, issues);
      written.push({ name, condition: condition ?? 'ready', pos: entry.keyPos });
    }
  } else if (node !== undefined) {
    reportWrong(issues, node, 'depends_on', 'a list of services or a map of service → "started", "ready" or "completed"');
  }

  const dependencies: Dependency[] = [];
  for (const { name, condition, pos } of written) {
    if (name === service) addIssue(issues, pos, `"${service}" depends on itself`);
    else if (!serviceKeys.includes(name)) addIssue(issues, pos, `"${service}" depends on "${name}", which is not defined${didYouMean(name, serviceKeys.filter((key) => key !== service))}`);
    else if (dependencies.some((dependency) => dependency.service === name)) addIssue(issues, pos, `"${name}" is listed twice in depends_on`);
    else dependencies.push({ service: name, condition });
  }
  return dependencies;
}
