import type { PortsReport, ServiceReport } from '../../output/ports-report.js';

/** What a tool answers: a short text for people and models, and the same as data. */
export interface ToolAnswer {
  text: string;
  structured: Record<string, unknown>;
  /** A failure that still has data to give (check_manifest's problems). */
  isError?: true;
}

/** One service as the MCP tools show it: the report's facts under the names an agent reads without a manual. */
export interface ServiceEntry {
  key: string;
  title: string;
  /** On a replica: the replicated service it is one of, and its number. */
  replicaOf?: string;
  replica?: number;
  status: string;
  detail?: string;
  port: number | null;
  ports: Record<string, number>;
  preferred: number | null;
  url: string | null;
  pid: number | null;
  restarts: number;
  startedAt?: string;
  lastExit?: ServiceReport['lastExit'];
  /** Who held the preferred port when the service got another one. */
  holder?: ServiceReport['holder'];
  sibling?: string;
  note?: string;
}

export function serviceEntry(service: ServiceReport): ServiceEntry {
  return {
    key: service.service,
    title: service.title,
    ...(service.replicaOf !== undefined && { replicaOf: service.replicaOf, replica: service.replica }),
    status: service.status,
    ...(service.detail !== undefined && { detail: service.detail }),
    port: service.port,
    ports: service.ports,
    preferred: service.preferred,
    url: service.url,
    pid: service.pid,
    restarts: service.restarts,
    ...(service.startedAt !== undefined && { startedAt: service.startedAt }),
    ...(service.lastExit !== undefined && { lastExit: service.lastExit }),
    ...(service.holder !== undefined && { holder: service.holder }),
    ...(service.sibling !== undefined && { sibling: service.sibling }),
    ...(service.note !== undefined && { note: service.note }),
  };
}

/** The structured answer of the tools that return the stack's state. */
export function stackState(report: PortsReport, services?: string[]): { running: true; pid: number; project: string; services: ServiceEntry[] } {
  const shown = services === undefined ? report.services : report.services.filter((service) => services.includes(service.service));
  return { running: true, pid: report.pid, project: report.project, services: shown.map(serviceEntry) };
}

/** "exited with code 3", "killed by SIGKILL": how a run ended, in a few words. */
export function describeExit(exit: { code: number | null; signal: string | null }): string {
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return exit.code === null ? 'ended' : `exited with code ${exit.code}`;
}
