import { takeInstanceLock, type InstanceLock } from '../control/instance-lock.js';
import { listThisInstance } from '../control/instance-registry.js';
import { holdInstanceName } from '../control/instance-name.js';
import { reclaimPreferredPorts, stopLeftovers } from '../control/leftovers.js';
import { ensureStateFolder, readState } from '../control/state-folder.js';
import { InstanceRunningError } from '../errors.js';
import type { Manifest } from '../manifest/service-spec.js';
import type { LastRunPorts } from '../output/build-report.js';
import { stickyPortsOf } from './service-args.js';
import type { Teardown } from './teardown.js';

export interface ClaimedInstance {
  stateFolder: string;
  lock: InstanceLock;
  /** Each service's ports in the previous run here, when there was one. */
  lastRun: LastRunPorts | undefined;
}

/**
 * Makes this `devsup up` the one instance of its manifest: the instance name (outside `.devsup/`,
 * so a `git clean -fdx` cannot let a second one in), the state folder and its lock, and whatever a
 * killed predecessor left running stopped; then it lists itself for `devsup ls`. With `reclaim`,
 * orphans of dead instances on preferred ports are stopped too.
 */
export async function claimInstance(
  manifest: Manifest,
  reclaim: boolean,
  warn: (message: string) => void,
  teardown: Teardown,
): Promise<ClaimedInstance> {
  const name = await holdInstanceName(manifest.file, warn).catch(sayIfDetached(manifest));
  teardown.add('give up the instance name', () => name.release());
  const stateFolder = ensureStateFolder(manifest.dir);
  const lock = await takeInstanceLock(stateFolder, manifest.file, warn).catch(sayIfDetached(manifest));
  teardown.add('release the instance lock', () => lock.release());
  // Not awaited: no service needs to wait for it; the teardown does.
  const listed = listThisInstance(manifest, warn);
  teardown.add('take this instance off the list of `devsup ls`', async () => (await listed).remove());
  const previous = readState(manifest.dir);
  const leftovers = await stopLeftovers(previous, manifest.file);
  if (previous && leftovers.length > 0) warn(`stopped ${leftovers.join(', ')}: left running by devsup pid ${previous.pid}, which was killed.`);
  if (reclaim) (await reclaimPreferredPorts(manifest)).forEach(warn);
  return { stateFolder, lock, lastRun: previous && stickyPortsOf(previous) };
}

/** An instance already running in the background is named as such: no terminal shows it, so the user may not know of it. */
function sayIfDetached(manifest: Manifest): (error: unknown) => never {
  return (error) => {
    const state = error instanceof InstanceRunningError ? readState(manifest.dir) : undefined;
    if (error instanceof InstanceRunningError && state?.pid === error.pid && state.detached)
      throw new InstanceRunningError(error.pid, manifest.file, true);
    throw error;
  };
}
