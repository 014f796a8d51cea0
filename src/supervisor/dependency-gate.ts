import type { ServiceSpec } from '../manifest/service-spec.js';
import type { ServiceRunner } from './service-runner.js';

export type DependencyVerdict =
  | { kind: 'go' }
  | { kind: 'wait'; detail: string } // a dependency may still get there
  | { kind: 'blocked'; detail: string }; // a dependency failed: this service will not start

/** Whether a pending service may start, given the current statuses of what it depends on. */
export function dependencyVerdict(spec: ServiceSpec, runners: ReadonlyMap<string, ServiceRunner>): DependencyVerdict {
  for (const { service, condition } of spec.dependsOn) {
    const dependency = runners.get(service)!;
    const status = dependency.status;
    // `exited` always means code 0: a non-zero exit that is not restarted is `crashed`.
    if (status === 'crashed' || status === 'failed' || status === 'stopped') {
      const why = dependency.detail ? `${status}: ${dependency.detail}` : status;
      return { kind: 'blocked', detail: `blocked by ${service} (${why})` };
    }
    const met =
      condition === 'started'
        ? status !== 'pending'
        : condition === 'ready'
          ? status === 'ready' || status === 'running' || status === 'exited'
          : status === 'exited';
    if (!met) return { kind: 'wait', detail: `waiting for ${service} (${condition})` };
  }
  return { kind: 'go' };
}
