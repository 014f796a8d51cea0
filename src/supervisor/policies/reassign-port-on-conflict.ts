import { findPortHolders, describeHolder } from '../../ports/find-port-holder.js';

/**
 * What programs print when the port they were given is already taken: Node, Python (errno 98 on
 * Linux, 48 on macOS, uvicorn), Go, Rust, Java, Ruby, .NET on Windows, gunicorn, gradio.
 */
const ADDRESS_IN_USE =
  /EADDRINUSE|address already in use|Errno (98|48)\b|WinError 10048|Only one usage of each socket address|BindException|Connection in use|Cannot find empty port/i;

/** How often one service may move to a new port in a row before devsup gives up on it. */
export const MAX_PORT_MOVES = 3;

/** The first line that says the address was in use, or undefined. */
export function findAddressInUse(lines: string[]): string | undefined {
  return lines.find((line) => ADDRESS_IN_USE.test(line))?.trim();
}

/** Why a service could not have its port. */
export interface PortConflict {
  text: string;
  /** A process listens on the port (a probe sees it busy); otherwise only the service itself could not bind it. */
  held: boolean;
  /** Nothing but TIME_WAIT connections are on the port: free for devsup's probe, not for a program that binds without SO_REUSEADDR. */
  timeWaitOnly: boolean;
}

/**
 * Why a service that exited before it was ready could not have its port, or undefined when it
 * simply crashed (then its port stays, and the restart policy decides). Its output saying so in
 * this run (`saidLine`) is enough; otherwise another process must be listening on the port now.
 */
export async function explainPortConflict(port: number, saidLine: string | undefined): Promise<PortConflict | undefined> {
  const holders = await findPortHolders(port);
  const listener = holders.find((candidate) => candidate.state === 'listen');
  if (!saidLine) return listener && { text: `it is held by ${describeHolder(listener, port)}`, held: true, timeWaitOnly: false };
  const timeWaitOnly = !listener && holders.length > 0 && holders.every((holder) => holder.state === 'time-wait');
  const why = timeWaitOnly
    ? '; only TIME_WAIT connections are left on the port, which a program that binds without SO_REUSEADDR cannot use until they expire'
    : '';
  return { text: `it said: ${saidLine}${why}`, held: listener !== undefined, timeWaitOnly };
}
