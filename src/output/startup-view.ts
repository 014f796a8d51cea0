import type { LogMultiplexer } from './log-multiplexer.js';
import type { ServiceRunner } from '../supervisor/service-runner.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { ServiceStatus } from '../supervisor/service-status.js';

const PROGRESS_REPEAT_MS = 10_000;
/** The statuses in which a service will not come up by itself again. */
const FAILURES: ReadonlySet<ServiceStatus> = new Set(['crashed', 'failed']);

/** A status a service settles in while the stack comes up: its startup line is final then. */
const SETTLED: ReadonlySet<ServiceStatus> = new Set(['ready', 'running', 'unhealthy', 'exited', 'crashed', 'failed', 'stopped']);

/** "ready on port 8763", "failed: command not found: nod": one phrase per status, for both views. */
export function describeProgress(runner: ServiceRunner): string {
  const port = runner.port === undefined ? '' : ` on port ${runner.port}`;
  switch (runner.status) {
    case 'pending':
      return runner.detail ?? 'waiting';
    case 'starting':
      return runner.detail ? `starting${port}: ${runner.detail}` : `starting${port}`;
    case 'ready':
      return `ready${port}`;
    case 'running':
      return `running${port}`;
    case 'restarting':
      return `restarting (${runner.detail ?? 'crashed'})`;
    case 'exited':
      return runner.detail ?? 'exited with code 0';
    default:
      return runner.detail ? `${runner.status}: ${runner.detail}` : runner.status;
  }
}

/** A progress phrase without its ticking part: a wait's "…, 4 s" changes every second. */
export function progressGist(text: string): string {
  return text.replace(/, \d+ s$/, '');
}

/**
 * Shows the stack coming up. On a TTY: a listr2 task list (one task per service) while the
 * children's lines are held back, then the terminal goes to the logs. Off a TTY: a plain line in
 * the log stream per change. After startup, later changes (a restart that became ready again, a
 * crash) are told as plain lines in both cases. Resolves when every service has settled.
 */
export async function showStartup(
  supervisor: Supervisor,
  logs: LogMultiplexer,
  out: NodeJS.WriteStream,
  services: string[],
  color: boolean,
): Promise<void> {
  // A terminal that reports no width (a pty nobody sized) would get the task list one character per line.
  const tty = out.isTTY === true && (out.columns ?? 0) > 0;
  const said = new Map<string, { gist: string; at: number }>();
  const tell = (runner: ServiceRunner) => {
    // Left out of this run (not named, or `autostart: false`), it is stopped from the start: nothing to tell.
    if (runner.status === 'stopped' && !said.has(runner.spec.key)) return;
    const text = describeProgress(runner);
    // A line when what a wait sees changes, or every 10 s.
    const gist = progressGist(text);
    const last = said.get(runner.spec.key);
    // The runner itself says why it restarts; the rest are news only when they differ.
    if (runner.status === 'restarting' || (last?.gist === gist && Date.now() - last.at < PROGRESS_REPEAT_MS)) return;
    said.set(runner.spec.key, { gist, at: Date.now() });
    supervisor.output.note(runner.spec.key, text);
  };
  if (tty) {
    logs.hold();
    await showTaskList(
      services.map((key) => progressOf(supervisor.runners.get(key)!)),
      color,
    );
    logs.release();
    for (const key of services) said.set(key, { gist: describeProgress(supervisor.runners.get(key)!), at: Date.now() });
    supervisor.on('change', tell);
    return;
  }
  supervisor.on('change', tell);
  await supervisor.whenSettled();
}

/** Whether a service's start-up is over, for the better or worse: ready, done, failed, stopped, or blocked by a dependency. */
export function hasSettled(status: ServiceStatus, text: string): boolean {
  return SETTLED.has(status) || (status === 'pending' && text.startsWith('blocked'));
}

/** One task of the list: a service's title, and its progress as it changes. */
export interface ServiceProgress {
  title: string;
  /** Calls `listener` with the status and its phrase (describeProgress) now, if known, and at each change; returns the unsubscribe. */
  follow(listener: (status: ServiceStatus, text: string) => void): () => void;
}

/**
 * The listr2 task list, one task per service, until each has settled (✖ for one that will not be
 * ready). A settled service's line follows it while the list is up: a one-shot that was `running`
 * when it settled and has exited since says `exited`, as the table after the list does, and one
 * that crashed since says so.
 */
export async function showTaskList(services: ServiceProgress[], color: boolean): Promise<void> {
  const { Listr, ListrDefaultRendererLogLevels } = await import('listr2');
  // listr2 decides colours for itself (from the environment when it loads); devsup's decision overrides it.
  const plain = Object.fromEntries(Object.values(ListrDefaultRendererLogLevels).map((level) => [level, (text: string) => text]));
  const unsubscribes: (() => void)[] = [];
  const list = new Listr(
    services.map((service) => ({
      title: service.title,
      task: (_context: unknown, task: { title: string; output: string }) =>
        new Promise<void>((resolve, reject) => {
          let settled = false;
          const unsubscribe = service.follow((status, text) => {
            if (settled) {
              // Its ✔ stays (listr2 cannot take it back): the words say it did not last.
              task.title = `${service.title}: ${FAILURES.has(status) ? `started, then ${text}` : text}`;
              return;
            }
            task.output = text;
            if (!hasSettled(status, text)) return;
            settled = true;
            task.title = `${service.title}: ${text}`;
            if (FAILURES.has(status) || status === 'pending') reject(new Error(task.title));
            else resolve();
          });
          unsubscribes.push(unsubscribe);
        }),
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: { collapseErrors: false, ...(color ? {} : { color: plain }) },
    },
  );
  try {
    await list.run();
  } catch {
    // A service that will not be ready is said by its ✖ line.
  } finally {
    unsubscribes.forEach((unsubscribe) => unsubscribe());
  }
}

function progressOf(runner: ServiceRunner): ServiceProgress {
  return {
    title: runner.spec.title,
    follow: (listener) => {
      const update = () => listener(runner.status, describeProgress(runner));
      runner.on('change', update);
      update();
      return () => runner.off('change', update);
    },
  };
}
