import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv, makeSick, sickableApi } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { callTool, connectMcp, entriesOf, entryOf, textOf, type ToolEntry } from '../helpers/mcp-client.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await session.cleanup();
});

const TOOLS = [
  'list_services',
  'start_stack',
  'stop_stack',
  'restart_service',
  'stop_service',
  'start_service',
  'wait_ready',
  'read_logs',
  'who_holds_port',
  'check_manifest',
];

/** A real MCP client connected to `devsup mcp` run in `dir`, closed after the test. */
async function connect(dir: string) {
  const connected = await connectMcp(dir);
  clients.push(connected.client);
  return connected;
}

describe('devsup mcp', () => {
  it('starts, lists, reads, restarts, waits on, and stops a stack for an MCP client, with nothing but JSON-RPC on stdout', async () => {
    const base = await findFreePorts(4);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: echo warming up && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(new URL('../fixtures/http-server.mjs', import.meta.url).pathname)}`,
        `    port: ${base}`,
        '  api:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base + 1}`,
        '  crashy:',
        `    command: ${fixtureArgv('crash-after.mjs', 1500, 3)}`,
        `    port: ${base + 2}`,
        '    restart: never',
        '    autostart: false',
        '',
      ].join('\n'),
    });
    const { client, transport, stderr, logs, updated } = await connect(dir);

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) expect(tool.inputSchema.type, tool.name).toBe('object');
    const schema = (name: string) => tools.find((tool) => tool.name === name)!.inputSchema.properties ?? {};
    expect(Object.keys(schema('read_logs')).sort()).toEqual(['grep', 'lines', 'service', 'since', 'since_restart']);
    expect(Object.keys(schema('wait_ready')).sort()).toEqual(['services', 'timeout_seconds']);
    expect(schema('who_holds_port')).toHaveProperty('port');
    expect(tools.find((tool) => tool.name === 'restart_service')!.inputSchema.required).toEqual(['services']);

    const before = await callTool(client, 'list_services');
    expect(before.isError).toBeFalsy();
    expect(textOf(before)).toContain(`devsup is not running in ${dir}`);
    expect(before.structuredContent).toMatchObject({ running: false });
    expect(entryOf(before, 'web')).toMatchObject({ preferred: base, status: 'not running', pid: null });

    await client.subscribeResource({ uri: 'devsup://ports' });
    session.expectBackground(dir);
    const started = await callTool(client, 'start_stack');
    expect(started.isError, textOf(started)).toBeFalsy();
    expect(entryOf(started, 'web')).toMatchObject({ status: 'ready', port: base });
    expect(entryOf(started, 'api')).toMatchObject({ status: 'ready', port: base + 1 });
    expect(entriesOf(started).map((service) => service.key)).toEqual(['web', 'api']);

    const listed = await callTool(client, 'list_services');
    const ports = await session.portsJson(dir);
    expect(entriesOf(listed).map(({ key, port, pid, status, url }) => ({ key, port, pid, status, url }))).toEqual(
      ports.services.map(({ service, port, pid, status, url }) => ({ key: service, port, pid, status, url })),
    );
    const portsResource = await client.readResource({ uri: 'devsup://ports' });
    // `ports --json` also reads each tree's CPU and memory, which the resource leaves out.
    const withoutUsage = { ...ports, services: ports.services.map(({ cpuPercent: _cpu, rssBytes: _rss, ...rest }) => rest) };
    expect(JSON.parse((portsResource.contents[0] as { text: string }).text)).toEqual(withoutUsage);

    const all = await callTool(client, 'read_logs', { service: 'web' });
    expect(textOf(all)).toContain('web | warming up');
    const grepped = await callTool(client, 'read_logs', { grep: '^listening on' });
    const lines = (grepped.structuredContent as { lines: { service: string; text: string; time?: string }[] }).lines;
    expect(lines.map((line) => line.service).sort()).toEqual(['api', 'web']);
    for (const line of lines) {
      expect(line.text).toMatch(/^listening on/);
      expect(Date.parse(line.time!)).toBeGreaterThan(0);
    }
    expect(textOf(grepped)).not.toContain('warming up');

    const oldWeb = entryOf(listed, 'web');
    const updatesBefore = updated.length;
    const restarted = await callTool(client, 'restart_service', { services: ['web'] });
    expect(restarted.isError, textOf(restarted)).toBeFalsy();
    const newWeb = entryOf(restarted, 'web');
    expect(newWeb).toMatchObject({ status: 'ready', port: base });
    expect(newWeb.pid).not.toBe(oldWeb.pid);
    session.track(newWeb.pid);
    await waitFor(() => updated.length > updatesBefore, { what: 'a resources/updated for devsup://ports after the restart' });
    expect(updated.at(-1)).toBe('devsup://ports');
    const sinceRestart = await callTool(client, 'read_logs', { service: 'web', since_restart: true });
    expect(textOf(sinceRestart).match(/warming up/g)).toHaveLength(1);

    const holder = await session.holdPort(base + 3, '127.0.0.1');
    const who = await callTool(client, 'who_holds_port', { port: base + 3 });
    expect(who.structuredContent).toMatchObject({ port: base + 3, free: false, holders: [{ pid: holder.pid }] });
    expect(textOf(who)).toContain(String(holder.pid));

    // A service that crashes: wait_ready says so as soon as it does, not after its 60 s, and a notification tells every client.
    const startedAt = Date.now();
    const [, waited] = await Promise.all([
      callTool(client, 'start_service', { services: ['crashy'] }),
      callTool(client, 'wait_ready', { services: ['crashy'], timeout_seconds: 60 }),
    ]);
    expect(waited.isError).toBe(true);
    expect(textOf(waited)).toMatch(/crashy will not be ready: crashed \(.*code 3.*\)/);
    expect(textOf(waited)).toContain('failing with code 3');
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    const crash = await waitFor(() => logs.find((log) => (log.data as { service?: string }).service === 'crashy'), {
      what: 'a logging notification about crashy',
    });
    expect(crash.level).toBe('error');
    expect(crash.data).toMatchObject({
      service: 'crashy',
      exit: { code: 3, signal: null },
      lastLines: expect.arrayContaining(['failing with code 3']),
    });

    const running = await session.portsJson(dir);
    const pids = [running.pid, ...running.services.map((service) => service.pid).filter((pid): pid is number => pid !== null)];
    expect(pids.length).toBe(3); // the instance, web and api
    const stopped = await callTool(client, 'stop_stack');
    expect(stopped.isError, textOf(stopped)).toBeFalsy();
    expect(textOf(stopped)).toContain(`devsup (pid ${running.pid}) in ${dir} has stopped.`);
    expect(pids.filter(isAlive)).toEqual([]);
    const after = await callTool(client, 'list_services');
    expect(after.structuredContent).toMatchObject({ running: false });

    const stdout = transport.stdoutLines();
    expect(stdout.length).toBeGreaterThan(10);
    for (const line of stdout) expect(JSON.parse(line), line).toMatchObject({ jsonrpc: '2.0' });
    expect(stderr()).not.toMatch(/unexpected error/);
  });

  it('tells the client when a service turns unhealthy and when its failing health check restarts it, with the check; list_services shows it', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': sickableApi(port, '700ms') });
    const { client, logs } = await connect(dir);
    session.expectBackground(dir);
    const started = await callTool(client, 'start_stack');
    expect(started.isError, textOf(started)).toBeFalsy();
    const firstPid = entryOf(started, 'api').pid!;

    makeSick(dir, firstPid);
    const unhealthy = await waitFor(
      async () => {
        const api = entryOf(await callTool(client, 'list_services'), 'api') as ToolEntry & { detail?: string };
        return api.status === 'unhealthy' ? api : undefined;
      },
      { what: 'list_services showing api unhealthy' },
    );
    expect(unhealthy.detail).toMatch(/^http \/health → 503 \([12] of 3 failed checks\)$/);
    const byService = (status: string) => () =>
      logs.find(
        (log) => (log.data as { service?: string; status?: string }).service === 'api' && (log.data as { status?: string }).status === status,
      );
    const warning = await waitFor(byService('unhealthy'), { what: 'a logging notification: api unhealthy' });
    expect(warning.level).toBe('warning');
    expect(warning.data).toMatchObject({ detail: 'http /health → 503 (1 of 3 failed checks)', exit: null });
    expect((warning.data as { message: string }).message).toMatch(
      /^api is unhealthy: http \/health → 503 \(1 of 3 failed checks\); devsup restarts it if its health check keeps failing\.\nLast lines of api:\n {2}healthy pid \d+/,
    );

    const restart = await waitFor(byService('restarting'), { what: 'a logging notification: api restarted', timeoutMs: 15_000 });
    expect(restart.level).toBe('error');
    expect(restart.data).toMatchObject({
      detail: 'health check failed 3 times: http /health → 503',
      failedCheck: 'health check failed 3 times: http /health → 503',
      restarts: 1,
    });
    expect((restart.data as { message: string }).message).toMatch(
      /^api was stopped: health check failed 3 times: http \/health → 503; devsup restarts it \(restart 1\)\./,
    );
    expect(logs.filter((log) => (log.data as { service?: string }).service === 'api')).toHaveLength(2);

    const stopped = await callTool(client, 'stop_stack');
    expect(stopped.isError, textOf(stopped)).toBeFalsy();
    await waitFor(() => !isAlive(firstPid), { what: 'the unhealthy process gone' });
  });

  it('check_manifest gives each problem with its file, line and column; a valid manifest with its planned ports', async () => {
    const port = await findFreePorts(1);
    const project = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        '    comand: node server.js',
        `    port: ${port}`,
        '  api:',
        '    command: node api.js',
        '    depends_on: [wbe]',
        '',
      ].join('\n'),
    });
    const { client } = await connect(project.dir);
    const broken = await callTool(client, 'check_manifest');
    expect(broken.isError).toBe(true);
    expect(textOf(broken)).toContain('services.yaml:3:5: unknown key "comand"');
    const { problems } = broken.structuredContent as {
      problems: { file: string; line: number; column: number; message: string; hint: string | null }[];
    };
    expect(problems).toContainEqual({ file: 'services.yaml', line: 3, column: 5, message: 'unknown key "comand"', hint: 'did you mean "command"?' });
    expect(problems.find((problem) => problem.line === 7)).toMatchObject({ file: 'services.yaml', column: 18, hint: 'did you mean "web"?' });

    project.write('services.yaml', ['services:', '  web:', '    command: node server.js', `    port: ${port}`, ''].join('\n'));
    const valid = await callTool(client, 'check_manifest');
    expect(valid.isError, textOf(valid)).toBeFalsy();
    expect(valid.structuredContent).toMatchObject({ valid: true, services: [{ key: 'web', ports: [{ name: 'default', port, preferred: port }] }] });
    expect(textOf(valid)).toMatch(/is valid\.$/);
  });
});
