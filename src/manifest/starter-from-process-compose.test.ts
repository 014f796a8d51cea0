import path from 'node:path';
import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
import { starterFromProcessCompose } from './starter-from-process-compose.js';

const newProject = tempProjects();

function starterOf(files: Record<string, string>) {
  const { dir } = newProject(files);
  return starterFromProcessCompose(dir, (file) => path.relative(dir, file));
}

const COMPOSE = `version: "0.5"
name: shop
environment:
  - "GLOBAL=1"
log_location: ./pc.log
processes:
  db:
    command: "postgres -D ./data"
    readiness_probe:
      exec:
        command: "pg_isready"
        working_dir: /tmp
      initial_delay_seconds: 2
    availability:
      restart: always
  migrate:
    command: "npm run migrate"
    depends_on:
      db:
        condition: process_healthy
  api server:
    command: "node api.js"
    working_dir: ./api
    environment:
      - "DATABASE_URL=postgres://localhost/app"
      - "BROKEN"
      - "HOME_DIR=$HOME"
    depends_on:
      migrate:
        condition: process_completed_successfully
      ghost: {}
    readiness_probe:
      http_get:
        host: 127.0.0.1
        port: 8080
        path: /health
    availability:
      restart: exit_on_failure
      backoff_seconds: 2
      max_restarts: 3
    shutdown:
      signal: 2
      timeout_seconds: 10
      command: "echo bye"
  worker:
    description: Sends the mail
    command: "python worker.py"
    ready_log_line: "worker ready (v1)"
    disabled: true
    is_daemon: true
    depends_on:
      migrate:
        condition: process_completed
      db:
        condition: process_started
  remote:
    entrypoint: [curl, -sf, "https://example.com"]
    readiness_probe:
      http_get: { host: example.com, scheme: https, port: 443, path: /up }
    ready_log_line: never used
    availability:
      restart: sometimes
`;

test('command, working_dir, environment, depends_on, probes, availability, disabled and shutdown are translated', () => {
  const starter = starterOf({ 'process-compose.yaml': COMPOSE });
  expect(starter).toMatchObject({
    file: 'process-compose.yaml',
    project: 'shop',
    origin: 'Made from your process-compose.yaml.',
    env: { GLOBAL: '1' },
  });
  expect(starter?.services).toEqual([
    { key: 'db', command: 'postgres -D ./data', ready: { exec: 'pg_isready' }, restart: 'always' },
    { key: 'migrate', command: 'npm run migrate', dependsOn: { db: 'ready' }, restart: 'never' },
    {
      key: 'api-server',
      command: 'node api.js',
      cwd: './api',
      env: { DATABASE_URL: 'postgres://localhost/app', HOME_DIR: '$HOME' },
      dependsOn: { migrate: 'completed' },
      port: 8080,
      fallback: 'none',
      ready: { http: '/health' },
      restart: 'never',
      critical: true,
      maxRestarts: 3,
      stopSignal: 'SIGINT',
      stopTimeout: '10s',
      stopCommand: 'echo bye',
    },
    {
      key: 'worker',
      why: 'Sends the mail',
      command: 'python worker.py',
      ready: { log: 'worker ready \\(v1\\)' },
      autostart: false,
      dependsOn: { migrate: 'completed', db: 'started' },
      restart: 'never', // process-compose restarts nothing unless availability says so
    },
    { key: 'remote', command: ['curl', '-sf', 'https://example.com'], ready: { http: 'https://example.com:443/up' }, restart: 'never' },
  ]);
});

test('whatever has no devsup equivalent is said, one line each with its place, never dropped silently', () => {
  expect(starterOf({ 'process-compose.yaml': COMPOSE })?.notes).toEqual([
    "process-compose.yaml:5:1: log_location is not translated: devsup keeps each service's output in .devsup/logs/",
    "process-compose.yaml:12:9: readiness_probe.exec.working_dir is not translated: devsup runs the check in the service's folder and gives it 10 s",
    'process-compose.yaml:13:7: readiness_probe.initial_delay_seconds is not translated: devsup checks until it passes, for ready_timeout (60 s) at most',
    'process-compose.yaml:21:3: process "api server" is service "api-server" here: devsup\'s names are letters, digits, "_", "." and "-"',
    'process-compose.yaml:26:9: environment entry "BROKEN" is not translated: write NAME=value',
    'process-compose.yaml:27:9: HOME_DIR: devsup does not expand $NAME in an env value; write ${NAME}',
    'process-compose.yaml:31:7: depends_on "ghost" is not translated: there is no such process',
    'process-compose.yaml:39:7: availability.backoff_seconds is not translated: devsup waits 100 ms, doubling up to 30 s, between failed starts',
    'process-compose.yaml:50:5: is_daemon is not translated: daemon: true needs a shutdown.command too, which stops what the command started',
    'process-compose.yaml:52:7: depends_on migrate: process_completed (any exit code) is "completed" here, which needs exit code 0',
    'process-compose.yaml:60:5: ready_log_line is not translated: devsup has one readiness check per service, and the one written first is it',
    'process-compose.yaml:62:7: availability.restart "sometimes" is not translated: devsup has always, on_failure (on-failure) and no (never)',
  ]);
});

