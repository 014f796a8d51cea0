import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { parsePortTable, TABLE_HEADER } from '../helpers/parse-port-table.js';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** Every secret of these tests looks like this, so one pattern finds any that leaked. */
const LEAK = /leak\d+x9/;

/** A process listening on `port` whose command line carries secrets; it runs in `dir`, so the session's cleanup stops it. */
async function holdPortWithSecrets(port: number, dir: string): Promise<number> {
  const script = "require('node:net').createServer().listen(Number(process.argv[1]), () => console.log('holding'))";
  const child = spawn(process.execPath, ['-e', script, String(port), '--password', 'leak1x9', 'postgres://u:leak2x9@db.local/app'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  session.track(child.pid);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await waitFor(() => out.includes('holding'), { what: `holder of port ${port} listening` });
  return child.pid!;
}

describe('secrets in what devsup prints', () => {
  it('never shows them in the table of up, ports --json, ports.json, state.json, up’s messages or who', async () => {
    const port = await findFreePorts(2);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '    url: http://admin:leak3x9@localhost:${port}/?token=leak4x9&page=1',
        '    env:',
        '      OPENAI_KEY: leak5x9',
        '      DATABASE_URL: postgres://u:leak6x9@db.local/app',
        '',
      ].join('\n'),
    });
    const holder = await holdPortWithSecrets(port, dir);
    const up = session.up(dir);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const table = parsePortTable(up.stdout(), 1);
    expect(table.rows[0]!.URL).toBe(`http://••••••@localhost:${port + 1}/?token=••••••&page=1`);
    expect(table.notes.join('\n')).toContain(`is held by pid ${holder}: `);
    expect(table.notes.join('\n')).toContain('--password •••••• postgres://••••••@db.local/app');
    expect(up.stdout()).not.toMatch(LEAK);
    expect(up.stderr()).toContain(`pid ${holder}:`); // the fallback explained, with the holder's command line
    expect(up.stderr()).not.toMatch(LEAK);

    const json = await runCli(['ports', '--json'], dir);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).services[0].url).toBe(`http://••••••@localhost:${port + 1}/?token=••••••&page=1`);
    expect(json.stdout).not.toMatch(LEAK);
    for (const file of ['ports.json', 'state.json']) expect(readFileSync(path.join(dir, '.devsup', file), 'utf8'), file).not.toMatch(LEAK);
    const ports = await runCli(['ports'], dir);
    expect(ports.stdout).toContain('http://••••••@localhost');
    expect(ports.stdout).not.toMatch(LEAK);

    const who = await runCli(['who', String(port)], dir);
    expect(who.stdout).toContain('--password ••••••');
    expect(who.stdout).not.toMatch(LEAK);
    expect((await runCli(['who', String(port), '--json'], dir)).stdout).not.toMatch(LEAK);
  });
});
