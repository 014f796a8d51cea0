import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError, UsageError } from '../errors.js';
import { loadManifest, type LoadManifestOptions } from './load-manifest.js';
import { childOf, toPlain } from './yaml-node.js';

const DEMO = `project: assistant
env: { LOG_LEVEL: info }
services:
  tools: { title: Tool Server (MCP), command: node examples/tool-server.js, port: 8763 }
  llm:
    title: LLM Server (default)
    command: [node, examples/llm-server.js, --model, default]
    port: 10500
    env: { TOOLS_URL: "http://127.0.0.1:\${tools.port}" }
    depends_on: [tools]
`;

const project = tempProjects();

async function failure(options: LoadManifestOptions): Promise<unknown> {
  return loadManifest(options).then(
    () => expect.fail('loadManifest should have failed'),
    (error: unknown) => error,
  );
}

describe('the demo manifest', () => {
  test('loads with its values, defaults and raw templates', async () => {
    const { dir } = project({ 'services.yaml': DEMO });
    const manifest = await loadManifest({ cwd: dir, env: {} });
    expect(manifest).toMatchObject({
      file: path.join(dir, 'services.yaml'),
      dir,
      project: 'assistant',
      env: { LOG_LEVEL: 'info' },
      fileEnv: {},
      portRange: { from: 10000, to: 10999 },
      sources: [path.join(dir, 'services.yaml')],
    });
    expect(manifest.overridden.size).toBe(0);
    const [tools, llm] = manifest.services;
    expect(tools).toMatchObject({
      key: 'tools',
      title: 'Tool Server (MCP)',
      command: 'node examples/tool-server.js',
      cwd: dir,
      ready: { kind: 'tcp' },
    });
    expect(tools!.ports).toEqual([{ name: 'default', preferred: 8763 }]);
    expect(llm).toMatchObject({
      key: 'llm',
      command: ['node', 'examples/llm-server.js', '--model', 'default'],
      ports: [{ name: 'default', preferred: 10500 }],
      env: { TOOLS_URL: 'http://127.0.0.1:${tools.port}' },
      dependsOn: [{ service: 'tools', condition: 'ready' }],
    });
    expect(toPlain(manifest.document)).toEqual({
      project: 'assistant',
      env: { LOG_LEVEL: 'info' },
      services: {
        tools: { title: 'Tool Server (MCP)', command: 'node examples/tool-server.js', port: 8763 },
        llm: {
          title: 'LLM Server (default)',
          command: ['node', 'examples/llm-server.js', '--model', 'default'],
          port: 10500,
          env: { TOOLS_URL: 'http://127.0.0.1:${tools.port}' },
          depends_on: ['tools'],
        },
      },
    });
  });

  test('is found from a subfolder; problems are reported relative to where devsup ran', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  web: { command: x, port: 0 }\n', 'src/app/keep': '' });
    const error = await failure({ cwd: path.join(dir, 'src/app'), env: {} });
    expect((error as ManifestError).message).toBe('../../services.yaml:2:28: port 0 is not allowed: use "auto" for any free port');
  });

  test('project defaults to the folder name; -f picks another file', async () => {
    const { dir } = project({ 'ops/dev.yaml': 'services:\n  web: { command: x, cwd: . }\n' });
    const manifest = await loadManifest({ cwd: dir, file: 'ops/dev.yaml', env: {} });
    expect(manifest.project).toBe('ops');
    expect(manifest.dir).toBe(path.join(dir, 'ops'));
    expect(manifest.services[0]!.cwd).toBe(path.join(dir, 'ops'));
  });
});

