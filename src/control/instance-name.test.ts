import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { InstanceRunningError } from '../errors.js';
import { holdInstanceName, instanceAddress } from './instance-name.js';
import { waitFor } from '../../test/helpers/wait-for.js';

describe('instanceAddress', () => {
  it('is an abstract socket on Linux, a named pipe on Windows, and none on macOS', () => {
    expect(instanceAddress('/p/services.yaml', 'linux')).toMatch(/^\0devsup-instance-[0-9a-f]{32}$/);
    expect(instanceAddress('/p/services.yaml', 'win32')).toMatch(/^\\\\\.\\pipe\\devsup-instance-[0-9a-f]{32}$/);
    expect(instanceAddress('/p/services.yaml', 'darwin')).toBeUndefined();
    expect(instanceAddress('/p/services.yaml', 'linux')).not.toBe(instanceAddress('/q/services.yaml', 'linux'));
  });
});

describe.runIf(process.platform === 'linux')('holdInstanceName', () => {
  it('refuses a second holder of the same manifest, naming the first pid, and frees the name on release', async () => {
    const manifest = `/tmp/devsup-name-test-${process.pid}-${Date.now()}/services.yaml`;
    const first = await holdInstanceName(manifest, () => undefined);
    const second = holdInstanceName(manifest, () => undefined);
    await expect(second).rejects.toBeInstanceOf(InstanceRunningError);
    await expect(second).rejects.toMatchObject({ pid: process.pid });
    await first.release();
    await (await holdInstanceName(manifest, () => undefined)).release();
  });

  it('is freed by the kernel when its holder is killed', async () => {
    const manifest = `/tmp/devsup-name-test-${process.pid}-${Date.now()}-killed/services.yaml`;
    const address = JSON.stringify(instanceAddress(manifest));
    const holder = spawn(
      process.execPath,
      ['-e', `require('net').createServer((s) => s.end(process.pid + '\\n')).listen(${address}, () => console.log('held'))`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    holder.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await waitFor(() => out.includes('held'), { what: 'name held by another process' });
    await expect(holdInstanceName(manifest, () => undefined)).rejects.toMatchObject({ pid: holder.pid });
    holder.kill('SIGKILL');
    await waitFor(
      async () => {
        try {
          await (await holdInstanceName(manifest, () => undefined)).release();
          return true;
        } catch {
          return false;
        }
      },
      { what: 'name free once its holder is gone' },
    );
  });
});
