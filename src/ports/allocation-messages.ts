import type { FallbackPolicy } from '../manifest/service-spec.js';
import { describeHolder } from './find-port-holder.js';
import type { DisplacedBy } from './port-types.js';

/**
 * Why a preferred port was not given, as a clause for warnings and failures:
 * "port 10500 is held by pid 3907: python3 -m http.server 10500".
 */
export function describeDisplacement(port: number, displacedBy: DisplacedBy): string {
  switch (displacedBy.kind) {
    case 'process':
      return `port ${port} is held by ${describeHolder(displacedBy.holder, port)}`;
    case 'sibling':
      return `port ${port} is preferred by ${displacedBy.service} too, which comes first`;
    case 'forbidden':
      return port < 1024
        ? `port ${port} is privileged (below 1024) and this user may not bind it`
        : `port ${port} is reserved by the OS${process.platform === 'win32' ? ' (see `netsh interface ipv4 show excludedportrange protocol=tcp`)' : ''}`;
    case 'lease':
      return `port ${port} is ${displacedBy.detail}`;
    case 'unbindable':
      return `port ${port}: ${displacedBy.detail}`;
  }
}

/** The preferred port is taken and the service has `fallback: none`. */
export function describeNoFallback(service: string, portLabel: string, port: number, displacedBy: DisplacedBy): string {
  const advice =
    displacedBy.kind === 'process'
      ? `Stop that process, or give ${service} another ${portLabel} in services.local.yaml.`
      : `Give ${service} another ${portLabel} in services.local.yaml, or allow a fallback.`;
  return `${describeDisplacement(port, displacedBy)}, and ${service} has fallback: none. ${advice}`;
}

/** Every candidate was taken; `cause` explains the preferred port when there was one. */
export function describeExhausted(service: string, fallback: FallbackPolicy, cause: string | undefined): string {
  const where =
    fallback.kind === 'range'
      ? `no free port in ${fallback.from}-${fallback.to} for ${service} (its fallback range is a hard limit)`
      : `no free port for ${service}, not even one chosen by the OS`;
  return cause ? `${where}; ${cause}.` : `${where}.`;
}

/** The service's `host` cannot be bound: a configuration error, so no port is tried. */
export function describeBadHost(service: string, host: string, code: string | undefined): string {
  const problem = code === 'ENOTFOUND' ? `host ${host} does not resolve to an address` : `host ${host} is not an address of this machine`;
  return `${problem}, so ${service} cannot listen on it. Fix its \`host\`, or leave \`host\` out to listen on every address.`;
}
