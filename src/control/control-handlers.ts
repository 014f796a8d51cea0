import { replicasProblem } from '../manifest/read-service.js';
import { keysNamed, knownNames, replicasOf } from '../manifest/replicas.js';
import type { ServiceSpec } from '../manifest/service-spec.js';
import { didYouMean } from '../manifest/suggest.js';
import type { PortsReport } from '../output/ports-report.js';
import { refreshHolders } from '../output/refresh-holders.js';
import type { ServiceRunner } from '../supervisor/service-runner.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { ControlContext } from './control-context.js';
import type { Connection, RequestHandler } from './control-server.js';
import { followLogs } from './follow-logs.js';
import { followStartup } from './follow-startup.js';
import type { ActionOutcome, ActionType, Request, Scale } from './protocol.js';
import { waitForServices } from './wait-for-services.js';
import { watchInstance } from './watch-instance.js';

/** Answers the control requests with the running supervisor: one function per request type. */
export function handleRequests(context: ControlContext): RequestHandler {
  return (request, connection) => {
    serve(request, connection, context).catch((error: unknown) => {
      connection.send({ type: 'error', message: `devsup could not do that: ${(error as Error).message}`, exitCode: 1 });
      connection.end();
    });
  };
}

async function serve(asked: Request, connection: Connection, context: ControlContext): Promise<void> {
  const services = context.supervisor.manifest.services;
  const unknown = 'services' in asked ? unknownServiceError(asked.services, knownNames(services), services) : undefined;
  if (unknown) {
    connection.send(unknown);
    return connection.end();
  }
  // `web` of a replicated service means each of its replicas.
  const request = 'services' in asked ? { ...asked, services: [...new Set(asked.services.flatMap((name) => keysNamed(services, name)!))] } : asked;
  switch (request.type) {
    case 'ports': {
      const report = await refreshHolders(context.report());
      connection.send({ type: 'report', report: request.usage === true ? await withUsage(report, context) : report });
      return connection.end();
    }
    case 'start':
    case 'stop':
    case 'restart': {
      const outcomes: ActionOutcome[] = [];
      // One after the other: a restart of a service and of what depends on it must not interleave.
      const preferred = request.type === 'restart' && request.preferred === true;
      for (const service of request.services) outcomes.push({ service, said: await act(request.type, service, context.supervisor, preferred) });
      connection.send({ type: 'done', outcomes });
      return connection.end();
    }
    case 'logs':
      return followLogs(request, connection, context);
    case 'wait':
      return waitForServices(request, connection, context);
    case 'startup':
      return followStartup(request, connection, context);
    case 'watch':
      return watchInstance(request, connection, context);
    case 'scale':
      return scale(request.scales, connection, context.supervisor);
    case 'down':
      // The connection stays open until the instance has stopped everything and closes its socket.
      connection.send({ type: 'stopping', pid: process.pid });
      context.warn('`devsup down`: stopping every service…');
      await context.supervisor.shutdown();
      return;
  }
}

/** The report with each running service's CPU % and memory (`ports --json`, `devsup ui`). */
async function withUsage(report: PortsReport, context: ControlContext): Promise<PortsReport> {
  const roots = report.services.flatMap((service) => (service.pid === null ? [] : [service.pid]));
  const usage = await (await context.usage()).sample(roots);
  const services = report.services.map((service) => {
    const tree = service.pid === null ? undefined : usage.get(service.pid);
    return { ...service, ...tree };
  });
  return { ...report, services };
}

async function act(action: ActionType, service: string, supervisor: Supervisor, preferred: boolean): Promise<string> {
  const runner = supervisor.runners.get(service)!;
  const wasActive = runner.isActive;
  switch (action) {
    case 'start':
      if (wasActive) return `is already ${runner.status}`;
      supervisor.startService(service);
      return `starting${onPort(runner)}`;
    case 'stop':
      if (!wasActive && runner.status !== 'pending') return `was not running (${runner.status})`;
      await supervisor.stopService(service);
      return runner.port === undefined ? 'stopped' : `stopped; port ${runner.port} stays reserved for it`;
    case 'restart': {
      const kept = await supervisor.restartService(service, { preferred });
      const current = supervisor.runners.get(service)!;
      const where =
        !preferred || current.port === undefined
          ? onPort(current)
          : kept
            ? ` on port ${current.port}: ${kept}`
            : ` on its preferred port ${current.port}`;
      return wasActive ? `restarted${where}` : `started${where} (it was not running)`;
    }
  }
}

/** `devsup scale web=5`: refused (exit 2) unless each is a replicated service that can have that many; then one line each. */
async function scale(scales: Scale[], connection: Connection, supervisor: Supervisor): Promise<void> {
  const declared = supervisor.manifest.declared ?? supervisor.manifest.services;
  for (const { service, replicas } of scales) {
    const spec = declared.find((candidate) => candidate.key === service);
    const problem =
      spec === undefined
        ? unknownServiceError([service], knownNames(supervisor.manifest.services), supervisor.manifest.services)
        : spec.replicas === undefined
          ? refusal(
              `${service} has no replicas to scale`,
              `Give it \`replicas: 1\` in the manifest (or start it with \`devsup up --scale ${service}=N\`): it then runs as ${service}.1, and \`devsup scale\` may add more.`,
            )
          : mapProblem(
              replicasProblem(
                service,
                replicas,
                spec.ports,
                declared.map((other) => other.key),
              ),
              service,
            );
    if (problem) {
      connection.send(problem);
      return connection.end();
    }
  }
  const before = new Map(scales.map(({ service }) => [service, replicasOf(supervisor.manifest.services, service).length]));
  const changes = await supervisor.scale(new Map(scales.map(({ service, replicas }) => [service, replicas])));
  const outcomes: ActionOutcome[] = scales.map(({ service, replicas }) => {
    const added = changes.added.filter((key) => key.startsWith(`${service}.`));
    const removed = changes.removed.filter((key) => key.startsWith(`${service}.`));
    const what = added.length > 0 ? `; started ${added.join(', ')}` : removed.length > 0 ? `; stopped ${removed.join(', ')}` : '';
    return { service, said: `${replicas} ${replicas === 1 ? 'replica' : 'replicas'} (was ${before.get(service)})${what}` };
  });
  const followers = changes.restarted.filter((key) => !scales.some(({ service }) => key.startsWith(`${service}.`)));
  for (const key of followers) outcomes.push({ service: key, said: 'restarted: it uses the ports of the replicas' });
  connection.send({ type: 'done', outcomes });
  connection.end();
}

function mapProblem(problem: string | undefined, service: string) {
  return problem === undefined ? undefined : refusal(`${service}: ${problem}`);
}

function refusal(message: string, hint?: string) {
  return { type: 'error' as const, message, ...(hint !== undefined && { hint }), exitCode: 2 as const };
}

function onPort(runner: ServiceRunner): string {
  return runner.port === undefined ? '' : ` on port ${runner.port}`;
}

/** `unknown service "lm" — did you mean "llm"?`, as `devsup up lm` says it; exit 2. */
function unknownServiceError(names: string[], known: string[], services: ServiceSpec[]) {
  const unknown = names.find((name) => keysNamed(services, name) === undefined);
  if (unknown === undefined) return undefined;
  return {
    type: 'error' as const,
    message: `unknown service "${unknown}"${didYouMean(unknown, known)}`,
    hint: `Services: ${known.join(', ')}.`,
    exitCode: 2 as const,
  };
}
