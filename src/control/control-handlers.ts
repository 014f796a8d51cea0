import { keysNamed, knownNames } from '../manifest/replicas.js';
import type { ServiceSpec } from '../manifest/service-spec.js';
import { didYouMean } from '../manifest/suggest.js';
import { refreshHolders } from '../output/refresh-holders.js';
import type { ServiceRunner } from '../supervisor/service-runner.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { ControlContext } from './control-context.js';
import type { Connection, RequestHandler } from './control-server.js';
import { followLogs } from './follow-logs.js';
import { followStartup } from './follow-startup.js';
import type { ActionOutcome, ActionType, Request } from './protocol.js';
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
    case 'ports':
      connection.send({ type: 'report', report: await refreshHolders(context.report()) });
      return connection.end();
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
      return watchInstance(connection, context);
    case 'down':
      // The connection stays open until the instance has stopped everything and closes its socket.
      connection.send({ type: 'stopping', pid: process.pid });
      context.warn('`devsup down`: stopping every service…');
      await context.supervisor.shutdown();
      return;
  }
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