describe('services.local.yaml', () => {
  test('maps merge key by key, scalars and lists replace, and every override is recorded', async () => {
    const { dir } = project({
      'services.yaml': DEMO,
      'services.local.yaml':
        'services:\n  llm:\n    port: 11000\n    command: [node, examples/llm-server.js]\n    env: { EXTRA: "1" }\n  scratch: { command: node scratch.js }\n',
    });
    const manifest = await loadManifest({ cwd: dir, env: {} });
    expect(manifest.sources).toEqual([path.join(dir, 'services.yaml'), path.join(dir, 'services.local.yaml')]);
    const llm = manifest.services.find((service) => service.key === 'llm')!;
    expect(llm.ports).toEqual([{ name: 'default', preferred: 11000 }]);
    expect(llm.command).toEqual(['node', 'examples/llm-server.js']);
    expect(llm.env).toEqual({ TOOLS_URL: 'http://127.0.0.1:${tools.port}', EXTRA: '1' });
    expect(llm.title).toBe('LLM Server (default)');
    expect(manifest.services.map((service) => service.key)).toEqual(['tools', 'llm', 'scratch']);
    expect([...manifest.overridden]).toEqual([
      ['services.llm.port', 'local'],
      ['services.llm.command', 'local'],
      ['services.llm.env.EXTRA', 'local'],
      ['services.scratch', 'local'],
    ]);
    expect(childOf(childOf(childOf(manifest.document, 'services'), 'llm'), 'port')).toMatchObject({ value: 11000 });
  });

  test('a bad value from the local file is reported with the local file name and line', async () => {
    const { dir } = project({
      'services.yaml': DEMO,
      'services.local.yaml': '# my ports\nservices:\n  tools:\n    port: 99999\n    restat: always\n',
    });
    const error = await failure({ cwd: dir, env: {} });
    expect((error as ManifestError).issues.map((issue) => `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`)).toEqual([
      'services.local.yaml:4:11: port 99999 is out of range: use 1–65535',
      'services.local.yaml:5:5: unknown key "restat" — did you mean "restart"?',
    ]);
  });

  test('syntax errors in both files are reported together', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  a: { command: x }\n  a: { command: y }\n', 'services.local.yaml': 'services: [\n' });
    const error = (await failure({ cwd: dir, env: {} })) as ManifestError;
    expect(error.issues.map((issue) => issue.file)).toEqual(['services.yaml', 'services.local.yaml']);
    expect(error.message.split('\n')[0]).toBe('services.yaml:3:3: duplicate key "a"');
  });

  test('a local file that is not a map is refused', async () => {
    const { dir } = project({ 'services.yaml': DEMO, 'services.local.yaml': '- a\n' });
    const error = await failure({ cwd: dir, env: {} });
    expect((error as ManifestError).message).toBe('services.local.yaml:1:1: the top level must be a map of settings, e.g. "services:"');
  });
});

describe('--port overrides', () => {
  test('set the first port of a service, a named port, or auto, after services.local.yaml', async () => {
    const { dir } = project({
      'services.yaml': `${DEMO}  metrics: { command: x, ports: { http: 9000, prom: 9100 } }\n  worker: { command: x }\n`,
      'services.local.yaml': 'services:\n  llm: { port: 11000 }\n',
    });
    const manifest = await loadManifest({
      cwd: dir,
      env: {},
      portOverrides: ['llm=12000', 'metrics.prom=auto', 'metrics=9001', 'worker=7000', 'tools.default=8800'],
    });
    const portsOf = (key: string) => manifest.services.find((service) => service.key === key)!.ports;
    expect(portsOf('llm')).toEqual([{ name: 'default', preferred: 12000 }]);
    expect(portsOf('metrics')).toEqual([
      { name: 'http', preferred: 9001 },
      { name: 'prom', preferred: 'auto' },
    ]);
    expect(portsOf('worker')).toEqual([{ name: 'default', preferred: 7000 }]);
    expect(portsOf('tools')).toEqual([{ name: 'default', preferred: 8800 }]);
    expect(Object.fromEntries(manifest.overridden)).toEqual({
      'services.llm.port': 'cli',
      'services.metrics.ports.prom': 'cli',
      'services.metrics.ports.http': 'cli',
      'services.worker.port': 'cli',
      'services.tools.port': 'cli',
    });
    expect(manifest.services.find((service) => service.key === 'worker')!.ready).toEqual({ kind: 'tcp' });
  });

  test.each([
    ['tols=9000', '--port tols=9000: unknown service "tols" — did you mean "tools"?'],
    ['tols.http=9000', '--port tols.http=9000: unknown service "tols" — did you mean "tools"?'],
    ['database=1', '--port database=1: unknown service "database"'],
    ['llm', '--port llm: expected SERVICE=PORT or SERVICE.NAME=PORT'],
    ['llm=0', '--port llm=0: the port must be a number from 1 to 65535 or "auto"'],
    ['llm=70000', '--port llm=70000: the port must be a number from 1 to 65535 or "auto"'],
    ['llm=abc', '--port llm=abc: the port must be a number from 1 to 65535 or "auto"'],
    ['llm.http=1', '--port llm.http=1: service "llm" has no port named "http"'],
  ])('%s is a usage error', async (override, message) => {
    const { dir } = project({ 'services.yaml': DEMO });
    const error = await failure({ cwd: dir, env: {}, portOverrides: [override] });
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(message);
    expect((error as UsageError).exitCode).toBe(2);
  });

  test('an unknown named port gets a suggestion', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  api: { command: x, ports: { http: 1, metrics: 2 } }\n' });
    const error = await failure({ cwd: dir, env: {}, portOverrides: ['api.metric=3'] });
    expect((error as UsageError).message).toBe('--port api.metric=3: service "api" has no port named "metric" — did you mean "metrics"?');
    expect((error as UsageError).hint).toBe('Its ports: http, metrics.');
  });

  test('a name for the one port of a service says how to give that port', async () => {
    const { dir } = project({ 'services.yaml': DEMO });
    const error = await failure({ cwd: dir, env: {}, portOverrides: ['llm.http=3'] });
    expect((error as UsageError).hint).toBe('It has one port, unnamed: --port llm=N.');
  });

  test('service keys with dots are matched whole first', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  api.v2: { command: x, port: 1 }\n  api: { command: x, ports: { v2: 5 } }\n' });
    const manifest = await loadManifest({ cwd: dir, env: {}, portOverrides: ['api.v2=2'] });
    expect(manifest.services.map((service) => service.ports[0]!.preferred)).toEqual([2, 5]);
  });
});

