import type { LogRing } from '../output/log-ring.js';
import type { PortsReport } from '../output/ports-report.js';
import type { UsageSampler } from '../ports/process-usage.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { handleRequests } from './control-handlers.js';
import { listenForControl } from './control-server.js';
import { IncidentLog } from './incident-log.js';
import { controlSocketPath, ensureRuntimeFolder, isRuntimeSocket } from './socket-path.js';

export interface ControlPlaneOptions {
  stateFolder: string;
  supervisor: Supervisor;
  report(): PortsReport;
  ring: LogRing;
  flushLogFiles(services: string[]): Promise<void>;
  warn(message: string): void;
}

/**
 * Opens the control socket of a running `devsup up`, so `devsup ports|port|logs|wait|restart|stop|
 * start|down` in another terminal reach it. Without a socket (an OS that refuses one there) devsup
 * still runs, says so, and `devsup ports` falls back to `.devsup/state.json`.
 */
export interface ControlPlane {
  close(): Promise<void>;
  /** Opens the socket again after its file was removed (a `git clean -fdx` while devsup runs). */
  reopen(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { stateFolder, supervisor } = options;
  // One subscription for every waiting client, however many there are.
  const changeListeners = new Set<() => void>();
  // Loaded on the first request that asks for CPU and memory: `up` itself never needs the module.
  let sampler: Promise<UsageSampler> | undefined;
  const onSupervisorChange = () => changeListeners.forEach((listener) => listener());
  // Recorded before anyone listens to changes, and before the services start: a `watch` may connect later.
  const incidents = new IncidentLog(supervisor);
  supervisor.on('change', incidents.check);
  supervisor.on('change', onSupervisorChange);
  const context = {
    supervisor,
    report: options.report,
    ring: options.ring,
    incidents,
    usage: () => (sampler ??= import('../ports/process-usage.js').then((module) => new module.UsageSampler())),
    logFolder: stateFolder,
    flushLogFiles: options.flushLogFiles,
    warn: options.warn,
    onChange: (listener: () => void) => {
      changeListeners.add(listener);
      return () => void changeListeners.delete(listener);
    },
  };
  try {
    const socketPath = controlSocketPath(stateFolder);
    if (isRuntimeSocket(socketPath, stateFolder)) ensureRuntimeFolder(socketPath);
    const server = await listenForControl(socketPath, handleRequests(context));
    return {
      close: async () => {
        supervisor.off('change', incidents.check);
        supervisor.off('change', onSupervisorChange);
        await server.close();
      },
      reopen: async () => {
        if (isRuntimeSocket(socketPath, stateFolder)) ensureRuntimeFolder(socketPath);
        await server.reopen();
      },
    };
  } catch (error) {
    options.warn(`no control socket (${(error as Error).message}): commands from other terminals will not reach this instance.`);
    supervisor.off('change', incidents.check);
    supervisor.off('change', onSupervisorChange);
    return { close: async () => undefined, reopen: async () => undefined };
  }
}
