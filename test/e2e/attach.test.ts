import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { CLI, runCli, startCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

// util-linux `script` gives attach a real terminal (a pty) whose keyboard is this test's pipe.
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;

/** print-lines.mjs's line n, 40 bytes wide. */
const printed = (n: number) => {
  const head = `line ${n} `;
  return head + 'x'.repeat(40 - head.length - 1);
};

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      })
      .once('error', reject);
  });
}

/** lines: prints 30 lines and exits; then web: prints a line per request. */
async function startInstance() {
  const port = await findFreePorts(1);
  const { dir } = session.project({
    'services.yaml': [
      'services:',
      '  lines:',
      `    command: ${fixtureArgv('print-lines.mjs', 30, 40)}`,
      '    restart: never',
      '  web:',
      `    command: ${fixtureArgv('print-on-request.mjs')}`,
      `    port: ${port}`,
      '    depends_on: { lines: completed }', // so the order of their lines is known
      '',
    ].join('\n'),
  });
  const up = session.up(dir);
  const report = await session.waitForPorts(
    dir,
    'lines exited, web ready',
    (r) => r.services[0]?.status === 'exited' && r.services[1]?.status === 'ready',
  );
  return { dir, port, up, webPid: report.services[1]!.pid };
}

const lastLinesFirst = (port: number) => [...Array.from({ length: 20 }, (_, i) => `lines | ${printed(10 + i)}`), `web   | listening on ${port}`];

describe('devsup attach', () => {
  it('shows the last 20 lines of each service, then new ones as up prints them; Ctrl-C detaches and the stack runs on', async () => {
    const { dir, port, webPid } = await startInstance();
    const attach = startCli(['attach'], dir, {}, { detached: true });
    await attach.waitForOutput(/web {3}\| listening on \d+\n/);
    await get(port, '/after');
    await attach.waitForOutput(/web {3}\| request 1 \/after\n/);
    expect(attach.stdout().split('\n').slice(0, -1)).toEqual([...lastLinesFirst(port), 'web   | request 1 /after']);
    expect(attach.stderr()).toBe('');

    session.interrupt(attach); // the terminal's Ctrl-C, to attach's process group alone
    const { code } = await exitWithin(attach, 10_000, 'attach detaches');
    expect(code).toBe(0);
    expect(attach.stderr()).toBe(`devsup: detached; devsup in ${dir} keeps running (\`devsup down\` stops it).\n`);
    const after = await session.portsJson(dir);
    expect(after.services[1]).toMatchObject({ status: 'ready', pid: webPid });
    expect(await get(port, '/still')).toBe('2\n');
  });

  it('only the services named, aligned as in up; says so and exits 0 once the instance stops, after its last notes', async () => {
    const { dir, port, up } = await startInstance();
    const attach = startCli(['attach', 'web'], dir);
    await attach.waitForOutput(/web {3}\| listening on \d+\n/);
    const down = await runCli(['down'], dir);
    expect(down.code, down.stderr).toBe(0);
    const { code } = await exitWithin(attach, 10_000, 'attach ends with the instance');
    expect(code).toBe(0);
    expect(attach.stdout()).toBe(`web   | listening on ${port}\nweb   | stopping: shutdown\nweb   | stopped\n`);
    expect(attach.stderr()).toBe(`devsup: devsup in ${dir} has stopped.\n`);
    expect((await exitWithin(up, 10_000)).code).toBe(0);
  });

  it('with no instance running: says how to start one, exit 1; an unknown service is exit 2', async () => {
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('print-on-request.mjs')}`, ''].join('\n'),
    });
    const none = await runCli(['attach'], dir);
    expect(none).toEqual({
      code: 1,
      stdout: '',
      stderr: `devsup is not running in ${dir}: nothing to attach to.\nStart it with \`devsup up\` in ${dir}, then attach.\n`,
    });
    const { dir: running } = await startInstance();
    const typo = await runCli(['attach', 'wbe'], running);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown service "wbe"');
  });

  it.skipIf(!hasScript)('on a terminal: the keys hint, t prints the table, r restarts, Ctrl-C detaches, q stops the stack', async () => {
    const { dir, up, webPid } = await startInstance();
    const onTerminal = () => {
      const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} attach`, '/dev/null'], {
        cwd: dir,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' },
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      let code: number | null | undefined;
      child.once('close', (exitCode) => (code = exitCode));
      const saw = (what: string, test: (text: string) => boolean) =>
        waitFor(() => test(out.replace(/\r/g, '')), { what, timeoutMs: 20_000, describe: () => out.slice(-1500) });
      return { child, saw, code: () => code, out: () => out.replace(/\r/g, '') };
    };

    const first = onTerminal();
    await first.saw('the keys hint', (out) =>
      out.includes('keys: r restart a service · t port table · q stop everything (devsup down) · Ctrl-C detach'),
    );
    first.child.stdin.write('t');
    await first.saw('the table', (out) => out.split('\n').some((line) => TABLE_HEADER.test(line)));
    first.child.stdin.write('\x03');
    await first.saw('attach detached', () => first.code() !== undefined);
    expect(first.code()).toBe(0);
    expect(first.out()).toContain('keeps running (`devsup down` stops it)');

    const second = onTerminal();
    await second.saw('the keys hint', (out) => out.includes('keys: r restart'));
    second.child.stdin.write('r');
    await second.saw('the restart prompt', (out) => out.includes('restart which service? 1 lines, 2 web'));
    second.child.stdin.write('2\r');
    await second.saw('the restart said', (out) => /^web: restarted on port \d+$/m.test(out));
    const restarted = await session.waitForPorts(dir, 'web ready again', (r) => r.services[1]?.status === 'ready');
    expect(restarted.services[1]!.pid).not.toBe(webPid);
    second.child.stdin.write('q');
    await second.saw('attach ends with the stack', () => second.code() !== undefined);
    expect(second.code()).toBe(0);
    expect(second.out()).toContain(`devsup in ${dir} has stopped.`);
    expect((await exitWithin(up, 10_000)).code).toBe(0);
  });
});
