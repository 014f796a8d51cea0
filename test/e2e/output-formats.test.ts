import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { namedRows, undocumentedFields, type TableRow } from '../helpers/markdown-tables.js';
import { runCli } from '../helpers/run-cli.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

/**
 * docs/output-formats.md against what devsup really writes: every field of a real `ports --json`,
 * `who --json`, `ls --json` and `state.json`, and every file in `.devsup/`, has its row there. The
 * stack has what brings out the optional fields: a fallback with a holder, named ports, replicas, a
 * one-shot that exited, a readiness check that waits; and a second run, for `lastRun`.
 */
const session = new E2ESession();
const folders: string[] = [];
afterEach(async () => {
  await session.cleanup();
  folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true }));
});

const DOC = readFileSync(fileURLToPath(new URL('../../docs/output-formats.md', import.meta.url)), 'utf8');

/** The rows of docs/output-formats.md's field (or file) tables under `heading`. */
function documented(heading: string, firstColumn = 'field'): Map<string, TableRow> {
  const rows = namedRows(DOC, heading, firstColumn);
  if (rows === undefined || rows.size === 0) throw new Error(`docs/output-formats.md has no "${heading}" table`);
  return rows;
}

/** Runtime and lease folders of this test's own, so `ls` lists this test's instance alone. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-formats-'));
  folders.push(dir);
  for (const folder of ['run', 'tmp']) mkdirSync(path.join(dir, folder), { mode: 0o700 });
  return { XDG_RUNTIME_DIR: path.join(dir, 'run'), TMPDIR: path.join(dir, 'tmp'), DEVSUP_LEASE_DIR: path.join(dir, 'leases') };
}

async function json(args: string[], cwd: string, env: NodeJS.ProcessEnv, code = 0): Promise<unknown> {
  const result = await runCli(args, cwd, env);
  expect(result.code, `devsup ${args.join(' ')}: ${result.stderr}`).toBe(code);
  return JSON.parse(result.stdout);
}

describe('docs/output-formats.md', () => {
  it('documents every field devsup writes, in ports --json, who --json, ls --json and .devsup/', async () => {
    const env = isolatedEnv();
    const base = await findFreePorts(8);
    const holder = await session.holdPort(base, '127.0.0.1');
    const { dir } = session.project({
      'services.yaml': [
        'project: formats',
        'services:',
        '  api:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base}`,
        '  multi:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    ports: { http: ${base + 2}, metrics: ${base + 3} }`,
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base + 4}`,
        '    replicas: 2',
        '  once:',
        `    command: ${JSON.stringify([process.execPath, '-e', ''])}`,
        '    restart: never',
        '  slow:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base + 7}`,
        '    ready: { http: /, status: 204 }',
        '',
      ].join('\n'),
    });
    const settled = (report: { services: { service: string; status: string; detail?: string }[] }) =>
      report.services.every(({ service, status, detail }) =>
        service === 'once' ? status === 'exited' : service === 'slow' ? detail !== undefined : status === 'ready',
      );
    const up = session.up(dir, [], env);
    await session.waitForPorts(dir, 'the stack settled, slow still waiting', settled);

    const ports = await json(['ports', '--json'], dir, env);
    const services = (ports as { services: { service: string; port: number; holder?: unknown; lastExit?: unknown }[] }).services;
    expect(services.find((service) => service.service === 'api')?.holder, 'api fell back: its holder is named').toBeDefined();
    expect(services.find((service) => service.service === 'once')?.lastExit).toBeDefined();
    expect(undocumentedFields(ports, documented('## `devsup ports --json`'), ['ports'])).toEqual([]);
    expect(
      undocumentedFields(JSON.parse(readFileSync(path.join(dir, '.devsup/ports.json'), 'utf8')), documented('## `devsup ports --json`'), ['ports']),
    ).toEqual([]);

    const apiPort = services.find((service) => service.service === 'api')!.port;
    const who = documented('## `devsup who --json`');
    expect(undocumentedFields(await json(['who', String(base), '--json'], dir, env), who)).toEqual([]);
    const ofService = await json(['who', String(apiPort), '--json'], dir, env);
    expect(ofService).toMatchObject({ holders: [{ devsup: { service: 'api' } }], lease: { service: 'api' } });
    expect(undocumentedFields(ofService, who)).toEqual([]);

    const ls = await json(['ls', '--json'], os.tmpdir(), env);
    expect((ls as { instances: unknown[] }).instances).toHaveLength(1);
    expect(undocumentedFields(ls, documented('## `devsup ls --json`'))).toEqual([]);

    const state = () => JSON.parse(readFileSync(path.join(dir, '.devsup/state.json'), 'utf8')) as Record<string, unknown>;
    // `report` is ports.json's object, checked above.
    expect(undocumentedFields(state(), documented('### `state.json`'), ['report'])).toEqual([]);

    const files = documented('## The `.devsup` folder', 'file');
    // A file being replaced is written as FILE.PID.tmp first, then renamed over it (the docs say so).
    const listed = (name: string) => files.has(name) || files.has(`${name}/`) || files.has(name.replace(/\.\d+\.tmp$/, ''));
    expect(readdirSync(path.join(dir, '.devsup')).filter((name) => !listed(name))).toEqual([]);
    expect(DOC).toContain('`FILE.PID.tmp`');
    const logs = readdirSync(path.join(dir, '.devsup/logs'));
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((name) => !/^[\w.-]+\.log(\.1)?(\.idx)?$/.test(name))).toEqual([]); // rotated: SERVICE.log.1(.idx)
    // ports.env: a line per service with a port, then replica 1's and every replica's port per replicated service.
    const portsEnv = readFileSync(path.join(dir, '.devsup/ports.env'), 'utf8');
    expect(
      portsEnv
        .trimEnd()
        .split('\n')
        .map((line) => line.split('=')[0]),
    ).toEqual([
      'DEVSUP_API_PORT',
      'DEVSUP_MULTI_PORT',
      'DEVSUP_WEB_1_PORT',
      'DEVSUP_WEB_2_PORT',
      'DEVSUP_SLOW_PORT',
      'DEVSUP_WEB_PORT',
      'DEVSUP_WEB_PORTS',
    ]);

    // A clean stop, then a second run with the preferred port free: stoppedCleanly, lastRun, lastRunPort.
    session.interrupt(up);
    expect((await exitWithin(up, 20_000)).code).toBe(0);
    expect(state().stoppedCleanly).toBe(true);
    expect(undocumentedFields(state(), documented('### `state.json`'), ['report'])).toEqual([]);
    process.kill(holder.pid, 'SIGKILL');
    await waitFor(() => !isAlive(holder.pid), { what: 'the holder gone', timeoutMs: 5_000 });
    const second = session.up(dir, [], env);
    // (waitForPorts watches the first `up` of a folder, which has exited.)
    const again = await waitFor(
      async () => {
        if (second.child.exitCode !== null) throw new Error(`the second devsup up exited: ${second.stderr()}`);
        const result = await runCli(['ports', '--json'], dir, env);
        const report = result.code === 0 ? (JSON.parse(result.stdout) as Parameters<typeof settled>[0]) : undefined;
        return report && settled(report) ? report : undefined;
      },
      { what: 'the second run settled', timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(again.services.find((service) => service.service === 'api')).toMatchObject({ lastRun: 'new', lastRunPort: apiPort });
    expect(undocumentedFields(again, documented('## `devsup ports --json`'), ['ports'])).toEqual([]);
  }, 90_000);

  it('a field without its row is found, and one named in the row of the field that holds it is not', () => {
    const rows = documented('## `devsup ports --json`');
    expect(undocumentedFields({ services: [{ service: 'a', lastExit: { code: 0, at: 'x' }, cores: 2 }] }, rows)).toEqual(['services[].cores']);
    expect(undocumentedFields({ lastExit: { exitedAt: 'x' } }, rows)).toEqual(['lastExit.exitedAt']);
    expect(undocumentedFields({ ports: { http: 1 } }, rows, ['ports'])).toEqual([]);
  });
});
