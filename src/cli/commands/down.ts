import { setTimeout as sleep } from 'node:timers/promises';
import { expectReply, requestInstance } from '../../control/control-client.js';
import { isSameProcess, processStartTime } from '../../ports/process-identity.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { instanceFolder } from '../instance-folder.js';

const POLL_MS = 20;

/**
 * `devsup down`: the same clean stop as Ctrl-C in the instance's terminal. Returns once the
 * instance has stopped every service and its process is gone, so a script can start again at once.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const folder = instanceFolder(args, io);
  const pid = await downInstance(folder);
  if (pid !== undefined) io.stdout.write(`devsup (pid ${pid}) in ${folder} has stopped.\n`);
  return 0;
}

/** Stops the instance of the manifest in `folder` and resolves with its pid once it is gone. */
export async function downInstance(folder: string): Promise<number | undefined> {
  let instance: { pid: number; startTime: string | undefined } | undefined;
  // The instance keeps the connection open until everything has stopped, then closes it as it exits.
  for await (const reply of requestInstance(folder, { type: 'down' })) {
    const { pid } = expectReply(reply, 'stopping', folder);
    instance = { pid, startTime: processStartTime(pid) };
  }
  if (!instance) return undefined;
  while (isSameProcess(instance.pid, instance.startTime)) await sleep(POLL_MS);
  return instance.pid;
}
