/** Types shared by the port modules and their users (supervisor, table, `who`). */

/** What a bind attempt said about a port. */
export type ProbeResult = 'free' | 'busy' | 'forbidden' | 'badhost';

/** Who holds a port, as far as the OS lets us see. */
export interface PortHolder {
  /** `listen`: a listening socket; `time-wait`: only the kernel (never a process); `connection`: the local end of a connection. */
  state: 'listen' | 'time-wait' | 'connection';
  pid?: number;
  command?: string; // the holder's command line
  uid?: number;
  user?: string; // the uid's name, where the holder itself cannot be named
  address?: string; // the local address it is bound to, e.g. `127.0.0.1` or `::`
  devsup?: DevsupMark; // set when the holder is a service (or a descendant of one) of a devsup instance
}

/** What a devsup child carries in its environment (DEVSUP_SERVICE, DEVSUP_INSTANCE, DEVSUP_MANIFEST). */
export interface DevsupMark {
  service: string;
  instance?: number; // the devsup pid
  manifest?: string; // absolute path of its manifest
}

/** A probe socket kept bound: during an allocation, or handed to a `socket: true` child as fd 3. */
export interface PortReservation {
  port: number;
  /** Closes the probe socket; resolves once the port is bindable again. Safe to call twice. */
  release(): Promise<void>;
  /** The listening socket's file descriptor, to hand to a child (`socket: true`); undefined once released or where the platform does not expose it. */
  fd(): number | undefined;
}

/** Why a service did not get its preferred port. */
export type DisplacedBy =
  | { kind: 'process'; holder?: PortHolder } // a process outside this instance (holder when the OS tells)
  | { kind: 'sibling'; service: string } // another service of this manifest prefers it and came first
  | { kind: 'forbidden' } // privileged or reserved by the OS
  | { kind: 'lease'; detail: string } // leased by another devsup instance
  | { kind: 'unbindable'; detail: string }; // the service itself just failed to bind it (e.g. TIME_WAIT without SO_REUSEADDR)

export interface PortAssignment {
  name: string; // 'default' for `port:`, else the key in `ports:`
  port: number;
  preferred?: number; // undefined for `auto`
  source: 'preferred' | 'scan' | 'range' | 'sticky' | 'os';
  displacedBy?: DisplacedBy; // set when `port !== preferred`
}

/** The result of allocation for one service: its ports, or why it could not get one. */
export interface ServiceAllocation {
  service: string;
  ports: PortAssignment[]; // in the service's declaration order; empty for a service without a port
  /** Set when the service cannot start for lack of a port (`fallback: none`, range exhausted, bad host). */
  failure?: string;
}
