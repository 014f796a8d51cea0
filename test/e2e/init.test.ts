import { execFile } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { installCopy } from '../helpers/installed-copy.js';
import { runCli } from '../helpers/run-cli.js';
import { fixtureCommand } from '../helpers/temp-project.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const read = (dir: string, name: string) => readFileSync(path.join(dir, name), 'utf8');
const SCHEMA = fileURLToPath(new URL('../../schema/services.schema.json', import.meta.url));

describe('devsup init', () => {
  it('in an empty folder writes an example that checks and runs, and creates .gitignore with both lines', async () => {
    const { dir } = session.project({});
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('wrote services.yaml: an example service (web on port 3000)');
    expect(result.stdout).toContain('added .devsup/ and services.local.yaml to .gitignore');
    expect(read(dir, '.gitignore')).toBe('.devsup/\nservices.local.yaml\n');
    // Its first line points editors at the schema of the devsup that wrote it (outside this folder: by its absolute path).
    expect(read(dir, 'services.yaml').split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA}`);
    expect((await runCli(['check'], dir)).code).toBe(0);
    // The comments name what devsup sets in a service's environment.
    expect(read(dir, 'services.yaml')).toMatch(/^# devsup also sets DEVSUP_SERVICE, DEVSUP_INSTANCE and DEVSUP_MANIFEST /m);
    expect(read(dir, 'services.yaml')).toMatch(/^# .*PYTHONUNBUFFERED=1 unless you set it/m);

    // It runs as written, on the port devsup gives it (3000 may be taken here: the --port override moves it).
    const port = await findFreePorts(1);
    const up = session.up(dir, ['--port', `web=${port}`]);
    await up.waitForOutput(new RegExp(`^web +\\| ready on port ${port}$`, 'm'), 20_000);
    const answer = await fetch(`http://127.0.0.1:${port}/`).then((response) => response.text());
    expect(answer).toBe('hello from devsup\n');
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });

  it('takes the services from a Procfile, with foreman ports, and keeps an existing .gitignore', async () => {
    const { dir } = session.project({
      Procfile: 'web: node web.js --port $PORT\n# a comment\nworker: python worker.py\n',
      '.gitignore': 'node_modules\n.devsup/',
    });
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('from your Procfile (web on port 5000, worker on port 5100)');
    expect(read(dir, 'services.yaml')).toMatch(
      / {2}web:\n {4}command: node web\.js --port \$PORT\n {4}port: 5000\n {2}worker:\n {4}command: python worker\.py\n {4}port: 5100\n {4}ready: none +# running once started: it need not listen on its port\n/,
    );
    expect(read(dir, '.gitignore')).toBe('node_modules\n.devsup/\nservices.local.yaml\n');
    expect((await runCli(['check'], dir)).code).toBe(0);
  });

  it('takes the dev script from package.json, named after the package', async () => {
    const { dir } = session.project({
      'package.json': JSON.stringify({ name: '@acme/shop-api', scripts: { start: 'node a.js', dev: 'node b.js' } }),
    });
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(read(dir, 'services.yaml')).toMatch(/ {2}shop-api:\n {4}command: npm run dev\n {4}port: 3000\n/);
  });

  it("points at the schema of the project's own node_modules/devsup by a relative path, which holds on every clone", async () => {
    const { dir } = session.project({});
    const devsup = installCopy(dir);
    await promisify(execFile)(process.execPath, [devsup, 'init'], { cwd: dir });
    expect(read(dir, 'services.yaml').split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/devsup/schema/services.schema.json');
    const check = await promisify(execFile)(process.execPath, [devsup, 'check'], { cwd: dir });
    expect(check.stdout).toContain('web');
  });

  it('never overwrites a manifest, services.yml included, and writes nothing then', async () => {
    const { dir } = session.project({ 'services.yml': 'services:\n  a: { command: x }\n' });
    const result = await runCli(['init'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('services.yml already exists: devsup init never overwrites a manifest.');
    expect(read(dir, 'services.yml')).toBe('services:\n  a: { command: x }\n');
    expect(() => read(dir, '.gitignore')).toThrow();
    expect(() => read(dir, 'services.yaml')).toThrow();
  });

  it('says so clearly when the folder for -f does not exist', async () => {
    const { dir } = session.project({});
    const missing = await runCli(['init', '-f', 'no/such/folder/services.yaml'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cannot write no\/such\/folder\/services\.yaml: ENOENT/);
    expect(missing.stderr).not.toContain('unexpected error');
  });

  it('reports a broken Procfile with its file and line, and writes nothing', async () => {
    const { dir } = session.project({ Procfile: 'web: node web.js\nthis line has no colon\n' });
    const result = await runCli(['init'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Procfile:2:1: expected a "name: command" line');
    expect(() => read(dir, 'services.yaml')).toThrow();
  });
});

/** A stand-in for Vite in node_modules/.bin: like Vite it ignores PORT and listens on --port; it says which flags it got. */
const FAKE_VITE = [
  '#!/usr/bin/env node',
  "const http = require('node:http');",
  'const args = process.argv.slice(2);',
  "const port = Number(args[args.indexOf('--port') + 1] || 5173);",
  "console.log('vite got ' + args.join(' '));",
  "http.createServer((request, response) => response.end('vite on ' + port)).listen(port);",
  "process.on('SIGTERM', () => process.exit(0));",
  '',
].join('\n');

describe('devsup init from package.json', () => {
  it('gives a Vite dev server its port through the package manager, and it runs there', async () => {
    const { dir } = session.project({
      'package.json': JSON.stringify({ name: 'shop', scripts: { dev: 'vite' } }),
      'node_modules/.bin/vite': FAKE_VITE,
    });
    chmodSync(path.join(dir, 'node_modules/.bin/vite'), 0o755);
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('wrote services.yaml: from your package.json (shop on port 5173)');
    expect(read(dir, 'services.yaml')).toContain(
      [
        '  shop:',
        "    # Vite ignores PORT: --port gives it devsup's, --strictPort makes it fail rather than move to another",
        '    command: npm run dev -- --port ${port} --strictPort',
        '    port: 5173',
      ].join('\n'),
    );
    expect((await runCli(['check'], dir)).code).toBe(0);

    const port = await findFreePorts(1);
    const up = session.up(dir, ['--port', `shop=${port}`], { npm_config_update_notifier: 'false' });
    await up.waitForOutput(new RegExp(`^shop +\\| vite got --port ${port} --strictPort$`, 'm'), 20_000);
    await up.waitForOutput(new RegExp(`^shop +\\| ready on port ${port}$`, 'm'), 20_000);
    expect(await fetch(`http://127.0.0.1:${port}/`).then((response) => response.text())).toBe(`vite on ${port}`);
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });

  it("writes one service per workspace, in its folder, titled with the package's name, and says what it left out", async () => {
    const { dir } = session.project({
      'package.json': JSON.stringify({ name: 'mono', workspaces: ['apps/*', 'packages/*'], scripts: { dev: 'turbo run dev' } }),
      'pnpm-lock.yaml': '',
      'apps/web/package.json': JSON.stringify({ name: '@acme/web', scripts: { dev: 'vite dev' } }),
      'apps/site/package.json': JSON.stringify({ name: '@acme/site', scripts: { dev: 'next dev' } }),
      'packages/ui/package.json': JSON.stringify({ name: '@acme/ui', scripts: { build: 'tsc' } }),
    });
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('wrote services.yaml: from your workspaces (site on port 3000, web on port 5173)');
    const written = read(dir, 'services.yaml');
    expect(written).toContain(['  site:', '    title: "@acme/site"', '    command: pnpm run dev', '    cwd: apps/site', '    port: 3000'].join('\n'));
    expect(written).toContain('    command: pnpm run dev --port ${port} --strictPort\n    cwd: apps/web\n    port: 5173\n');
    expect(result.stderr).toBe(
      [
        'devsup: packages/ui/package.json: no dev or start script, so no service',
        "devsup: package.json: scripts.dev is not used: devsup runs each workspace's own dev or start script instead",
        '',
      ].join('\n'),
    );
    const check = await runCli(['check'], dir);
    expect(check.code, check.stderr).toBe(0);
  });

  it('refuses a package.json that is not JSON, and a workspace outside the folder, with exit code 2, writing nothing', async () => {
    const broken = session.project({ 'package.json': '{\n  "name": "x",\n  "scripts": {\n    "dev": "vite",\n  }\n}\n' });
    const notJson = await runCli(['init'], broken.dir);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^package\.json:5 is not valid JSON: .+\nFix it \(npm cannot read it either\), then run devsup init again\.\n$/);
    expect(() => read(broken.dir, 'services.yaml')).toThrow();

    const escaping = session.project({ 'package.json': JSON.stringify({ workspaces: ['apps/*', '../*'] }, null, 2) });
    const outside = await runCli(['init'], escaping.dir);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('package.json:4: workspace pattern "../*" reaches outside the project\'s folder.');
    expect(() => read(escaping.dir, 'services.yaml')).toThrow();

    const notObject = session.project({ 'package.json': 'null' });
    expect(await runCli(['init'], notObject.dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('package.json must hold a JSON object') });
  });

  it('never copies a script with shell metacharacters into the command: it runs the script by name, and says why no port flags', async () => {
    const { dir } = session.project({ 'package.json': JSON.stringify({ name: 'ui', scripts: { dev: 'vite | tee "$(date).log"' } }) });
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(read(dir, 'services.yaml')).toContain('  ui:\n    command: npm run dev\n    port: 5173\n');
    expect(result.stderr).toContain('devsup: package.json: scripts.dev runs Vite, which ignores PORT, inside a command line with pipes');
    expect((await runCli(['check'], dir)).code).toBe(0);
  });
});

describe('devsup init from a Procfile', () => {
  it("reads Procfile.dev first, takes .foreman's base port, and runs release first, once", async () => {
    const { dir } = session.project({
      'Procfile.dev': 'release: bin/rails db:migrate\nweb: bin/rails server -p $PORT\ncss: bin/rails tailwindcss:watch\n',
      Procfile: 'web: bundle exec puma\n',
      '.foreman': 'port: 3000\n',
    });
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('wrote services.yaml: from your Procfile.dev (release, web on port 3100, css on port 3200)');
    expect(result.stderr).toBe('devsup: Procfile is not used: devsup init reads one file, and read Procfile.dev\n');
    const written = read(dir, 'services.yaml');
    expect(written).toMatch(/^# devsup manifest\. Made from your Procfile\.dev \(ports as foreman gives them, from 3000\)\.$/m);
    expect(written).toContain(
      [
        '  release:',
        '    command: bin/rails db:migrate',
        '    restart: never  # runs once: not started again when it exits',
        '  web:',
        '    command: bin/rails server -p $PORT',
        '    port: 3100',
        '    depends_on: { release: completed }',
        '  css:',
        '    command: bin/rails tailwindcss:watch',
        '    port: 3200',
        '    ready: none                      # running once started: it need not listen on its port',
        '    depends_on: { release: completed }',
      ].join('\n'),
    );
    const check = await runCli(['check'], dir);
    expect(check.code, check.stderr).toBe(0);
  });
});

describe('devsup init, when what it translated will not check', () => {
  it('says at once what devsup check will object to, with file and line', async () => {
    const { dir } = session.project({ Procfile: 'web: node web.js --db ${DEVSUP_TEST_UNSET_URL}\n' });
    const result = await runCli(['init'], dir, { DEVSUP_TEST_UNSET_URL: undefined });
    expect(result.code, result.stderr).toBe(0);
    const line = read(dir, 'services.yaml').split('\n').indexOf('    command: node web.js --db ${DEVSUP_TEST_UNSET_URL}') + 1;
    expect(result.stderr).toBe(
      [
        'devsup: services.yaml needs an edit first: devsup check finds',
        `  services.yaml:${line}:14: "\${DEVSUP_TEST_UNSET_URL}": DEVSUP_TEST_UNSET_URL is not set in the environment or an env file; give a default with \${DEVSUP_TEST_UNSET_URL:-value}`,
        '',
      ].join('\n'),
    );
    expect((await runCli(['check'], dir, { DEVSUP_TEST_UNSET_URL: 'postgres://db' })).code).toBe(0);
  });
});

describe('devsup init from a process-compose.yaml', () => {
  it('translates processes that then run in order, and names on stderr, line by line, what it did not translate', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'process-compose.yaml': [
        'version: "0.5"',
        'log_level: debug',
        'processes:',
        '  migrate:',
        `    command: ${JSON.stringify(fixtureCommand('crash-after.mjs', 100, 0))}`,
        '  web:',
        `    command: ${JSON.stringify(fixtureCommand('http-server.mjs'))}`,
        '    depends_on:',
        '      migrate:',
        '        condition: process_completed_successfully',
        '    readiness_probe:',
        `      http_get: { host: 127.0.0.1, port: ${port}, path: / }`,
        '      period_seconds: 1',
        '    availability:',
        '      restart: on_failure',
        '',
      ].join('\n'),
      Procfile: 'web: echo not this one\n',
    });
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`wrote services.yaml: from your process-compose.yaml (migrate, web on port ${port})`);
    expect(result.stderr).toBe(
      [
        "devsup: process-compose.yaml:2:1: log_level is not translated: devsup keeps each service's output in .devsup/logs/",
        'devsup: process-compose.yaml:13:7: readiness_probe.period_seconds is not translated: devsup checks until it passes, for ready_timeout (60 s) at most',
        'devsup: Procfile is not used: devsup init reads one file, and read process-compose.yaml',
        '',
      ].join('\n'),
    );
    expect(read(dir, 'services.yaml')).toContain(
      [
        `    port: ${port}`,
        '    fallback: none  # the command fixes its port: devsup checks that it is free',
        '    ready: { http: / }',
        '    depends_on: { migrate: completed }',
      ].join('\n'),
    );
    expect((await runCli(['check'], dir)).code).toBe(0);

    const up = session.up(dir);
    const report = await session.waitForPorts(
      dir,
      'migrate exited, web ready',
      (r) => r.services[0]?.status === 'exited' && r.services[1]?.status === 'ready',
    );
    expect(report.services[1]).toMatchObject({ service: 'web', port, url: `http://localhost:${port}` });
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});
