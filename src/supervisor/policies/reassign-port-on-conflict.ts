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

/**
 * Why a service that exited before it was ready could not have its port, or undefined when it
 * simply crashed (then its port stays, and the restart policy decides). Its output saying so in
 * this run (`saidLine`) is enough; otherwise another process must be listening on the port now.
 */
export async function explainPortConflict(port: number, saidLine: string | undefined): Promise<string | undefined> {
  if (saidLine) return `it said: ${saidLine}`;
  const holder = (await findPortHolders(port)).find((candidate) => candidate.state === 'listen');
  return holder ? `it is held by ${describeHolder(holder, port)}` : undefined;
}
