import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICE_KEYS } from '../../src/manifest/read-service.js';
import { READY_KEYS } from '../../src/manifest/read-ready.js';
import { TOP_LEVEL_KEYS } from '../../src/manifest/read-manifest.js';
import { E2ESession } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { tempProjects } from '../helpers/temp-project.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = tempProjects();
const session = new E2ESession();
const scratch: string[] = [];
afterEach(async () => {
  scratch.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  await session.cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-export-'));
  scratch.push(dir);
  return dir;
}

const SECRET = 's3cr3t-token-5521';

/**
 * Every key a manifest may have, with values that are hard to write into a unit file: `%`, `$`,
 * quotes, backslashes, a multi-line script, a title with a specifier. The ports are preferred
 * ones (`--ports preferred`), so nothing here depends on what is free.
 */
const EVERY_KEY = String.raw`
project: every key
env:
  LOG_LEVEL: info
  GREETING: "50% off, $$5 \"quoted\" 'single' back\\slash and	a tab"
env_file: shared.env
port_range: 23000-23999
services:
  db:
    title: Data base %i
    command: [node, -e, "require('net').createServer().listen(Number(process.env.PORT))"]
    port: 23101
    fallback: none
    ready: tcp
    restart: always
    stop_signal: SIGINT
    stop_timeout: 2500ms
    critical: true
  migrate:
    command: |
      node -e "process.exit(0)"
      echo "done 100% $HOME \\ \$(date)"
    depends_on: { db: ready }
    restart: never
  api:
    command: [node, server.js, --motd, "it's 100% \"fine\" $USER \\n", ""]
    cwd: app
    env_file: [app/api.env]
    ports: { http: 23102, metrics: 23103 }
    port_env: API_PORT
    host: 127.0.0.1
    url: http://localhost:${'$'}{port}/
    ready: { http: /health, status: 200 }
    ready_timeout: 30s
    depends_on: { db: ready, migrate: completed }
    max_restarts: 3
    stop_command: node server.js --stop ${'$'}{port}
    watch: [src]
    watch_ignore: [src/gen]
    watch_cascade: true
    env:
      DB_URL: postgres://localhost:${'$'}{db.port}/app
      TOKEN_COPY: ${'$'}{API_TOKEN}
  sock:
    command: node socket-server.js --name "${'$'}{DEVSUP_SERVICE}"
    port: 23104
    socket: true
    ready: { exec: 'test -n "$PORT"' }
  logger:
    command: node -e "console.log('up')"
    ready: { log: "^up$" }
    autostart: false
    profiles: [debug]
  web:
    command: node app/server.js
    port: 23110
    replicas: 2
    health: { http: /health, interval: 5s }
  bg:
    command: sh -c 'node app/server.js & echo $! > bg.pid'
    port: 23120
    ready: tcp
    daemon: true
    stop_command: kill $(cat bg.pid)
    restart: always
include: [more/services.yaml]
`;

function everyKeyProject(): string {
  const { dir } = project({
    'services.yaml': EVERY_KEY,
    'shared.env': 'LOG_LEVEL=debug\nSHARED=1\n',
    'app/api.env': `API_TOKEN=${SECRET}\n`,
    'app/server.js': '',
    'socket-server.js': '',
    'more/services.yaml': 'services:\n  extra:\n    command: node worker.js\n    profiles: [tools]\n',
  });
  mkdirSync(path.join(dir, 'app/src'));
  return dir;
}

/**
 * systemd's own check: no output at all means no warning. User units need a user manager's runtime
 * folder, which a test makes. A template (`web@.service`) is checked as each instance that has a
 * drop-in folder (`web@2.service.d`), which systemd reads with it.
 */
async function verifyUnits(dir: string, mode: 'user' | 'system'): Promise<string> {
  const entries = readdirSync(dir);
  const units = [
    ...entries.filter((name) => !name.endsWith('.d') && !name.includes('@.')).map((name) => `./${name}`),
    ...entries.filter((name) => name.endsWith('.d')).map((name) => name.slice(0, -'.d'.length)),
  ];
  const runtime = tempDir();
  const result = await run('/usr/bin/systemd-analyze', [...(mode === 'user' ? ['--user'] : []), 'verify', ...units], {
    cwd: dir,
    env: { ...process.env, XDG_RUNTIME_DIR: runtime },
  }).catch((error: { stdout: string; stderr: string; code: number }) => error);
  return `${result.stdout}${result.stderr}`;
}

/** The text of every file an export wrote into `dir`, by its name there (`web@2.service.d/instance.conf`). */
function exportedFiles(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((name) => !name.endsWith('.d'))
      .map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]),
  );
}

