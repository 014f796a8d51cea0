import { describe, expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
import { loadManifest } from './load-manifest.js';

const newProject = tempProjects();

/** The lines of the ManifestError that loading `services.yaml` (and any other files given) throws. */
async function problemsOf(manifest: string, files: Record<string, string> = {}): Promise<string[]> {
  const project = newProject({ 'services.yaml': manifest, ...files });
  const error = await loadManifest({ cwd: project.dir, env: {} }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ManifestError);
  expect((error as ManifestError).exitCode).toBe(2);
  return (error as ManifestError).message.split('\n');
}

/** Loads a manifest that must be valid. */
async function load(manifest: string, files: Record<string, string> = {}) {
  const project = newProject({ 'services.yaml': manifest, ...files });
  return { project, manifest: await loadManifest({ cwd: project.dir, env: {} }) };
}

describe('keys', () => {
  test('an unknown service key is reported at the key, with the nearest known key', async () => {
    expect(await problemsOf('services:\n  web:\n    comand: node s.js\n')).toEqual([
      'services.yaml:2:3: service "web" has no "command"',
      'services.yaml:3:5: unknown key "comand" — did you mean "command"?',
    ]);
  });

  test('unknown keys at the top level, in ready and without a close match', async () => {
    const problems = await problemsOf(
      'projekt: x\nfoo: 1\nservices:\n  web:\n    command: x\n    port: 80\n    ready: { http: /h, stauts: 200 }\n    xyz: 1\n',
    );
    expect(problems).toEqual([
      'services.yaml:1:1: unknown key "projekt" — did you mean "project"?',
      'services.yaml:2:1: unknown key "foo"',
      'services.yaml:7:24: unknown key "stauts" — did you mean "status"?',
      'services.yaml:8:5: unknown key "xyz"',
    ]);
  });

  test("the keys of docker compose and process-compose are named in devsup's words; typos still get a suggestion", async () => {
    const problems = await problemsOf(
      'version: "3.8"\nname: shop\nprocesses: {}\nenvironment: { A: "1" }\nservices:\n  web:\n    command: x\n' +
        '    environment: { B: "2" }\n    working_dir: src\n    healthcheck: { test: x }\n    readiness_probe: {}\n    entrypoint: x\n' +
        '    depends: [web]\n    restart_policy: always\n    availability: {}\n    image: nginx\n    shutdown: {}\n    enviroment: {}\n',
    );
    expect(problems).toEqual([
      'services.yaml:1:1: unknown key "version" — not needed: remove it',
      'services.yaml:2:1: unknown key "name" — devsup calls it "project"',
      'services.yaml:3:1: unknown key "processes" — devsup calls them "services"',
      'services.yaml:4:1: unknown key "environment" — devsup calls it "env"',
      'services.yaml:8:5: unknown key "environment" — devsup calls it "env"',
      'services.yaml:9:5: unknown key "working_dir" — devsup calls it "cwd"',
      'services.yaml:10:5: unknown key "healthcheck" — devsup calls it "ready"',
      'services.yaml:11:5: unknown key "readiness_probe" — devsup calls it "ready"',
      'services.yaml:12:5: unknown key "entrypoint" — devsup calls it "command"',
      'services.yaml:13:5: unknown key "depends" — devsup calls it "depends_on"',
      'services.yaml:14:5: unknown key "restart_policy" — devsup calls it "restart"',
      'services.yaml:15:5: unknown key "availability" — devsup calls it "restart"',
      'services.yaml:16:5: unknown key "image" — devsup runs commands, not images: give the program to start as "command" (a container too, e.g. "docker run --rm IMAGE")',
      'services.yaml:17:5: unknown key "shutdown" — devsup calls these "stop_signal" and "stop_timeout"',
      'services.yaml:18:5: unknown key "enviroment" — did you mean "env"?',
    ]);
  });

  test('invalid service names', async () => {
    const problems = await problemsOf('services:\n  "-web": { command: x }\n  a b: { command: x }\n  ok_1.x-y: { command: x }\n');
    expect(problems).toEqual([
      'services.yaml:2:3: invalid service name "-web": use letters, digits, "_", "." and "-", starting with a letter or digit',
      'services.yaml:3:3: invalid service name "a b": use letters, digits, "_", "." and "-", starting with a letter or digit',
    ]);
  });
});

describe('services and command', () => {
  test.each([
    ['', 'services.yaml:1:1: missing "services": define at least one service'],
    ['project: x\n', 'services.yaml:1:1: missing "services": define at least one service'],
    ['services:\n', 'services.yaml:1:10: services is empty: define at least one service'],
    ['services: {}\n', 'services.yaml:1:11: services is empty: define at least one service'],
    ['services: [a]\n', 'services.yaml:1:11: services must be a map of service names to their settings, not a list'],
    ['- a\n', 'services.yaml:1:1: the top level must be a map of settings, e.g. "services:"'],
  ])('%j', async (manifest, problem) => {
    expect(await problemsOf(manifest)).toEqual([problem]);
  });

  test('a service must be a map with a command', async () => {
    expect(await problemsOf('services:\n  web:\n  api: node s.js\n')).toEqual([
      'services.yaml:2:7: service "web" must be a map with at least a "command", but is empty',
      'services.yaml:3:8: service "api" must be a map with at least a "command", not "node s.js"',
    ]);
  });

  test('command: a non-empty string or a non-empty list of strings', async () => {
    const problems = await problemsOf(
      'services:\n  a: { command: "  " }\n  b: { command: [] }\n  c: { command: [sleep, 5] }\n  d: { command: 5 }\n  e: { command: ["", x] }\n',
    );
    expect(problems).toEqual([
      'services.yaml:2:17: command must be a non-empty string or a non-empty list of strings, not "  "',
      'services.yaml:3:17: command must be a non-empty string or a non-empty list of strings, but is an empty list',
      'services.yaml:4:25: command[1] must be a string, not 5 (quote it: "5")',
      'services.yaml:5:17: command must be a non-empty string or a non-empty list of strings, not 5',
      'services.yaml:6:18: command[0] must be a program name, not ""',
    ]);
  });
});

describe('ports', () => {
  test('port numbers, port 0 and wrong types', async () => {
    const problems = await problemsOf(
      'services:\n  a: { command: x, port: 0 }\n  b: { command: x, port: 70000 }\n  c: { command: x, port: "8080" }\n  d: { command: x, port: 80.5 }\n',
    );
    expect(problems).toEqual([
      'services.yaml:2:26: port 0 is not allowed: use "auto" for any free port',
      'services.yaml:3:26: port 70000 is out of range: use 1–65535',
      'services.yaml:4:26: port must be a port number from 1 to 65535 or "auto", not "8080"',
      'services.yaml:5:26: port must be a port number from 1 to 65535 or "auto", not 80.5',
    ]);
  });

  test('ports: a non-empty map of names to ports, never together with port', async () => {
    const problems = await problemsOf(
      'services:\n  a: { command: x, port: 1, ports: { http: 2 } }\n  b: { command: x, ports: [1] }\n  c: { command: x, ports: {} }\n  d: { command: x, ports: { http: 1, admin: -1 } }\n',
    );
    expect(problems).toEqual([
      'services.yaml:2:29: use either "port" or "ports", not both',
      'services.yaml:3:27: ports must be a map of names to ports, e.g. {http: 8080, metrics: 9090}, not a list',
      'services.yaml:4:27: ports is empty: name at least one port, e.g. {http: 8080}',
      'services.yaml:5:45: ports.admin -1 is out of range: use 1–65535',
    ]);
  });

  test('port and ports become named port specs; auto is kept', async () => {
    const { manifest } = await load(
      'services:\n  a: { command: x, port: auto }\n  b: { command: x, ports: { http: 8080, metrics: auto } }\n  c: { command: x }\n',
    );
    expect(manifest.services.map((service) => service.ports)).toEqual([
      [{ name: 'default', preferred: 'auto' }],
      [
        { name: 'http', preferred: 8080 },
        { name: 'metrics', preferred: 'auto' },
      ],
      [],
    ]);
  });

  test('fallback and port_range', async () => {
    const problems = await problemsOf(
      'port_range: 10000\nservices:\n  a: { command: x, port: 1, fallback: maybe }\n  b: { command: x, port: 1, fallback: 20-10 }\n  c: { command: x, port: 1, fallback: 0-10 }\n',
    );
    expect(problems).toEqual([
      'services.yaml:1:13: port_range must be a range like "10000-10999", not 10000',
      'services.yaml:3:39: fallback must be "scan", "none" or a range like "10500-10599", not "maybe"',
      'services.yaml:4:39: fallback "20-10" is not a valid range: use "A-B" with 1 ≤ A ≤ B ≤ 65535',
      'services.yaml:5:39: fallback "0-10" is not a valid range: use "A-B" with 1 ≤ A ≤ B ≤ 65535',
    ]);
    expect(await problemsOf('port_range: 1-70000\nservices: { a: { command: x } }\n')).toEqual([
      'services.yaml:1:13: port_range "1-70000" is not a valid range: use "A-B" with 1 ≤ A ≤ B ≤ 65535',
    ]);
    const { manifest } = await load(
      'port_range: 20000-20099\nservices:\n  a: { command: x, port: 1, fallback: "10500-10599" }\n  b: { command: x, fallback: none }\n',
    );
    expect(manifest.portRange).toEqual({ from: 20000, to: 20099 });
    expect(manifest.services.map((service) => service.fallback)).toEqual([{ kind: 'range', from: 10500, to: 10599 }, { kind: 'none' }]);
  });

  test('port_env, socket and ready checks that need a port', async () => {
    const problems = await problemsOf(
      'services:\n  a: { command: x, port: 1, port_env: 1X }\n  b: { command: x, port_env: APP_PORT, socket: true, ready: tcp }\n  c: { command: x, ready: { http: /health } }\n',
    );
    expect(problems).toEqual([
      'services.yaml:2:39: port_env "1X" is not a valid variable name',
      'services.yaml:3:30: port_env needs a port, but service "b" has none',
      'services.yaml:3:48: socket: true needs a port, but service "b" has none',
      'services.yaml:3:61: ready: tcp needs a port, but service "b" has none',
      'services.yaml:4:35: ready.http needs a port, but service "c" has none: give a full URL instead',
    ]);
  });
});

describe('ready', () => {
  test('the accepted forms and their defaults', async () => {
    const { manifest } = await load(
      'services:\n' +
        '  a: { command: x, port: 1 }\n' +
        '  b: { command: x }\n' +
        '  c: { command: x, port: 1, ready: { http: /health, status: 204 } }\n' +
        '  d: { command: x, ready: { log: "listening on \\\\d+" } }\n' +
        '  e: { command: x, ready: { exec: "pg_isready" } }\n' +
        '  f: { command: x, port: 1, ready: none }\n' +
        '  g: { command: x, ready: { http: "http://127.0.0.1:9000/health" } }\n',
    );
    expect(manifest.services.map((service) => service.ready)).toEqual([
      { kind: 'tcp' },
      { kind: 'none' },
      { kind: 'http', path: '/health', status: 204 },
      { kind: 'log', pattern: /listening on \d+/ },
      { kind: 'exec', command: 'pg_isready' },
      { kind: 'none' },
      { kind: 'http', path: 'http://127.0.0.1:9000/health' },
    ]);
  });

  test('wrong forms, an invalid regex and a bad status', async () => {
    const problems = await problemsOf(
      'services:\n' +
        '  a: { command: x, port: 1, ready: http }\n' +
        '  b: { command: x, port: 1, ready: { http: health } }\n' +
        '  c: { command: x, port: 1, ready: { log: "(" } }\n' +
        '  d: { command: x, port: 1, ready: { log: x, exec: y } }\n' +
        '  e: { command: x, port: 1, ready: { http: /h, status: 700 } }\n' +
        '  f: { command: x, port: 1, ready: { exec: y, status: 200 } }\n',
    );
    expect(problems).toEqual([
      'services.yaml:2:36: ready must be "tcp", "none", {http: /path}, {log: "regex"} or {exec: "command"}, not "http"',
      'services.yaml:3:44: ready.http must be a path starting with "/" or a full http:// URL, not "health"',
      'services.yaml:4:43: ready.log is not a valid regular expression: Invalid regular expression: /(/: Unterminated group',
      'services.yaml:5:36: ready must have exactly one of "http", "log" or "exec", not log and exec',
      'services.yaml:6:56: ready.status must be an HTTP status code from 100 to 599, not 700',
      'services.yaml:7:47: ready.status only applies to ready.http',
    ]);
  });
});

describe('env', () => {
  test('names devsup sets itself are mistakes: their values would never reach the service', async () => {
    const problems = await problemsOf(
      'services:\n' +
        '  api:\n' +
        '    command: x\n' +
        '    ports: { http: 8080, metrics: 9090 }\n' +
        '    port_env: GRADIO_SERVER_PORT\n' +
        '    host: 127.0.0.1\n' +
        '    env: { PORT: 3000, PORT_METRICS: 9100, GRADIO_SERVER_PORT: 7860, HOST: 0.0.0.0, DEVSUP_SERVICE: x, LOG_LEVEL: info }\n' +
        '  worker:\n' +
        '    command: x\n' +
        '    env: { PORT: 3000 }\n' +
        '  explicit:\n' +
        '    command: x\n' +
        '    ports: { http: 8081, admin: 8082 }\n' +
        '    host: 127.0.0.1\n' +
        '    env: { PORT: "${port}", PORT_ADMIN: "${ports.admin}", HOST: 127.0.0.1 }\n',
    );
    const lead = 'is set by devsup, which replaces this value before the service sees it:';
    expect(problems).toEqual([
      `services.yaml:7:12: env.PORT ${lead} give the preferred port as \`port: N\` instead`,
      `services.yaml:7:24: env.PORT_METRICS ${lead} give the preferred port under \`ports: {metrics: N}\` instead`,
      `services.yaml:7:44: env.GRADIO_SERVER_PORT ${lead} remove it: port_env sets it to the port`,
      `services.yaml:7:70: env.HOST ${lead} set the address once, as \`host\``,
      `services.yaml:7:85: env.DEVSUP_SERVICE ${lead} use another name`,
    ]);
  });
});

describe('depends_on', () => {
  test('unknown services, self-dependencies, conditions and duplicates', async () => {
    const problems = await problemsOf(
      'services:\n' +
        '  tools: { command: x }\n' +
        '  llm: { command: x, depends_on: [tols, llm, tools, tools] }\n' +
        '  ui: { command: x, depends_on: { tools: soon } }\n' +
        '  db: { command: x, depends_on: tools }\n',
    );
    expect(problems).toEqual([
      'services.yaml:3:35: "llm" depends on "tols", which is not defined — did you mean "tools"?',
      'services.yaml:3:41: "llm" depends on itself',
      'services.yaml:3:53: "tools" is listed twice in depends_on',
      'services.yaml:4:42: depends_on.tools must be "started", "ready" or "completed", not "soon"',
      'services.yaml:5:33: depends_on must be a list of services or a map of service → "started", "ready" or "completed", not "tools"',
    ]);
  });

  test("docker compose's conditions are named in devsup's words", async () => {
    const problems = await problemsOf(
      'services:\n' +
        '  db: { command: x }\n' +
        '  migrate: { command: x, depends_on: { db: service_healthy } }\n' +
        '  api: { command: x, depends_on: { migrate: { condition: service_completed_successfully } } }\n' +
        '  ui: { command: x, depends_on: { api: { restart: true } } }\n' +
        '  web: { command: x, depends_on: { migrate: { condition: completed }, db: { condition: soon } } }\n',
    );
    expect(problems).toEqual([
      'services.yaml:3:44: depends_on.db must be "started", "ready" or "completed": docker compose\'s service_healthy is "ready" here, so write "db: ready"',
      'services.yaml:4:45: depends_on.migrate takes the condition itself, not a map: write "migrate: completed" (docker compose\'s service_completed_successfully is "completed" here)',
      'services.yaml:5:40: depends_on.api takes the condition itself, not a map: write "api: started", "api: ready" or "api: completed"',
      'services.yaml:6:45: depends_on.migrate takes the condition itself, not a map: write "migrate: completed"',
      'services.yaml:6:75: depends_on.db takes the condition itself, not a map: write "db: started", "db: ready" or "db: completed"',
    ]);
  });

  test('a cycle is named in full, from its earliest declared service', async () => {
    const problems = await problemsOf(
      'services:\n' +
        '  web: { command: x, depends_on: [api] }\n' +
        '  c: { command: x, depends_on: { a: started } }\n' +
        '  a: { command: x, depends_on: [b] }\n' +
        '  b: { command: x, depends_on: [c] }\n' +
        '  api: { command: x }\n',
    );
    expect(problems).toEqual(['services.yaml:3:34: dependency cycle: c → a → b → c']);
  });

  test('a list means ready; a map gives each condition', async () => {
    const { manifest } = await load(
      'services:\n  db: { command: x }\n  migrate: { command: x }\n  api: { command: x, depends_on: { db: started, migrate: completed } }\n  ui: { command: x, depends_on: [api] }\n',
    );
    expect(manifest.services.map((service) => service.dependsOn)).toEqual([
      [],
      [],
      [
        { service: 'db', condition: 'started' },
        { service: 'migrate', condition: 'completed' },
      ],
      [{ service: 'api', condition: 'ready' }],
    ]);
  });
});

describe('other service settings', () => {
  test('restart, max_restarts, durations, signals, booleans and strings', async () => {
    const problems = await problemsOf(
      'services:\n' +
        '  a:\n' +
        '    command: x\n' +
        '    restart: onfailure\n' +
        '    max_restarts: -1\n' +
        '    ready_timeout: soon\n' +
        '    stop_timeout: [1]\n' +
        '    stop_signal: SIGTERN\n' +
        '    autostart: yes\n' +
        '    critical: 1\n' +
        '    title: 5\n' +
        '    host: ""\n' +
        '    url: { a: 1 }\n' +
        '    watch: [1]\n' +
        '    watch_cascade: "true"\n' +
        '    socket: no\n' +
        '    ready: none\n' +
        '  b: { command: x, ready_timeout: 0, watch_ignore: "", stop_signal: FOO }\n',
    );
    expect(problems).toEqual([
      'services.yaml:4:14: restart must be "on-failure", "always" or "never", not "onfailure" — did you mean "on-failure"?',
      'services.yaml:5:19: max_restarts must be a whole number, 0 or more, not -1',
      'services.yaml:6:20: ready_timeout must be a duration like "500ms", "5s" or "1m", or a number of milliseconds, not "soon"',
      'services.yaml:7:19: stop_timeout must be a duration like "500ms", "5s" or "1m", or a number of milliseconds, not a list',
      'services.yaml:8:18: stop_signal "SIGTERN" is not a known signal — did you mean "SIGTERM"?',
      'services.yaml:9:16: autostart must be true or false, not "yes"',
      'services.yaml:10:15: critical must be true or false, not 1',
      'services.yaml:11:12: title must be a non-empty string, not 5',
      'services.yaml:12:11: host must be a non-empty string, not ""',
      'services.yaml:13:10: url must be a non-empty string, not a map',
      'services.yaml:14:12: watch must be a glob or a list of globs, not a list',
      'services.yaml:15:20: watch_cascade must be true or false, not "true"',
      'services.yaml:16:13: socket must be true or false, not "no"',
      'services.yaml:18:35: ready_timeout must be more than 0',
      'services.yaml:18:52: watch_ignore must be a glob or a list of globs, not ""',
      'services.yaml:18:69: stop_signal "FOO" is not a known signal',
    ]);
  });

  test('the defaults', async () => {
    const { project, manifest } = await load('services:\n  web: { command: node s.js }\n');
    expect(manifest.services[0]).toEqual({
      key: 'web',
      title: 'web',
      command: 'node s.js',
      cwd: project.dir,
      env: {},
      fileEnv: {},
      ports: [],
      fallback: { kind: 'scan' },
      socket: false,
      ready: { kind: 'none' },
      readyTimeoutMs: 60_000,
      dependsOn: [],
      restart: 'on-failure',
      maxRestarts: 5,
      critical: false,
      stopSignal: 'SIGTERM',
      stopTimeoutMs: 5_000,
      daemon: false,
      watch: [],
      watchIgnore: [],
      watchCascade: false,
      autostart: true,
      profiles: [],
      inActiveProfile: true,
    });
    expect(manifest.portRange).toEqual({ from: 10000, to: 10999 });
  });

  test('set values are typed: signals without SIG, durations, one glob as a list', async () => {
    const { manifest } = await load(
      'services:\n  a:\n    command: x\n    stop_signal: INT\n    stop_timeout: 1.5s\n    ready_timeout: 250\n    watch: src/**/*.ts\n    watch_ignore: [dist, "*.log"]\n    restart: never\n    max_restarts: 0\n    autostart: false\n  b: { command: x, stop_signal: sigterm }\n',
    );
    const [a, b] = manifest.services;
    expect(a).toMatchObject({
      stopSignal: 'SIGINT',
      stopTimeoutMs: 1_500,
      readyTimeoutMs: 250,
      watch: ['src/**/*.ts'],
      watchIgnore: ['dist', '*.log'],
    });
    expect(a).toMatchObject({ restart: 'never', maxRestarts: 0, autostart: false });
    expect(b!.stopSignal).toBe('SIGTERM');
  });
});

describe('env, env_file and cwd', () => {
  test('env values are stringified; other values are errors', async () => {
    const { manifest } = await load('env: { A: 1, B: true, C: text }\nservices:\n  a: { command: x, env: { PORT_HINT: 1.5 } }\n');
    expect(manifest.env).toEqual({ A: '1', B: 'true', C: 'text' });
    expect(manifest.services[0]!.env).toEqual({ PORT_HINT: '1.5' });
    expect(await problemsOf('env: [A]\nservices:\n  a: { command: x, env: { A: [1], B: } }\n')).toEqual([
      'services.yaml:1:6: env must be a map of variable names to values, not a list',
      'services.yaml:3:30: env.A must be a string, a number or true/false, not a list',
      'services.yaml:3:38: env.B must be a string, a number or true/false, but is empty',
    ]);
  });

  test('a missing default .env is fine, a present one is read', async () => {
    const { manifest } = await load('services: { a: { command: x } }\n');
    expect(manifest.fileEnv).toEqual({});
    const withDotenv = await load('services: { a: { command: x } }\n', { '.env': 'TOKEN=abc\n# comment\nQUOTED="a b"\n' });
    expect(withDotenv.manifest.fileEnv).toEqual({ TOKEN: 'abc', QUOTED: 'a b' });
  });

  test('named env files are read in order, relative to the manifest; a missing one is an error', async () => {
    const { manifest } = await load('env_file: [conf/a.env, conf/b.env]\nservices:\n  a: { command: x, env_file: svc.env }\n', {
      '.env': 'IGNORED=1\n',
      'conf/a.env': 'A=1\nSHARED=a\n',
      'conf/b.env': 'SHARED=b\n',
      'svc.env': 'S=1\n',
    });
    expect(manifest.fileEnv).toEqual({ A: '1', SHARED: 'b' });
    expect(manifest.services[0]!.fileEnv).toEqual({ S: '1' });
    expect(await problemsOf('env_file: [.env, missing.env]\nservices:\n  a: { command: x, env_file: 5 }\n', { '.env': 'X=1\n' })).toEqual([
      'services.yaml:1:18: env file "missing.env" not found',
      'services.yaml:3:30: env_file must be a path or a list of paths, not 5',
    ]);
  });

  test('cwd is resolved against the manifest folder and must be an existing folder', async () => {
    const { project, manifest } = await load('services:\n  a: { command: x, cwd: sub }\n', { 'sub/keep': '' });
    expect(manifest.services[0]!.cwd).toBe(`${project.dir}/sub`);
    expect(await problemsOf('services:\n  a: { command: x, cwd: nowhere }\n  b: { command: x, cwd: file }\n', { file: '' })).toEqual([
      'services.yaml:2:25: cwd "nowhere" does not exist',
      'services.yaml:3:25: cwd "file" is not a folder',
    ]);
  });
});

test('every problem of a manifest is reported at once, in file order', async () => {
  const problems = await problemsOf(
    [
      'project: demo',
      'port_range: 9-1',
      'services:',
      '  tools:',
      '    comand: node tools.js',
      '    port: 0',
      '  llm:',
      '    command: [node, llm.js]',
      '    depends_on: [tool]',
      '    restart: sometimes',
      '    env: { TOOLS_URL: "http://127.0.0.1:${tools.ports.http}" }',
      '',
    ].join('\n'),
  );
  expect(problems).toEqual([
    'services.yaml:2:13: port_range "9-1" is not a valid range: use "A-B" with 1 ≤ A ≤ B ≤ 65535',
    'services.yaml:4:3: service "tools" has no "command"',
    'services.yaml:5:5: unknown key "comand" — did you mean "command"?',
    'services.yaml:6:11: port 0 is not allowed: use "auto" for any free port',
    'services.yaml:9:18: "llm" depends on "tool", which is not defined — did you mean "tools"?',
    'services.yaml:10:14: restart must be "on-failure", "always" or "never", not "sometimes"',
    'services.yaml:11:23: "${tools.ports.http}": service "tools" has no port named "http"',
  ]);
});
