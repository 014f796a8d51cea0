import { findPortHolders } from '../ports/find-port-holder.js';
import { probePort } from '../ports/probe-port.js';
import type { PortsReport } from './ports-report.js';

/**
 * What is true now of preferred ports whose holder has exited since allocation: free, or held by
 * someone else. Asked only when a report is shown (`devsup ports`, the table of `up`): a probe per
 * such port is cheap then, but not on every state write.
 */
export async function refreshHolders(report: PortsReport): Promise<PortsReport> {
  const services = await Promise.all(
    report.services.map(async (service) => {
      if (!service.holder?.exited || service.preferred === null) return service;
      const { result } = await probePort(service.preferred);
      if (result === 'free') return { ...service, holder: { ...service.holder, freeNow: true } };
      const listener = (await findPortHolders(service.preferred)).find((holder) => holder.state === 'listen');
      const now = listener && { pid: listener.pid ?? null, command: listener.command ?? null };
      return { ...service, holder: { ...service.holder, freeNow: false, ...(now && { now }) } };
    }),
  );
  return { ...report, services };
}
