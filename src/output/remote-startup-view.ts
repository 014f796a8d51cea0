import pc from 'picocolors';
import type { ServiceStatus } from '../supervisor/service-status.js';
import { renderPrefix } from './prefix-lines.js';
import { hasSettled, showTaskList } from './startup-view.js';

/** The start-up of an instance running elsewhere (`up -d`), shown from the progress it sends. */
export interface RemoteStartupView {
  update(service: string, status: ServiceStatus, text: string): void;
  /** The start-up is over (settled, timed out, interrupted): resolves once the terminal is free for what follows. */
  close(): Promise<void>;
}

/**
 * As `up` shows its own start-up: with `taskList` on a terminal, the task list on stdout (a service
 * still on its way when the view closes is marked ✖: it did not get ready); else a
 * `web | ready on port 8080` line per change on `out`, keys aligned and coloured as `up` prints
 * them. `titles`: service key → title, in the manifest's order (it gives the colours).
 */
export function showRemoteStartup(
  titles: Map<string, string>,
  services: string[],
  out: NodeJS.WriteStream,
  options: { color: boolean; taskList: boolean },
): RemoteStartupView {
  // A terminal that reports no width (a pty nobody sized) would get the task list one character per line.
  if (options.taskList && out.isTTY === true && (out.columns ?? 0) > 0) return taskList(titles, services, options.color);
  const colors = pc.createColors(options.color);
  const width = Math.max(0, ...services.map((service) => service.length));
  const keys = [...titles.keys()];
  return {
    update: (service, _status, text) => {
      const prefix = renderPrefix(colors, service, Math.max(0, keys.indexOf(service)), Math.max(width, service.length)).toString();
      out.write(`${prefix}${colors.dim(text)}\n`);
    },
    close: async () => undefined,
  };
}

function taskList(titles: Map<string, string>, services: string[], color: boolean): RemoteStartupView {
  const last = new Map<string, [ServiceStatus, string]>();
  const listeners = new Map<string, (status: ServiceStatus, text: string) => void>();
  const shown = showTaskList(
    services.map((service) => ({
      title: titles.get(service) ?? service,
      follow: (listener) => {
        listeners.set(service, listener);
        const known = last.get(service);
        if (known) listener(...known);
        return () => listeners.delete(service);
      },
    })),
    color,
  );
  return {
    update: (service, status, text) => {
      last.set(service, [status, text]);
      listeners.get(service)?.(status, text);
    },
    close: async () => {
      // A service still on its way did not get ready in time; a task listr2 starts only now learns it too.
      for (const service of services) {
        const [status, text] = last.get(service) ?? ['pending', 'not started'];
        if (hasSettled(status, text)) continue;
        last.set(service, ['failed', text]);
        listeners.get(service)?.('failed', text);
      }
      await shown;
    },
  };
}
