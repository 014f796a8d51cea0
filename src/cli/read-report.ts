import { NoInstanceError } from '../errors.js';
import { NoAnswerError, requestOnce } from '../control/control-client.js';
import type { PortsReport } from '../output/ports-report.js';

/**
 * The running instance's report, asked through its socket (always current). When the socket does
 * not answer but `.devsup/state.json` names a live instance (one that could not open a socket, is
 * between start-up steps, or is on its way out), that file's copy, at most 50 ms old, serves instead
 * (without `usage`: CPU and memory are read only when asked, from the socket).
 */
export async function readReport(folder: string, options: { usage?: true } = {}): Promise<PortsReport> {
  try {
    return (await requestOnce(folder, { type: 'ports', ...options }, 'report')).report;
  } catch (error) {
    if (!(error instanceof NoInstanceError || error instanceof NoAnswerError)) throw error;
  }
  // Loaded only here: the socket answers nearly always, and `devsup ports` is timed from a cold start.
  const { readLiveState } = await import('../control/state-folder.js');
  const state = readLiveState(folder);
  if (!state) throw new NoInstanceError(folder);
  return state.report;
}