test('liveness_probe becomes health, is_daemon a daemon with its probe and shutdown command, replicas replicas, in any order', () => {
  const starter = starterOf({
    'process-compose.yaml': `processes:
  api:
    liveness_probe:
      http_get: { host: 127.0.0.1, port: 8080, path: /health }
      initial_delay_seconds: 5
      period_seconds: 10
      timeout_seconds: 2
      failure_threshold: 4
      success_threshold: 1
    command: "node api.js"
    readiness_probe:
      http_get: { host: 127.0.0.1, port: 8080, path: /ready }
    replicas: 2
  db:
    is_daemon: true
    command: "pg_ctl start -D data"
    liveness_probe:
      exec: { command: "pg_isready" }
    readiness_probe:
      exec: { command: "pg_isready" }
    shutdown: { command: "pg_ctl stop -D data" }
  remote:
    command: "node proxy.js"
    liveness_probe:
      http_get: { host: example.com, scheme: https, port: 443, path: /up }
  lonely:
    command: "start-something"
    is_daemon: true
  workers:
    command: "node worker.js --id $PC_REPLICA_NUM"
    replicas: 3
`,
  });
  expect(starter?.services).toEqual([
    {
      key: 'api',
      command: 'node api.js',
      port: 8080,
      fallback: 'none',
      ready: { http: '/ready' },
      health: { http: '/health', interval: '10s', timeout: '2s', failures: 4 },
      replicas: 2,
      restart: 'never',
    },
    {
      key: 'db',
      command: 'pg_ctl start -D data',
      daemon: true,
      ready: { exec: 'pg_isready' },
      health: { exec: 'pg_isready' },
      stopCommand: 'pg_ctl stop -D data',
      restart: 'never',
    },
    { key: 'remote', command: 'node proxy.js', health: { http: 'https://example.com:443/up' }, restart: 'never' },
    { key: 'lonely', command: 'start-something', restart: 'never' },
    { key: 'workers', command: 'node worker.js --id $PC_REPLICA_NUM', replicas: 3, restart: 'never' },
  ]);
  expect(starter?.notes).toEqual([
    'process-compose.yaml:5:7: liveness_probe.initial_delay_seconds is not translated: devsup checks health once the service is ready',
    'process-compose.yaml:9:7: liveness_probe.success_threshold is not translated: one passing check makes a service healthy again',
    'process-compose.yaml:13:5: replicas: 2: replica i prefers port 8080 + i − 1 and finds it in PORT; a command that fixes its port must take PORT instead',
    'process-compose.yaml:28:5: is_daemon is not translated: daemon: true needs a readiness_probe and a shutdown.command, which tell devsup the daemon runs and stop it',
    'process-compose.yaml:31:5: replicas: 3: PC_REPLICA_NUM (from 0) is DEVSUP_REPLICA (from 1) here',
  ]);
});

test('none: undefined; a file without processes, or a process without a command: refused with the place', () => {
  expect(starterOf({})).toBeUndefined();
  expect(() => starterOf({ 'process-compose.yml': 'version: "0.5"\n' })).toThrow(
    new ManifestError([{ file: 'process-compose.yml', line: 1, column: 1, message: 'no "processes" here: process-compose.yml has nothing to run' }]),
  );
  expect(() => starterOf({ 'process-compose.yaml': 'processes:\n  a:\n    working_dir: x\n  b: text\n' })).toThrow(
    new ManifestError([
      { file: 'process-compose.yaml', line: 2, column: 3, message: 'process "a" has no command: give it one, then run devsup init again' },
      { file: 'process-compose.yaml', line: 4, column: 6, message: 'process "b" must be a map with a "command", not "text"' },
    ]),
  );
  expect(() => starterOf({ 'process-compose.yaml': 'processes: [\n' })).toThrow(ManifestError);
});