describe('bytes that are not UTF-8', () => {
  test('are reported at the first bad byte in the manifest, the local file and a Procfile; nothing is read with U+FFFD', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  web: { command: x }\n', 'Procfile.dev': '' });
    writeFileSync(path.join(dir, 'services.local.yaml'), Buffer.from('services:\n  web: { command: touch MARK\xe9 }\n', 'latin1'));
    const error = (await failure({ cwd: dir, env: {} })) as ManifestError;
    expect(error.message).toBe('services.local.yaml:2:29: invalid UTF-8 (byte 0xe9): save the file as UTF-8');
    writeFileSync(path.join(dir, 'services.yaml'), Buffer.from('# caf\xe9\nservices: {}\n', 'latin1'));
    expect(((await failure({ cwd: dir, env: {} })) as ManifestError).message.split('\n')[0]).toBe(
      'services.yaml:1:6: invalid UTF-8 (byte 0xe9): save the file as UTF-8',
    );
    writeFileSync(path.join(dir, 'Procfile.dev'), Buffer.from('web: echo \xff\n', 'latin1'));
    expect(((await failure({ cwd: dir, env: {}, file: 'Procfile.dev' })) as ManifestError).message.split('\n')[0]).toBe(
      'Procfile.dev:1:11: invalid UTF-8 (byte 0xff): save the file as UTF-8',
    );
  });

  test('a BOM and a real U+FFFD are fine', async () => {
    const { dir } = project({ 'services.yaml': '\uFEFFservices:\n  web: { command: touch MARK\uFFFD }\n' });
    const manifest = await loadManifest({ cwd: dir, env: {} });
    expect(manifest.services[0]!.command).toBe('touch MARK\uFFFD');
  });
});

test('a manifest of 2,000 services that refer to each other loads', async () => {
  const services = Array.from({ length: 2_000 }, (_, i) =>
    [
      `  s${i}:`,
      `    command: node s${i}.js --peer \${s${(i + 1) % 2_000}.port}`,
      `    port: ${10_000 + i}`,
      `    depends_on: [s${(i + 1) % 2_000 === 0 ? 1 : i + 1}]`,
    ].join('\n'),
  );
  const { dir } = project({ 'services.yaml': `services:\n${services.slice(0, -1).join('\n')}\n  s1999: { command: x, port: 11999 }\n` });
  const manifest = await loadManifest({ cwd: dir, env: {} });
  expect(manifest.services).toHaveLength(2_000);
  expect(manifest.services[1_998]!.dependsOn).toEqual([{ service: 's1999', condition: 'ready' }]);
});

