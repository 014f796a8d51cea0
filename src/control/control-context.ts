import type { LogRing } from '../output/log-ring.js';
import type { PortsReport } from '../output/ports-report.js';
import type { UsageSampler } from '../ports/process-usage.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { IncidentLog } from './incident-log.js';

/** What the control requests' handlers may use of the running instance. */
export interface ControlContext {
  supervisor: Supervisor;
  report(): PortsReport;
  ring: LogRing;
  /** CPU and memory of the services' process trees, read only when a request asks (its module loaded then too). */
  usage(): Promise<UsageSampler>;
  /** The state folder, whose logs/ hold what the ring no longer does. */
  logFolder: string;
  /** Resolves once those files hold everything printed so far (read them in the same tick). */
  flushLogFiles(services: string[]): Promise<void>;
  /** devsup's own messages, on the instance's stderr. */
  warn(message: string): void;
  /** Every crash, failure and failing health check since the instance started. */
  incidents: IncidentLog;
  /** Calls `listener` on every status change until the returned function is called. */
  onChange(listener: () => void): () => void;
}
