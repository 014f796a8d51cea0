import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('the Node.js modules a running devsup up has loaded', () => {
  // Each costs every `up` its load time and resident memory (node:crypto is sixteen modules).
  it('are neither node:crypto nor perf_hooks, with an env file read and a service ready', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': `services:\n  web:\n    command: ${fixtureArgv('http-server.mjs')}\n    port: ${port}\n    env_file: .env\n`,
      '.env': 'GREETING=hello\n',
      // Each node process (devsup and its service) lists what it loaded as it exits.
      'list-modules.cjs':
        "process.on('exit', () => require('node:fs').writeFileSync(`${__dirname}/modules-${process.pid}.txt`, process.moduleLoadList.join('\\n')));\n",
    });
    const up = session.up(dir, [], { NODE_OPTIONS: `--require ${path.join(dir, 'list-modules.cjs')}` });
    await up.waitForOutput(TABLE_HEADER, 20_000);
    session.interrupt(up);
    expect((await exitWithin(up, 15_000, 'devsup up exits after SIGINT')).code).toBe(0);

    const listed = path.join(dir, `modules-${up.child.pid}.txt`);
    expect(existsSync(listed)).toBe(true);
    const modules = readFileSync(listed, 'utf8').split('\n');
    expect(modules).toContain('NativeModule child_process'); // the list is real: it holds what up needs
    expect(modules.filter((name) => /^NativeModule (crypto|perf_hooks|internal\/perf\/performance)$/.test(name))).toEqual([]);
  });
});
