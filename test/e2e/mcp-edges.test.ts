import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { readSocketInodes, readSocketTableOf } from '../../src/ports/proc-net.js';
import { callTool, connectMcp, entriesOf, entryOf, textOf, type ToolEntry } from '../helpers/mcp-client.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await session.cleanup();
});

/** A real MCP client connected to `devsup mcp` run in `dir`, closed after the test. */
async function connect(dir: string, args: string[] = []) {
  const connected = await connectMcp(dir, args);
  clients.push(connected.client);
  return connected;
}

describe('devsup mcp, off the happy path', () => {
  it('takes the name of a replicated service as each of its replicas, as the CLI does', async () => {
    const port = await findFreePorts(2);
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, '    replicas: 2', ''].join(
        '\n',
      ),
    });
    const { client } = await connect(dir);
    session.expectBackground(dir);
    const started = await callTool(client, 'start_stack', { services: ['web'] });
    expect(started.isError, textOf(started)).toBeFalsy();
    const before = entriesOf(started);
    expect(before.map((service) => [service.key, service.status])).toEqual([
      ['web.1', 'ready'],
      ['web.2', 'ready'],
    ]);

    const waited = await callTool(client, 'wait_ready', { services: ['web'] });
    expect(waited.isError, textOf(waited)).toBeFalsy();
    expect(entriesOf(waited).map((service) => service.key)).toEqual(['web.1', 'web.2']);
    expect(textOf(waited)).toContain(`web.2 is ready on port ${port + 1}`);

    const restarted = await callTool(client, 'restart_service', { services: ['web'] });
    expect(restarted.isError, textOf(restarted)).toBeFalsy();
    const after = entriesOf(restarted);
    expect(after.map((service) => [service.key, service.status, service.port])).toEqual([
      ['web.1', 'ready', port],
      ['web.2', 'ready', port + 1],
    ]);
    after.forEach((service, index) => expect(service.pid).not.toBe(before[index]!.pid));

    const current = await callTool(client, 'read_logs', { service: 'web', since_restart: true });
    const lines = (current.structuredContent as { lines: { service: string; text: string }[] }).lines;
    expect(lines.map((line) => [line.service, line.text]).sort()).toEqual(
      after.map((service) => [service.key, `listening on ${service.port} pid ${service.pid}`]).sort(),
    );

    const stopped = await callTool(client, 'stop_service', { services: ['web'] });
    expect(entriesOf(stopped).map((service) => [service.key, service.status])).toEqual([
      ['web.1', 'stopped'],
      ['web.2', 'stopped'],
    ]);
    expect((await callTool(client, 'stop_stack')).isError).toBeFalsy();
  });

  it('cuts the long last lines of a crash in tool answers and notifications, as read_logs does', async () => {
    const keepPort = await findFreePorts(2);
    const bigPort = keepPort + 1;
    // Twelve lines of 60,000 characters, then a crash before it ever listens.
    const big = JSON.stringify([
      process.execPath,
      '-e',
      'for (let i = 0; i < 12; i++) console.log(String(i % 10).repeat(60000)); process.exitCode = 1',
    ]);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  keep:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${keepPort}`,
        '  big:',
        `    command: ${big}`,
        `    port: ${bigPort}`,
        '    restart: never',
        '',
      ].join('\n'),
    });
    const { client, logs } = await connect(dir);
    session.expectBackground(dir);
    const started = await callTool(client, 'start_stack');
    expect(started.isError).toBe(true);
    expect(textOf(started)).toMatch(/big will not be ready: crashed \(exited with code 1\)/);
    expect(textOf(started)).toContain(`${'1'.repeat(2000)}… (60000 characters)`);
    expect(textOf(started).length).toBeLessThan(30_000);

    const waited = await callTool(client, 'wait_ready', { services: ['big'], timeout_seconds: 5 });
    expect(waited.isError).toBe(true);
    expect(textOf(waited)).toContain('Last lines of big:');
    expect(textOf(waited)).toContain(`${'1'.repeat(2000)}… (60000 characters)`);
    expect(textOf(waited).length).toBeLessThan(30_000);

    const crash = await waitFor(() => logs.find((log) => (log.data as { service?: string }).service === 'big'), {
      what: 'a logging notification about big',
    });
    const { lastLines, message } = crash.data as { lastLines: string[]; message: string };
    expect(lastLines.at(-1)).toBe(`${'1'.repeat(2000)}… (60000 characters)`);
    expect(JSON.stringify(crash).length).toBeLessThan(60_000);
    expect(message.length).toBeLessThan(30_000);
  });

  it('start_stack called twice at once, and by two agents at once, starts one stack that every call returns', async () => {
    const port = await findFreePorts(2);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  api:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port + 1}`,
        '',
      ].join('\n'),
    });
    const first = await connect(dir);
    const second = await connect(dir);
    session.expectBackground(dir);
    const answers = await Promise.all([
      callTool(first.client, 'start_stack'),
      callTool(first.client, 'start_stack'),
      callTool(second.client, 'start_stack'),
    ]);
    const running = await session.portsJson(dir);
    for (const answer of answers) {
      expect(answer.isError, textOf(answer)).toBeFalsy();
      expect(answer.structuredContent).toMatchObject({ running: true, pid: running.pid });
      expect(entriesOf(answer).map((service) => [service.key, service.status, service.port])).toEqual([
        ['web', 'ready', port],
        ['api', 'ready', port + 1],
      ]);
    }
    expect((await callTool(first.client, 'stop_stack')).isError).toBeFalsy();
  });

  it('tells of a service that fails at once, before the server has caught up with the stack start_stack launched', async () => {
    const port = await findFreePorts(2);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  gone:',
        '    command: /nonexistent/devsup-test-command',
        `    port: ${port + 1}`,
        '',
      ].join('\n'),
    });
    const { client, logs } = await connect(dir);
    session.expectBackground(dir);
    const started = await callTool(client, 'start_stack');
    expect(started.isError).toBe(true);
    expect(textOf(started)).toContain('gone will not be ready: failed (command not found: /nonexistent/devsup-test-command)');
    const failure = await waitFor(() => logs.find((log) => (log.data as { service?: string }).service === 'gone'), {
      what: 'a logging notification about gone',
    });
    expect(failure.level).toBe('error');
    expect(failure.data).toMatchObject({ status: 'failed', detail: 'command not found: /nonexistent/devsup-test-command', exit: null });
    expect(logs.filter((log) => (log.data as { service?: string }).service === 'gone')).toHaveLength(1);
  });

  it('follows a stack started, stopped and started again in a terminal while it is connected', async () => {
    const port = await findFreePorts(1);
    const crashAtOnce = JSON.stringify([process.execPath, '-e', "console.error('cannot start: no config'); process.exit(4)"]);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  broken:',
        `    command: ${crashAtOnce}`,
        '    ready: none',
        '    restart: never',
        '',
      ].join('\n'),
    });
    const { client, logs, updated } = await connect(dir);
    await client.subscribeResource({ uri: 'devsup://ports' });
    expect((await callTool(client, 'list_services')).structuredContent).toMatchObject({ running: false });

    const up = session.up(dir);
    const first = await session.waitForPorts(dir, 'web ready', (report) => report.services[0]!.status === 'ready');
    const crash = await waitFor(() => logs.find((log) => (log.data as { service?: string }).service === 'broken'), {
      what: 'a logging notification about broken, crashed at once',
    });
    expect(crash.data).toMatchObject({ status: 'crashed', exit: { code: 4, signal: null }, lastLines: ['cannot start: no config'] });
    await waitFor(() => updated.length > 0, { what: 'a resources/updated for the stack started in a terminal' });
    const listed = await callTool(client, 'list_services');
    expect(listed.structuredContent).toMatchObject({ running: true, pid: first.pid });

    const seen = updated.length;
    session.interrupt(up);
    await up.exited;
    await waitFor(() => updated.length > seen, { what: 'a resources/updated for the stack stopped' });
    expect((await callTool(client, 'list_services')).structuredContent).toMatchObject({ running: false });

    // Its exit code depends on whether broken crashed before it settled: 0 or 1, the stack runs on either way.
    await session.upDetached(dir).exited;
    const second = await session.portsJson(dir);
    const waited = await callTool(client, 'wait_ready', { services: ['web'] });
    expect(waited.structuredContent).toMatchObject({ running: true, pid: second.pid });
    await waitFor(() => logs.filter((log) => (log.data as { service?: string }).service === 'broken').length === 2, {
      what: 'a second notification about broken, from the second stack',
    });
    expect((await callTool(client, 'stop_stack')).isError).toBeFalsy();
  });

  it('list_services with no stack running says what is wrong with a broken manifest', async () => {
    const port = await findFreePorts(1);
    const project = session.project({ 'services.yaml': ['services:', '  web:', '    comand: node server.js', `    port: ${port}`, ''].join('\n') });
    const { client } = await connect(project.dir);
    const listed = await callTool(client, 'list_services');
    expect(listed.isError).toBeFalsy();
    expect(textOf(listed)).toContain(`devsup is not running in ${project.dir}`);
    expect(textOf(listed)).toContain('services.yaml:3:5: unknown key "comand" — did you mean "command"?');
    expect(textOf(listed)).toContain('check_manifest');
    expect(listed.structuredContent).toMatchObject({ running: false, services: [], problems: expect.stringContaining('services.yaml:3:5') });

    const refused = await callTool(client, 'start_stack');
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('services.yaml:3:5: unknown key "comand" — did you mean "command"?');

    project.write('services.yaml', ['services:', '  web:', '    command: node server.js', `    port: ${port}`, ''].join('\n'));
    const fixed = await callTool(client, 'list_services');
    expect(textOf(fixed)).toBe(`devsup is not running in ${project.dir}: no service runs. start_stack starts them (web).`);
    expect(fixed.structuredContent).not.toHaveProperty('problems');
  });

  it('stop_stack with no stack running says there is nothing to stop, and is no error', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': ['services:', '  web:', '    command: node server.js', `    port: ${port}`, ''].join('\n') });
    const { client } = await connect(dir);
    const stopped = await callTool(client, 'stop_stack');
    expect(stopped.isError, textOf(stopped)).toBeFalsy();
    expect(textOf(stopped)).toBe(`devsup is not running in ${dir}: nothing to stop.`);
    expect(stopped.structuredContent).toEqual({ running: false, folder: dir, pid: null });
  });

  it('answers hostile arguments with tool errors that say what is wrong, and goes on serving', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': ['services:', '  web:', '    command: node server.js', `    port: ${port}`, ''].join('\n') });
    const { client, transport } = await connect(dir);
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      ['read_logs', { lines: 2001 }, /lines/],
      ['read_logs', { lines: -1 }, /lines/],
      ['read_logs', { lines: 1.5 }, /lines/],
      ['read_logs', { lines: '10' }, /lines/],
      ['read_logs', { grep: '(unclosed' }, /^--grep \(unclosed is not a valid regular expression/],
      ['read_logs', { since: 'the other day' }, /^--since the other day is neither a duration back from now/],
      ['who_holds_port', { port: 0 }, /port/],
      ['who_holds_port', { port: 65536 }, /port/],
      ['who_holds_port', { port: 80.5 }, /port/],
      ['wait_ready', { timeout_seconds: -1 }, /timeout_seconds/],
      ['wait_ready', { timeout_seconds: 1e12 }, /timeout_seconds/],
      ['restart_service', { services: [] }, /services/],
      ['restart_service', {}, /services/],
      ['start_stack', { services: ['wbe'] }, /^unknown service "wbe" — did you mean "web"\?/],
    ];
    for (const [tool, args, said] of refusals) {
      const answer = await callTool(client, tool, args);
      expect(answer.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(textOf(answer), `${tool} ${JSON.stringify(args)}`).toMatch(said);
    }
    const waited = await callTool(client, 'wait_ready', { timeout_seconds: 0.2 });
    expect(waited.isError).toBe(true);
    expect(textOf(waited)).toBe(`devsup is not running in ${dir} (waited 0.2 s for it to start).\nstart_stack starts it.`);
    expect(transport.child().exitCode).toBeNull();
    expect((await callTool(client, 'check_manifest')).isError).toBeFalsy();
    for (const line of transport.stdoutLines()) expect(JSON.parse(line), line).toMatchObject({ jsonrpc: '2.0' });
  });

  it('serves the manifest given with -f, from another folder', async () => {
    const port = await findFreePorts(1);
    const project = session.project({
      'app/services.yaml': ['services:', '  web:', '    command: node server.js', `    port: ${port}`, ''].join('\n'),
    });
    const { client } = await connect(project.dir, ['-f', 'app/services.yaml']);
    const checked = await callTool(client, 'check_manifest');
    expect(checked.structuredContent).toMatchObject({ valid: true, file: `${project.dir}/app/services.yaml`, services: [{ key: 'web' }] });
    expect(textOf(await callTool(client, 'list_services'))).toBe(
      `devsup is not running in ${project.dir}/app: no service runs. start_stack starts them (web).`,
    );
  });

  it('exits when its client goes in the middle of wait_ready, and leaves the stack as it was', async () => {
    const port = await findFreePorts(2);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  slow:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port + 1}`,
        '    ready: { log: never printed }',
        '    ready_timeout: 60s',
        '',
      ].join('\n'),
    });
    await session.upDetached(dir, ['--wait-timeout', '1s']).exited;
    const before = await session.waitForPorts(dir, 'web ready, slow starting', (report) => report.services[0]!.status === 'ready');
    expect(before.services.map((service) => service.status)).toEqual(['ready', 'starting']);

    const { client, transport } = await connect(dir);
    const waiting = callTool(client, 'wait_ready', { timeout_seconds: 60 }).catch((error: unknown) => error);
    // Requests are taken in order: once list_services has answered, wait_ready is being served.
    await callTool(client, 'list_services');
    const server = transport.child();
    server.stdin!.destroy();
    await waitFor(() => server.exitCode !== null || server.signalCode !== null, { what: 'devsup mcp exits once its stdin closes', timeoutMs: 5_000 });
    expect(server.exitCode).toBe(0);
    await expect(waiting).resolves.toBeInstanceOf(Error);

    const after = await session.portsJson(dir);
    expect(after.pid).toBe(before.pid);
    expect(after.services.map(({ service, status, pid, port: held }) => ({ service, status, pid, port: held }))).toEqual(
      before.services.map(({ service, status, pid, port: held }) => ({ service, status, pid, port: held })),
    );
  });

  it('never shows a secret of the manifest, in any tool, resource or notification, and holds no TCP socket', async () => {
    const port = await findFreePorts(1);
    const fixture = new URL('../fixtures/http-server.mjs', import.meta.url).pathname;
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${process.execPath} ${fixture} \${port} --password=pw-in-argv-4821 --token tok-in-argv-4821`,
        `    port: ${port}`,
        '    url: http://admin:pw-in-url-4821@localhost:${port}/',
        '    env:',
        '      API_TOKEN: token-in-env-4821',
        '      DATABASE_URL: postgres://app:pw-in-dsn-4821@localhost/app',
        '',
      ].join('\n'),
    });
    const { client, transport, stderr, logs } = await connect(dir);
    session.expectBackground(dir);
    const answers = [
      await callTool(client, 'check_manifest'),
      await callTool(client, 'start_stack'),
      await callTool(client, 'list_services'),
      await callTool(client, 'who_holds_port', { port }),
      await callTool(client, 'wait_ready'),
      await callTool(client, 'restart_service', { services: ['web'] }),
    ];
    for (const answer of answers) expect(answer.isError, textOf(answer)).toBeFalsy();
    expect(textOf(answers[3]!)).toContain('--password=•••••• --token ••••••');
    expect(entriesOf(answers[2]!)[0]!.url).toBe(`http://••••••@localhost:${port}/`);
    const resources = (await client.listResources()).resources.map((resource) => resource.uri);
    expect(resources).toEqual(['devsup://ports', 'devsup://logs/web']);
    const logsOfWeb = await client.readResource({ uri: 'devsup://logs/web' });
    expect((logsOfWeb.contents[0] as { text: string }).text).toMatch(new RegExp(`web \\| listening on ${port} pid \\d+$`, 'm'));
    await expect(client.readResource({ uri: 'devsup://logs/wbe' })).rejects.toThrow(/unknown service "wbe" — did you mean "web"\?/);
    await client.readResource({ uri: 'devsup://ports' });
    // It speaks to the stack through the control socket alone: no TCP socket, listening or not (Linux: /proc).
    const sockets = new Set(readSocketInodes(transport.child().pid!));
    expect(sockets.size).toBeGreaterThan(0); // its fds were read: stdio pipes and the control connection are Unix sockets
    const tcp = [...(readSocketTableOf(4) ?? []), ...(readSocketTableOf(6) ?? [])];
    expect(tcp.length).toBeGreaterThan(0); // web listens
    expect(tcp.filter((row) => sockets.has(row.inode))).toEqual([]);
    expect((await callTool(client, 'stop_stack')).isError).toBeFalsy();

    const everything = [...transport.stdoutLines(), stderr(), JSON.stringify(logs)].join('\n');
    expect(everything).toContain('••••••');
    expect(everything).not.toMatch(/pw-in-argv|tok-in-argv|pw-in-url|token-in-env|pw-in-dsn/);
    for (const line of transport.stdoutLines()) expect(JSON.parse(line), line).toMatchObject({ jsonrpc: '2.0' });
  });

  it('wait_ready returns at once when the stack is stopped while it waits, as devsup wait does', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  slow:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '    ready: { log: never printed }',
        '    ready_timeout: 60s',
        '',
      ].join('\n'),
    });
    await session.upDetached(dir, ['--wait-timeout', '1s']).exited;
    await session.waitForPorts(dir, 'slow starting', (report) => report.services[0]!.status === 'starting');
    const { client } = await connect(dir);
    const asked = Date.now();
    const waiting = callTool(client, 'wait_ready', { services: ['slow'], timeout_seconds: 60 });
    // Requests are taken in order: once list_services has answered, wait_ready is being served.
    await callTool(client, 'list_services');
    expect((await runCli(['down'], dir)).code).toBe(0);
    const waited = await waiting;
    expect(waited.isError).toBe(true);
    expect(textOf(waited)).toMatch(/stopping/);
    expect(Date.now() - asked).toBeLessThan(15_000);
  });

  it('list_services names who holds a taken preferred port, and the port the service got instead', async () => {
    const preferred = await findFreePorts(2);
    const holder = await session.holdPort(preferred, '127.0.0.1');
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${preferred}`, ''].join('\n'),
    });
    const { client } = await connect(dir);
    session.expectBackground(dir);
    expect((await callTool(client, 'start_stack')).isError).toBeFalsy();
    const listed = await callTool(client, 'list_services');
    const web = entryOf(listed, 'web') as ToolEntry & { preferred: number; holder?: { pid: number | null; command: string | null } };
    expect(web.preferred).toBe(preferred);
    expect(web.port).not.toBe(preferred);
    expect(web.holder).toMatchObject({ pid: holder.pid });
    expect(web.holder?.command).toContain('node');
    expect(textOf(listed)).toContain(String(holder.pid));
    expect((await callTool(client, 'stop_stack')).isError).toBeFalsy();
  });
});