/** docker-compose's own reading of the file; it prints warnings (an unset variable, …) on stderr. */
async function composeConfig(dir: string): Promise<{ stderr: string; config: Record<string, unknown> }> {
  const { stdout, stderr } = await run('docker-compose', ['-f', 'compose.yaml', 'config'], {
    cwd: dir,
    env: { ...process.env, COMPOSE_PROJECT_NAME: 'devsup-test' },
  });
  return { stderr, config: parse(stdout) as Record<string, unknown> };
}

describe('devsup export systemd', () => {
  it('writes units for the demo that systemd-analyze verify accepts without a word', async () => {
    const out = path.join(tempDir(), 'units');
    const result = await runCli(['export', 'systemd', '-o', out, '--ports', 'preferred'], ROOT);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['assistant-llm-alt.service', 'assistant-llm.service', 'assistant-tools.service', 'assistant.target']);
    expect(await verifyUnits(out, 'user')).toBe('');
    const llm = readFileSync(path.join(out, 'assistant-llm.service'), 'utf8');
    expect(llm).toContain('Requires=assistant-tools.service\nAfter=assistant-tools.service');
    expect(llm).toContain('Environment="TOOLS_URL=http://127.0.0.1:8763"');
    expect(llm).toMatch(/^ExecStart=\/\S+\/node examples\/llm-server\.js --model default$/m);
    expect(readFileSync(path.join(out, 'assistant.target'), 'utf8')).toContain(
      'Wants=assistant-tools.service assistant-llm.service assistant-llm-alt.service',
    );
  });

  it('writes every key, hostile values included, as units systemd accepts; what it cannot say is on stderr; no secret', async () => {
    const dir = everyKeyProject();
    const out = path.join(tempDir(), 'units');
    const result = await runCli(['export', 'systemd', '-o', out, '--ports', 'preferred', '--app', 'shop', '--user', 'root'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(await verifyUnits(out, 'system')).toBe('');
    const units = exportedFiles(out);
    expect(Object.keys(units).sort()).toEqual([
      'shop-api.service',
      'shop-bg.service',
      'shop-db.service',
      'shop-extra.service',
      'shop-logger.service',
      'shop-migrate.service',
      'shop-sock.service',
      'shop-sock.socket',
      'shop-web@.service',
      'shop-web@1.service.d/instance.conf',
      'shop-web@2.service.d/instance.conf',
      'shop.target',
    ]);
    // Keys no format says yet are named on stderr, never dropped silently.
    for (const note of ['web: health', 'logger: autostart: false', 'extra: profiles (tools)', 'bg: restart: always becomes Restart=on-failure'])
      expect(result.stderr).toContain(note);
    for (const said of ['replicas', 'stop_command', 'daemon']) expect(result.stderr).not.toContain(said);
    const all = Object.values(units).join('\n') + result.stdout + result.stderr;
    expect(all).not.toContain(SECRET);

    const api = units['shop-api.service']!;
    expect(api).toContain(`EnvironmentFile=${dir}/shared.env\nEnvironmentFile=${dir}/app/api.env`);
    expect(api).toContain('Environment="DB_URL=postgres://localhost:23101/app"');
    expect(api).toContain('Environment="GREETING=50%% off, $5 \\"quoted\\" \'single\' back\\\\slash and\ta tab"');
    expect(api).toMatch(/^ExecStart=\/usr\/bin\/env LOG_LEVEL=info \/\S+\/node server\.js --motd "it's 100%% \\"fine\\" \$\$USER \\\\n" ""$/m);
    expect(api).toContain('Requires=shop-db.service shop-migrate.service');
    expect(api).toContain('User=root');
    expect(api).toContain('StartLimitBurst=4');
    expect(api).toContain('TimeoutStartSec=30s');
    // stop_command: ExecStop=, as argv, in the service's environment (env wins over env files, as in devsup).
    expect(api).toMatch(/^ExecStop=\/usr\/bin\/env LOG_LEVEL=info \/\S+\/node server\.js --stop 23102$/m);
    // daemon: active once its command returned 0 and its check passed, stopped by its stop_command.
    const bg = units['shop-bg.service']!;
    expect(bg).toContain('Type=oneshot\nRemainAfterExit=yes');
    expect(bg).toMatch(/^ExecStartPost=\S+\/node -e .* 23120 127\.0\.0\.1$/m);
    expect(bg).toContain('ExecStop=/usr/bin/env LOG_LEVEL=info /bin/sh -c "kill $$(cat bg.pid)"\nRestart=on-failure\n');
    expect(units['shop-migrate.service']).toContain('Type=oneshot\nRemainAfterExit=yes');
    expect(units['shop-migrate.service']).toContain(
      String.raw`ExecStart=/usr/bin/env LOG_LEVEL=info /bin/sh -c "node -e \"process.exit(0)\"\necho \"done 100%% $$HOME \\\\ \\$$(date)\"\n"`,
    );
    expect(units['shop-db.service']).toContain('Description=Data base %%i (db of shop)');
    expect(units['shop-db.service']).toContain('KillSignal=SIGINT\nTimeoutStopSec=2500ms');
    expect(units['shop-db.service']).toContain('Restart=always');
    expect(units['shop-sock.socket']).toContain('ListenStream=23104\nFileDescriptorName=sock');
    expect(units['shop.target']).toContain(
      'Wants=shop-db.service shop-migrate.service shop-api.service shop-sock.socket shop-web@1.service shop-web@2.service shop-bg.service\n',
    );
    // Replicas: one template, %i the replica's number; each instance's port in its own drop-in.
    const web = units['shop-web@.service']!;
    expect(web).toContain('Description=web.%i of shop');
    expect(web).toContain('Environment="DEVSUP_SERVICE=web.%i"');
    expect(web).toContain('Environment="DEVSUP_REPLICA=%i"');
    expect(web).toContain('Environment="DEVSUP_WEB_PORTS=23110,23111"');
    expect(web).toMatch(/^ExecStart=\/usr\/bin\/env LOG_LEVEL=info \/\S+\/node app\/server\.js$/m);
    expect(web).not.toMatch(/"PORT=|^ExecStartPost=/m);
    for (const [index, port] of [
      [1, 23110],
      [2, 23111],
    ]) {
      const dropIn = units[`shop-web@${index}.service.d/instance.conf`]!;
      expect(dropIn).toMatch(/^# Written by `devsup export systemd`/);
      expect(dropIn).toContain(`[Service]\nEnvironment="PORT=${port}"\n`);
      expect(dropIn).toMatch(new RegExp(`^ExecStartPost=.* ${port} 127\\.0\\.0\\.1$`, 'm'));
    }
    expect(units['shop.target']).toContain('WantedBy=multi-user.target');

    const notes = result.stderr;
    expect(notes).toMatch(/api: env TOKEN_COPY is not written: it uses \$\{API_TOKEN\}, a value from an env file/);
    expect(notes).toMatch(/api: watch \(src\) is not exported/);
    expect(notes).toMatch(/db: critical: true is not exported/);
    expect(notes).toMatch(/logger: ready: \{log: \^up\$\} is not exported/);
    expect(notes).toMatch(/logger: autostart: false/);
  });

  it('gives each replica the port devsup would give it now, a fallback included, in its own drop-in', async () => {
    const port = await findFreePorts(4);
    await session.holdPort(port + 1, '0.0.0.0'); // replica 2's preferred port
    const { dir } = session.project({
      'services.yaml': `project: shop\nservices:\n  web:\n    command: node server.js --port \${port}\n    port: ${port}\n    replicas: 3\n`,
      'server.js': '',
    });
    const out = path.join(tempDir(), 'units');
    const result = await runCli(['export', 'systemd', '-o', out], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(await verifyUnits(out, 'user')).toBe('');
    const units = exportedFiles(out);
    const portOf = (index: number) => Number(/Environment="PORT=(\d+)"/.exec(units[`shop-web@${index}.service.d/instance.conf`]!)?.[1]);
    expect([portOf(1), portOf(3)]).toEqual([port, port + 2]);
    expect([port, port + 1, port + 2]).not.toContain(portOf(2));
    // The command holds the port, so each instance has its own ExecStart=, and the template none.
    for (const index of [1, 2, 3])
      expect(units[`shop-web@${index}.service.d/instance.conf`]).toMatch(
        new RegExp(`^ExecStart=\\S+/node server\\.js --port ${portOf(index)}$`, 'm'),
      );
    expect(units['shop-web@.service']).not.toMatch(/^ExecStart=/m);
    expect(units['shop-web@.service']).toContain(`Environment="DEVSUP_WEB_PORTS=${port},${portOf(2)},${port + 2}"`);
  });

  it('with --force replaces its units and removes those of a service gone from the manifest, and no file of anyone else', async () => {
    const { dir, write } = project({
      'services.yaml':
        'project: shop\nservices:\n  web:\n    command: node -e 0\n  worker:\n    command: node -e 0\n  queue:\n    command: node -e 0\n    port: 23990\n    replicas: 2\n',
    });
    const out = path.join(tempDir(), 'units');
    expect((await runCli(['export', 'systemd', '-o', out, '--ports', 'preferred'], dir)).code).toBe(0);
    expect(readdirSync(out)).toContain('shop-queue@2.service.d');
    writeFileSync(path.join(out, 'shop-mine.service'), '[Service]\nExecStart=/bin/true\n');
    write('services.yaml', 'project: shop\nservices:\n  web:\n    command: node -e 1\n');
    const refused = await runCli(['export', 'systemd', '-o', out], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/exist already.*--force/s);
    const forced = await runCli(['export', 'systemd', '-o', out, '--force'], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/removed .*shop-worker\.service \(no longer in the manifest\)/);
    expect(forced.stdout).toMatch(/removed .*shop-queue@2\.service\.d\/instance\.conf \(no longer in the manifest\)/);
    expect(readdirSync(out).sort()).toEqual(['shop-mine.service', 'shop-web.service', 'shop.target']);
    expect(readFileSync(path.join(out, 'shop-web.service'), 'utf8')).toMatch(/^ExecStart=\S+ -e 1$/m);
  });

  it('refuses an env value with a line break, naming it, and writes nothing', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  web:\n    command: node -e 0\n    env:\n      MOTD: "line one\\nline two"\n' });
    const out = path.join(tempDir(), 'units');
    const result = await runCli(['export', 'systemd', '-o', out], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/service "web": env MOTD holds a line break.*Put MOTD in an env file/s);
    expect(() => readdirSync(out)).toThrow();
  });

  it('refuses a stop_command that would carry a value from an env file, in the format that writes it only', async () => {
    const { dir } = project({
      'services.yaml': 'services:\n  web:\n    command: node app.js\n    stop_command: node app.js --stop --token ${API_TOKEN}\n',
      '.env': `API_TOKEN=${SECRET}\n`,
    });
    const out = path.join(tempDir(), 'units');
    const refused = await runCli(['export', 'systemd', '-o', out], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/its stop_command uses \$\{API_TOKEN\}, a value from an env file.*"\$API_TOKEN"/s);
    expect(() => readdirSync(out)).toThrow();
    const procfile = await runCli(['export', 'procfile'], dir);
    expect(procfile.code, procfile.stderr).toBe(0);
    expect(procfile.stdout + procfile.stderr).not.toContain(SECRET);
  });

  it('refuses a command that would carry a value from an env file', async () => {
    const { dir } = project({
      'services.yaml': 'services:\n  web:\n    command: node app.js --token ${API_TOKEN}\n',
      '.env': `API_TOKEN=${SECRET}\n`,
    });
    const result = await runCli(['export', 'procfile'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/command uses \$\{API_TOKEN\}, a value from an env file.*"\$API_TOKEN"/s);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });
});

describe('devsup export compose', () => {
  it('prints a compose file for the demo that docker-compose config accepts without a warning', async () => {
    const result = await runCli(['export', 'compose', '--ports', 'preferred'], ROOT);
    expect(result.code, result.stderr).toBe(0);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'compose.yaml'), result.stdout);
    const { stderr, config } = await composeConfig(dir);
    expect(stderr).toBe('');
    const services = config.services as Record<string, Record<string, unknown>>;
    expect(Object.keys(services).sort()).toEqual(['llm', 'llm-alt', 'tools']);
    expect(services.llm).toMatchObject({
      image: expect.stringMatching(/^node:\d+$/),
      command: ['node', 'examples/llm-server.js', '--model', 'default'],
      network_mode: 'host',
      depends_on: { tools: { condition: 'service_healthy' } },
      environment: { PORT: '10500', TOOLS_URL: 'http://127.0.0.1:8763' },
    });
  });

  it('writes every key, hostile values included, as compose reads them back exactly; no secret', async () => {
    const dir = everyKeyProject();
    const result = await runCli(['export', 'compose', '-o', dir, '--ports', 'preferred', '--image', 'node:20'], dir);
    expect(result.code, result.stderr).toBe(0);
    const text = readFileSync(path.join(dir, 'compose.yaml'), 'utf8');
    expect(text + result.stderr).not.toContain(SECRET);
    const { stderr, config } = await composeConfig(dir);
    expect(stderr).toBe('');
    const services = config.services as Record<string, Record<string, unknown>>;
    expect(services.api).toMatchObject({
      image: 'node:20',
      command: ['node', 'server.js', '--motd', `it's 100% "fine" $$USER \\n`, ''],
      working_dir: '/app/app',
      depends_on: { db: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } },
      restart: 'on-failure:3',
    });
    // `config` prints a compose file again, so a literal `$` shows as `$$` there too. It reads the
    // env files itself (the secret is in its output, never in the file): `environment` wins over them.
    expect((services.api!.environment as Record<string, string>).GREETING).toBe(`50% off, $$5 "quoted" 'single' back\\slash and\ta tab`);
    expect((services.api!.environment as Record<string, string>).LOG_LEVEL).toBe('info');
    expect(services.migrate!.command).toEqual(['/bin/sh', '-c', 'node -e "process.exit(0)"\necho "done 100% $$HOME \\\\ \\$$(date)"\n']);
    expect(services.db).toMatchObject({ restart: 'always', stop_signal: 'SIGINT', stop_grace_period: '2500ms' });
    expect(services.logger!.profiles).toEqual(['debug', 'manual']);
    expect(services.extra!.profiles).toEqual(['tools']);
    expect(result.stderr).toMatch(/sock: socket: true is not exported/);
    // health is compose's liveness check: the healthcheck is health's (its timing too), not ready's.
    // (docker-compose config writes the 60s start_period, ready_timeout's default, as 1m.)
    for (const replica of ['web.1', 'web.2'])
      expect(services[replica]!.healthcheck).toEqual({
        test: ['CMD-SHELL', expect.stringContaining(`http://127.0.0.1:${replica === 'web.1' ? 23110 : 23111}/health`)],
        interval: '5s',
        timeout: '2s',
        retries: 3,
        start_period: '1m',
      });
    expect(result.stderr).toMatch(/web: health becomes the healthcheck, but nothing restarts the service when it fails/);
    expect(result.stderr).toMatch(/web\.1: ready \(tcp\) is not exported: the healthcheck is health's/);
    // Neither can compose say how a service stops other than by its signal, nor run a daemon.
    expect(result.stderr).toMatch(/api: stop_command is not exported/);
    expect(result.stderr).toMatch(/bg: daemon: true is not exported/);
  });

  it('writes a file next to the manifest only with --force once one is there', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  web:\n    command: node -e 0\n', 'compose.yaml': 'mine\n' });
    const refused = await runCli(['export', 'compose', '-o', '.'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/compose\.yaml exists already.*--force/s);
    expect(readFileSync(path.join(dir, 'compose.yaml'), 'utf8')).toBe('mine\n');
    const forced = await runCli(['export', 'compose', '-o', '.', '--force'], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'compose.yaml'), 'utf8')).toMatch(/^# Written by `devsup export compose`/);
  });

  it('never writes through a symlink, even with --force', async () => {
    const { dir } = project({ 'services.yaml': 'services:\n  web:\n    command: node -e 0\n', 'target.txt': 'keep\n' });
    symlinkSync(path.join(dir, 'target.txt'), path.join(dir, 'compose.yaml'));
    const result = await runCli(['export', 'compose', '-o', '.', '--force'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/compose\.yaml is a symlink/);
    expect(readFileSync(path.join(dir, 'target.txt'), 'utf8')).toBe('keep\n');
  });
});

describe('devsup export procfile', () => {
  it('prints one line per service, notes the PORT stepping, and lists what it loses on stderr', async () => {
    const dir = everyKeyProject();
    const result = await runCli(['export', 'procfile', '--ports', 'preferred'], dir);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.filter((line) => line.startsWith('#')).join('\n')).toMatch(/foreman steps it by 100 per line.*db 5000, migrate 5100/s);
    expect(lines).toContain(`api: cd app && node server.js --motd 'it'\\''s 100% "fine" $USER \\n' ''`);
    expect(lines.find((line) => line.startsWith('migrate: '))).toBe(
      `migrate: eval "$(printf '%b' 'node -e "process.exit(0)"\\necho "done 100% $HOME \\\\\\\\ \\\\$(date)"\\n')"`,
    );
    for (const lost of ['env', 'depends_on', 'watch', 'critical', 'socket', 'ready: http', 'autostart: false'])
      expect(result.stderr).toContain(`${lost} is not exported`);
  });

  it('runs the multi-line script as written, through sh', async () => {
    const dir = everyKeyProject();
    const result = await runCli(['export', 'procfile', '--ports', 'preferred'], dir);
    const line = result.stdout.split('\n').find((candidate) => candidate.startsWith('migrate: '))!;
    const echoed = await run('/bin/sh', ['-c', line.slice('migrate: '.length).replace('node -e', 'true')], {
      env: { ...process.env, HOME: '/home/x' },
    });
    expect(echoed.stdout).toBe('done 100% /home/x \\ $(date)\n');
  });
});

describe('the manifest these tests export', () => {
  it('uses every key devsup knows, so a new key is exported (or listed as lost) before it ships', () => {
    const document = parse(EVERY_KEY) as { services: Record<string, Record<string, unknown>> };
    const used = new Set(Object.values(document.services).flatMap((service) => Object.keys(service)));
    expect(SERVICE_KEYS.filter((key) => !used.has(key))).toEqual([]);
    expect(TOP_LEVEL_KEYS.filter((key) => !(key in document))).toEqual([]);
    const readyKinds = new Set(
      Object.values(document.services).flatMap((service) => (typeof service.ready === 'object' ? Object.keys(service.ready!) : [service.ready])),
    );
    expect(READY_KEYS.filter((key) => !readyKinds.has(key))).toEqual([]);
  });
});
