import { keysByName } from '../../manifest/replicas.js';
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

/** The structured answer of the tools that return the stack's state: the services `names` mean (all without). */
export function stackState(report: PortsReport, names?: string[]): { running: true; pid: number; project: string; services: ServiceEntry[] } {
  return { running: true, pid: report.pid, project: report.project, services: servicesNamed(report, names).map(serviceEntry) };
}

/** The report's services that `names` mean, in the report's order: a replicated service's name means each of its replicas, as on the command line. */
export function servicesNamed(report: PortsReport | undefined, names?: string[]): ServiceReport[] {
  const services = report?.services ?? [];
  if (names === undefined) return services;
  const keys = new Set(
    names.flatMap((name) =>
      keysByName(
        services.map((service) => service.service),
        name,
      ),
    ),
  );
  return services.filter((service) => keys.has(service.service));
}

/** "exited with code 3", "killed by SIGKILL": how a run ended, in a few words. */
export function describeExit(exit: { code: number | null; signal: string | null }): string {
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return exit.code === null ? 'ended' : `exited with code ${exit.code}`;
}
