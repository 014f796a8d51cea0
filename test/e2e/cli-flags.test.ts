import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { CLI, runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** An ANSI colour (SGR) sequence, as picocolors and listr2 write them. */
const COLOUR = /\x1b\[[\d;]*m/; // eslint-disable-line no-control-regex

describe('devsup --version', () => {
  it('prints the version of the package.json beside the build, read when it runs, for --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const { dir } = session.project({});
    for (const flag of ['--version', '-V']) expect(await runCli([flag], dir)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });

    // A copy of the build under another package.json says that one's version: nothing is baked in.
    const { dir: copy } = session.project({ 'package.json': JSON.stringify({ name: 'devsup', version: '9.8.7-copy' }) });
    cpSync(path.dirname(CLI), path.join(copy, 'dist/bin'), { recursive: true });
    const copied = spawnSync(process.execPath, [path.join(copy, 'dist/bin', path.basename(CLI)), '-V'], { cwd: copy, encoding: 'utf8' });
    expect({ code: copied.status, stdout: copied.stdout }).toEqual({ code: 0, stdout: '9.8.7-copy\n' });
  });
});

describe('colours', () => {
  it('--no-color (before or after the command), NO_COLOR and FORCE_COLOR=0 turn off what FORCE_COLOR=1 turns on', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': `services:\n  web:\n    command: ${fixtureArgv('http-server.mjs')}\n    port: ${port}\n` });
    const upOutput = async (args: string[], env: NodeJS.ProcessEnv) => {
      const up = session.up(dir, args, env);
      await up.waitForOutput(TABLE_HEADER, 20_000);
      session.interrupt(up);
      expect((await exitWithin(up, 15_000, 'devsup up exits after SIGINT')).code).toBe(0);
      return up.stdout();
    };
    expect(await upOutput([], { FORCE_COLOR: '1' })).toMatch(COLOUR);
    expect(await upOutput(['--no-color'], { FORCE_COLOR: '1' })).not.toMatch(COLOUR);

    // `logs` reads what the two runs left in .devsup/logs, with coloured names unless told otherwise.
    expect((await runCli(['logs'], dir, { FORCE_COLOR: '1' })).stdout).toMatch(COLOUR);
    for (const [args, env] of [
      [['--no-color', 'logs'], { FORCE_COLOR: '1' }],
      [['logs', '--no-color'], { FORCE_COLOR: '1' }],
      [['logs'], { FORCE_COLOR: '1', NO_COLOR: '1' }],
      [['logs'], { FORCE_COLOR: '0' }],
    ] as const) {
      const result = await runCli([...args], dir, env);
      expect(result.code, `${args.join(' ')} ${JSON.stringify(env)}: ${result.stderr}`).toBe(0);
      expect(result.stdout, `${args.join(' ')} ${JSON.stringify(env)}`).toMatch(/^web +\| listening on/m);
      expect(result.stdout, `${args.join(' ')} ${JSON.stringify(env)}`).not.toMatch(COLOUR);
    }
  });
});