describe('include', () => {
  const messages = async (files: Record<string, string>) => {
    const { dir } = project(files);
    const error = await failure({ cwd: dir, env: {} });
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).issues.map((issue) => `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`);
  };

  test('an included manifest may include more, relative to itself; its services read relative to their own file', async () => {
    const { dir } = project({
      'services.yaml': 'include: pkg/services.yaml\nservices:\n  a: { command: x }\n',
      'pkg/services.yaml': 'include: [inner/services.yaml]\nservices:\n  b: { command: x, depends_on: [c] }\n',
      'pkg/inner/services.yaml': 'services:\n  c: { command: x, cwd: .. }\n',
    });
    const manifest = await loadManifest({ cwd: dir, env: {} });
    expect(manifest.services.map((service) => [service.key, service.cwd])).toEqual([
      ['a', dir],
      ['b', path.join(dir, 'pkg')],
      ['c', path.join(dir, 'pkg')],
    ]);
    expect(manifest.sources).toEqual([
      path.join(dir, 'services.yaml'),
      path.join(dir, 'pkg/services.yaml'),
      path.join(dir, 'pkg/inner/services.yaml'),
    ]);
    expect(manifest.serviceFiles).toEqual(
      new Map([
        ['b', path.join(dir, 'pkg/services.yaml')],
        ['c', path.join(dir, 'pkg/inner/services.yaml')],
      ]),
    );
  });

  test('a cycle, a missing file and a setting an included manifest would lose are errors at their places', async () => {
    expect(
      await messages({
        'services.yaml': 'include: [a.yaml, missing.yaml]\nservices:\n  x: { command: x }\n',
        'a.yaml': 'env: { A: 1 }\ninclude: services.yaml\nservices:\n  y: { command: x }\n',
      }),
    ).toEqual([
      'services.yaml:1:19: include "missing.yaml" does not exist',
      'a.yaml:1:1: "env" in an included manifest would be lost: give its services "env" instead',
      'a.yaml:2:10: include cycle: services.yaml → a.yaml → services.yaml',
    ]);
  });
});

describe('replicas and --scale', () => {
  test('--scale gives a service replicas for one run; services.local.yaml may too', async () => {
    const { dir } = project({
      'services.yaml': 'services:\n  web: { command: x, port: 3000 }\n  jobs: { command: x, replicas: 3 }\n',
      'services.local.yaml': 'services:\n  jobs: { replicas: 2 }\n',
    });
    const manifest = await loadManifest({ cwd: dir, env: {}, scale: ['web=2'] });
    expect(manifest.services.map((service) => [service.key, service.ports[0]?.preferred])).toEqual([
      ['web.1', 3000],
      ['web.2', 3001],
      ['jobs.1', undefined],
      ['jobs.2', undefined],
    ]);
    expect(manifest.declared?.map((service) => [service.key, service.replicas])).toEqual([
      ['web', 2],
      ['jobs', 2],
    ]);
    expect(manifest.overridden.get('services.web.replicas')).toBe('cli');
  });

  test('a --scale of an unknown service, or of no replicas, is a usage error', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  web: { command: x }\n' });
    await expect(loadManifest({ cwd: dir, env: {}, scale: ['wbe=2'] })).rejects.toThrow('--scale wbe=2: unknown service "wbe" — did you mean "web"?');
    await expect(loadManifest({ cwd: dir, env: {}, scale: ['web=0'] })).rejects.toThrow(UsageError);
    await expect(loadManifest({ cwd: dir, env: {}, scale: ['web'] })).rejects.toThrow('--scale web: expected SERVICE=N');
  });

  test("a replica named like another service, or preferring a port above 65535, is an error at replicas' line", async () => {
    const { dir } = project({
      'services.yaml': 'services:\n  web: { command: x, replicas: 3 }\n  web.2: { command: x }\n  top: { command: x, port: 65534, replicas: 3 }\n',
    });
    const error = (await failure({ cwd: dir, env: {} })) as ManifestError;
    expect(error.issues.map((issue) => `${issue.line}: ${issue.message}`)).toEqual([
      '2: replicas: 3 would name a replica "web.2", which is another service: rename that service',
      '4: replicas: 3 would prefer port 65536 for the last replica, above 65535',
    ]);
  });
});
