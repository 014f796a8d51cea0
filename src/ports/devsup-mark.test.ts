import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnviron, parsePsEnvironment, readDevsupMark } from './devsup-mark.js';
import { findPortHolders } from './find-port-holder.js';
import { findFreePorts } from '../../test/helpers/free-port.js';

const MARK = { DEVSUP_SERVICE: 'llm', DEVSUP_INSTANCE: '41200', DEVSUP_MANIFEST: '/home/a b/services.yaml' };
const children: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }),
  );
});

/** A node process listening on `port` (when given) with `env` added; resolves once it listens. */
async function startMarked(env: Record<string, string>, port?: number): Promise<number> {
  const script =
    port === undefined
      ? "console.log('up'); setInterval(() => {}, 1 << 30);"
      : `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'));`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await once(child.stdout, 'data');
  return child.pid!;
}

describe('parseEnviron', () => {
  it('reads the three variables of a devsup child', () => {
    const environ = [
      'PATH=/usr/bin',
      'DEVSUP_SERVICE=llm',
      'DEVSUP_INSTANCE=41200',
      'DEVSUP_MANIFEST=/home/a b/services.yaml',
      'PORT=10502',
      '',
    ].join('\0');
    expect(parseEnviron(environ)).toEqual({ service: 'llm', instance: 41200, manifest: '/home/a b/services.yaml' });
  });

  it('is undefined without DEVSUP_SERVICE, and ignores a bad instance', () => {
    expect(parseEnviron('PATH=/usr/bin\0DEVSUP_INSTANCE=1\0')).toBeUndefined();
    expect(parseEnviron('DEVSUP_SERVICE=web\0DEVSUP_INSTANCE=abc\0')).toEqual({ service: 'web' });
  });
});

describe('parsePsEnvironment', () => {
  it('reads the variables after the command line of `ps eww`, values with spaces included', () => {
    const line = 'node llm.js --port 10502 TERM=xterm DEVSUP_SERVICE=llm DEVSUP_MANIFEST=/Users/a b/services.yaml DEVSUP_INSTANCE=41200 PORT=10502\n';
    expect(parsePsEnvironment(line)).toEqual({ service: 'llm', instance: 41200, manifest: '/Users/a b/services.yaml' });
  });

  it('lets the environment win over look-alikes in the command line', () => {
    expect(parsePsEnvironment('sh -c echo DEVSUP_SERVICE=fake HOME=/root DEVSUP_SERVICE=real\n')).toEqual({ service: 'real' });
    expect(parsePsEnvironment('python3 -m http.server HOME=/root\n')).toBeUndefined();
  });
});

describe.runIf(process.platform !== 'win32')('readDevsupMark on this machine', () => {
  it("reads a devsup child's mark from its environment, and nothing from another process", async () => {
    expect(await readDevsupMark(await startMarked(MARK))).toEqual({ service: 'llm', instance: 41200, manifest: '/home/a b/services.yaml' });
    expect(await readDevsupMark(await startMarked({}))).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')('marks a holder that is a devsup child', async () => {
    const port = await findFreePorts(1);
    const pid = await startMarked(MARK, port);
    expect(await findPortHolders(port)).toEqual([
      expect.objectContaining({ pid, devsup: { service: 'llm', instance: 41200, manifest: '/home/a b/services.yaml' } }),
    ]);
  });
});
