import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { manifestSchema as schema, schemaErrorsOf, type Schema } from '../../test/helpers/manifest-schema.js';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
import { parseDuration } from './durations.js';
import { loadManifest } from './load-manifest.js';
import { parseYaml } from './parse-yaml.js';
import { CONDITIONS } from './read-depends-on.js';
import { TOP_LEVEL_KEYS } from './read-manifest.js';
import { HEALTH_KEYS } from './read-health.js';
import { READY_KEYS } from './read-ready.js';
import { ENV_NAME, RESTART_POLICIES, SERVICE_KEYS, SERVICE_NAME } from './read-service.js';
import { resolveUrl } from './resolve-service.js';
import { schemaModeline } from './schema-file.js';
import { renderStarterManifest, type Starter } from './starter-manifest.js';
import { toPlain } from './yaml-node.js';

/**
 * One truth: the JSON Schema editors check services.yaml with (schema/services.schema.json) and
 * devsup's own validation accept and reject the same manifests. Every manifest below goes through
 * both, and the test fails wherever they disagree. (The manifests the documentation shows, which
 * devsup accepts, go through the schema too: test/docs.test.ts.)
 *
 * The schema is written by hand, not generated from the readers: what an editor shows is its
 * descriptions, defaults and messages, which are prose for people, and the readers' checks are code
 * (a "did you mean", a value that depends on another key) that no generator turns into a schema
 * faithfully. This test is what keeps the two in step instead.
 *
 * Left out of the corpus, because a schema cannot see them — devsup alone checks, at load time:
 * - `${…}` references: an undefined service, port name or variable, `${port}` in a service without a
 *   port, any port in `cwd`, and a reference where a shell command cannot quote it (check-references.ts,
 *   render-cwd.ts);
 * - `depends_on` naming a service that is not defined, or the service itself, and dependency cycles;
 * - files and folders that must exist (`cwd`, `env_file`, `include`) and what the env files hold; what included
 *   manifests hold (their services are checked as part of the including one);
 * - the order of a range's bounds: "A-B" with A > B (the schema checks each bound);
 * - a `ready_timeout` so small it rounds to 0 ms ("0.0001s");
 * - env names devsup sets for some services only, by their names or ports (PORT_<NAME>, HOST, the
 *   `port_env` variable, DEVSUP_<KEY>_PORT, PORT in the top-level env: check-replaced-env.ts);
 * - a `stop_signal` the schema knows but this OS has not (SIGINFO on Linux, SIGPWR on macOS), or
 *   spelled with a letter that only upper-cases to ASCII ("ı");
 * - the YAML itself: syntax, duplicate keys, tags, alias bombs, NUL bytes, invalid UTF-8, and .inf and
 *   .nan, which JSON has not got;
 * - `replicas` whose replicas would be named like another service (`web.2`), or prefer a port above 65535;
 * - services.local.yaml, `--port` and `--scale`, which are merged in before validation.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOOD = path.join(ROOT, 'test/fixtures/manifests/good');
/** The schema's errors for a manifest's text, as devsup's parser reads it (none: it is valid). */
function schemaErrors(text: string): string[] {
  const { root, issues } = parseYaml(text, 'services.yaml');
  expect(issues, 'the YAML itself must be fine: this compares validation, not parsing').toEqual([]);
  return schemaErrorsOf(root === undefined ? null : toPlain(root));
}

/** devsup's issues for a manifest (none: it loads). */
async function devsupIssues(dir: string, file: string): Promise<string[]> {
  try {
    await loadManifest({ cwd: dir, file, env: {} });
    return [];
  } catch (error) {
    if (error instanceof ManifestError) return error.issues.map((issue) => issue.message);
    throw error;
  }
}

const valid = [
  ...readdirSync(GOOD)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ dir: GOOD, file: name })),
  { dir: ROOT, file: 'services.yaml' },
  ...readdirSync(path.join(ROOT, 'examples'))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ dir: ROOT, file: `examples/${name}` })),
];

describe('valid manifests: the examples, the demo and test/fixtures/manifests/good', () => {
  test.each(valid)('$file is valid for devsup and for the schema', async ({ dir, file }) => {
    expect(await devsupIssues(dir, file)).toEqual([]);
    expect(schemaErrors(readFileSync(path.join(dir, file), 'utf8'))).toEqual([]);
  });

  test('what devsup init writes, with every setting it may write, is valid for the schema', () => {
    const starter: Starter = {
      file: 'process-compose.yaml',
      origin: 'Made from your process-compose.yaml.',
      source: 'from your process-compose.yaml',
      env: { GLOBAL: '1' },
      services: [
        { key: 'release', command: ['node', 'migrate.js'], restart: 'never' },
        {
          key: 'web',
          title: '@acme/web',
          why: 'Vite ignores PORT',
          command: 'npm run dev -- --port ${port} --strictPort',
          cwd: '.',
          port: 5173,
          fallback: 'none',
          ready: { http: '/health' },
          env: { LOG: 'debug' },
          dependsOn: { release: 'completed' },
          restart: 'on-failure',
          maxRestarts: 3,
          critical: true,
          autostart: false,
          stopSignal: 'SIGINT',
          stopTimeout: '10s',
          stopCommand: 'docker compose down',
        },
        { key: 'worker', command: 'node worker.js', port: 5100, ready: 'none', replicas: 3, health: { http: '/live', interval: '5s', failures: 2 } },
        {
          key: 'db',
          command: 'pg_ctl start',
          daemon: true,
          ready: { exec: 'pg_isready' },
          health: { exec: 'pg_isready', timeout: '1s' },
          stopCommand: 'pg_ctl stop',
        },
        { key: 'logs', command: 'tail -f x', ready: { log: 'ready \\(v1\\)' } },
      ],
      notes: [],
    };
    expect(schemaErrors(`${schemaModeline(GOOD)}\n${renderStarterManifest('shop', starter)}`)).toEqual([]);
  });

  test('together they use every key the schema knows', () => {
    const used = { top: new Set<string>(), service: new Set<string>(), ready: new Set<string>(), health: new Set<string>() };
    for (const { dir, file } of valid) {
      const document = toPlain(parseYaml(readFileSync(path.join(dir, file), 'utf8'), file).root!) as Record<string, unknown>;
      Object.keys(document).forEach((key) => used.top.add(key));
      for (const service of Object.values(document.services as Record<string, Record<string, unknown>>)) {
        Object.keys(service).forEach((key) => used.service.add(key));
        if (typeof service.ready === 'object') Object.keys(service.ready as object).forEach((key) => used.ready.add(key));
        if (typeof service.health === 'object') Object.keys(service.health as object).forEach((key) => used.health.add(key));
      }
    }
    expect([...used.top].sort()).toEqual(Object.keys(schema.properties!).sort());
    expect([...used.service].sort()).toEqual(Object.keys(serviceSchema().properties!).sort());
    expect([...used.ready].sort()).toEqual(Object.keys(readyMapSchema().properties!).sort());
    expect([...used.health].sort()).toEqual(Object.keys(healthMapSchema().properties!).sort());
  });
});

/** Valid at the edges, where a schema is easily stricter than devsup. */
const VALID_EDGES: { name: string; yaml: string }[] = [
  {
    name: 'ranges with spaces and leading zeros',
    yaml: 'port_range: " 010000 - 10999 "\nservices: { a: { command: x, port: 1, fallback: 08000-8000 } }',
  },
  { name: 'durations with spaces, fractions and no unit', yaml: 'services: { a: { command: x, ready_timeout: " 1.5 s ", stop_timeout: "250" } }' },
  { name: 'a tiny positive ready_timeout in milliseconds', yaml: 'services: { a: { command: x, ready_timeout: 0.4 } }' },
  { name: 'the highest port and status', yaml: 'services: { a: { command: x, port: 65535, ready: { http: /, status: 599 } } }' },
  {
    name: 'an empty env value, and names devsup does not set',
    yaml: 'env: { EMPTY: "", DEVSUP_OTHER: x }\nservices: { a: { command: x, env: { PORT: 3000 } } }',
  },
  { name: 'PORT spelt as what devsup sets anyway', yaml: 'services: { a: { command: x, port: 1, env: { PORT: "${port}" } } }' },
  { name: 'values that are only spaces where devsup takes them', yaml: 'services: { a: { command: [x, " "], watch: " ", ready: { exec: " " } } }' },
  { name: 'a regular expression valid without the u flag', yaml: 'services: { a: { command: x, ready: { log: "\\\\a]" } } }' },
  { name: 'signals in odd cases', yaml: 'services: { a: { command: x, stop_signal: sIgKiLl }, b: { command: x, stop_signal: Usr1 } }' },
  {
    name: 'service names with dots, dashes and digits first',
    yaml: 'services: { 1st.api-v2_x: { command: x }, b: { command: x, depends_on: [1st.api-v2_x] } }',
  },
  { name: 'a full https URL for ready.http without a port', yaml: 'services: { a: { command: x, ready: { http: "https://h/", status: 200 } } }' },
  { name: 'socket: false without a port', yaml: 'services: { a: { command: x, socket: false } }' },
];

describe('valid edge cases', () => {
  const project = tempProjects();

  test.each(VALID_EDGES)('$name: devsup and the schema accept it', async ({ yaml }) => {
    const { dir } = project({ 'services.yaml': `${yaml}\n` });
    expect(await devsupIssues(dir, 'services.yaml')).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
  });
});

/** Manifests devsup rejects, each for one reason: `expect` is part of devsup's message about it. */
const INVALID: { name: string; yaml: string; expect: string }[] = [
  // the top level
  { name: 'a top level that is not a map', yaml: '- web', expect: 'the top level must be a map' },
  { name: 'an unknown top-level key', yaml: 'version: "3"\nservices: { a: { command: x } }', expect: 'unknown key "version"' },
  { name: 'no services', yaml: 'project: shop', expect: 'missing "services"' },
  { name: 'empty services', yaml: 'services: {}', expect: 'services is empty' },
  { name: 'services: with nothing', yaml: 'services:', expect: 'services is empty' },
  { name: 'services as a list', yaml: 'services: [a]', expect: 'services must be a map' },
  { name: 'an empty project', yaml: 'project: " "\nservices: { a: { command: x } }', expect: 'project must be a non-empty string' },
  { name: 'a project that is a number', yaml: 'project: 42\nservices: { a: { command: x } }', expect: 'project must be a non-empty string' },
  { name: 'env as a list', yaml: 'env: [A=1]\nservices: { a: { command: x } }', expect: 'env must be a map' },
  { name: 'an env value that is empty', yaml: 'env: { A: }\nservices: { a: { command: x } }', expect: 'env.A must be a string' },
  { name: 'an env value that is a map', yaml: 'env: { A: { b: 1 } }\nservices: { a: { command: x } }', expect: 'env.A must be a string' },
  { name: 'an env name with "="', yaml: 'env: { "A=B": x }\nservices: { a: { command: x } }', expect: 'env has a variable named "A=B"' },
  { name: 'an empty env name', yaml: 'services: { a: { command: x, env: { "": x } } }', expect: 'env has a variable named ""' },
  {
    name: 'a variable devsup sets for every service',
    yaml: 'env: { DEVSUP_SERVICE: x }\nservices: { a: { command: x } }',
    expect: 'env.DEVSUP_SERVICE is set by devsup',
  },
  { name: 'an empty env_file', yaml: 'env_file: ""\nservices: { a: { command: x } }', expect: 'env_file must be a path' },
  { name: 'an env_file list with a number', yaml: 'env_file: [1]\nservices: { a: { command: x } }', expect: 'env_file must be a path' },
  { name: 'include as a number', yaml: 'include: 3\nservices: { a: { command: x } }', expect: 'include must be a path or a list of paths' },
  { name: 'an empty include', yaml: 'include: [""]\nservices: { a: { command: x } }', expect: 'include must be a path or a list of paths' },
  { name: 'include as a map', yaml: 'include: { a: b }\nservices: { a: { command: x } }', expect: 'include must be a path or a list of paths' },
  {
    name: 'a port_range past 65535',
    yaml: 'port_range: 10000-70000\nservices: { a: { command: x } }',
    expect: 'port_range "10000-70000" is not a valid range',
  },
  { name: 'a port_range from 0', yaml: 'port_range: 0-100\nservices: { a: { command: x } }', expect: 'is not a valid range' },
  { name: 'a port_range that is a number', yaml: 'port_range: 10000\nservices: { a: { command: x } }', expect: 'port_range must be a range' },
  // a service as a whole
  { name: 'an invalid service name', yaml: 'services: { _web: { command: x } }', expect: 'invalid service name "_web"' },
  { name: 'a service that is a string', yaml: 'services: { web: npm start }', expect: 'service "web" must be a map' },
  { name: 'an unknown service key', yaml: 'services: { a: { command: x, environment: {} } }', expect: 'unknown key "environment"' },
  { name: 'a misspelt service key', yaml: 'services: { a: { command: x, autostrat: false } }', expect: 'did you mean "autostart"?' },
  // command, title, cwd, env, env_file
  { name: 'no command', yaml: 'services: { a: { port: 3000 } }', expect: 'service "a" has no "command"' },
  { name: 'a blank command', yaml: 'services: { a: { command: "  " } }', expect: 'command must be a non-empty string' },
  { name: 'an empty command list', yaml: 'services: { a: { command: [] } }', expect: 'command must be a non-empty string' },
  { name: 'a number in a command list', yaml: 'services: { a: { command: [sleep, 3] } }', expect: 'command[1] must be a string' },
  { name: 'an empty program in a command list', yaml: 'services: { a: { command: ["", x] } }', expect: 'command[0] must be a program name' },
  { name: 'a command that is a map', yaml: 'services: { a: { command: { run: x } } }', expect: 'command must be a non-empty string' },
  { name: 'an empty title', yaml: 'services: { a: { command: x, title: "" } }', expect: 'title must be a non-empty string' },
  { name: 'a cwd that is a number', yaml: 'services: { a: { command: x, cwd: 5 } }', expect: 'cwd must be a non-empty string' },
  { name: "a service's env as a string", yaml: 'services: { a: { command: x, env: A=1 } }', expect: 'env must be a map' },
  {
    name: 'PORT in the env of a service with a port',
    yaml: 'services: { a: { command: x, port: 3000, env: { PORT: 3000 } } }',
    expect: 'env.PORT is set by devsup',
  },
  {
    name: "DEVSUP_MANIFEST in a service's env",
    yaml: 'services: { a: { command: x, env: { DEVSUP_MANIFEST: x } } }',
    expect: 'env.DEVSUP_MANIFEST is set by devsup',
  },
  { name: "a service's env_file as a map", yaml: 'services: { a: { command: x, env_file: { a: b } } }', expect: 'env_file must be a path' },
  // ports
  { name: 'port 0', yaml: 'services: { a: { command: x, port: 0 } }', expect: 'port 0 is not allowed' },
  { name: 'a port past 65535', yaml: 'services: { a: { command: x, port: 70000 } }', expect: 'port 70000 is out of range' },
  { name: 'a negative port', yaml: 'services: { a: { command: x, port: -80 } }', expect: 'port -80 is out of range' },
  { name: 'a port in quotes', yaml: 'services: { a: { command: x, port: "8080" } }', expect: 'port must be a port number' },
  { name: 'a port with a fraction', yaml: 'services: { a: { command: x, port: 80.5 } }', expect: 'port must be a port number' },
  { name: 'a port word other than auto', yaml: 'services: { a: { command: x, port: any } }', expect: 'port must be a port number' },
  { name: 'port and ports together', yaml: 'services: { a: { command: x, port: 1, ports: { b: 2 } } }', expect: 'use either "port" or "ports"' },
  { name: 'empty ports', yaml: 'services: { a: { command: x, ports: {} } }', expect: 'ports is empty' },
  { name: 'ports as a list', yaml: 'services: { a: { command: x, ports: [8080] } }', expect: 'ports must be a map' },
  {
    name: 'a named port out of range',
    yaml: 'services: { a: { command: x, ports: { http: 8080, metrics: 99999 } } }',
    expect: 'ports.metrics 99999 is out of range',
  },
  {
    name: 'a port_env that is no variable name',
    yaml: 'services: { a: { command: x, port: 1, port_env: 1ABC } }',
    expect: 'port_env "1ABC" is not a valid variable name',
  },
  { name: 'a port_env without a port', yaml: 'services: { a: { command: x, port_env: APP_PORT } }', expect: 'port_env needs a port' },
  { name: 'an empty host', yaml: 'services: { a: { command: x, host: "" } }', expect: 'host must be a non-empty string' },
  {
    name: 'an unknown fallback',
    yaml: 'services: { a: { command: x, port: 1, fallback: sometimes } }',
    expect: 'fallback must be "scan", "none" or a range',
  },
  {
    name: 'a fallback range past 65535',
    yaml: 'services: { a: { command: x, port: 1, fallback: 65000-65536 } }',
    expect: 'fallback "65000-65536" is not a valid range',
  },
  {
    name: 'a fallback that is a number',
    yaml: 'services: { a: { command: x, port: 1, fallback: 8080 } }',
    expect: 'fallback must be "scan", "none" or a range',
  },
  { name: 'socket: true without a port', yaml: 'services: { a: { command: x, socket: true } }', expect: 'socket: true needs a port' },
  { name: 'a socket in quotes', yaml: 'services: { a: { command: x, port: 1, socket: "true" } }', expect: 'socket must be true or false' },
  { name: 'a url that is a list', yaml: 'services: { a: { command: x, url: [a] } }', expect: 'url must be a non-empty string' },
  // ready and ready_timeout
  { name: 'an unknown ready word', yaml: 'services: { a: { command: x, port: 1, ready: http } }', expect: 'ready must be "tcp", "none"' },
  { name: 'ready: tcp without a port', yaml: 'services: { a: { command: x, ready: tcp } }', expect: 'ready: tcp needs a port' },
  { name: 'two kinds of ready at once', yaml: 'services: { a: { command: x, port: 1, ready: { http: /, log: up } } }', expect: 'not http and log' },
  {
    name: 'a ready map without a kind',
    yaml: 'services: { a: { command: x, port: 1, ready: { status: 200 } } }',
    expect: 'ready must have exactly one of',
  },
  {
    name: 'an unknown key in ready',
    yaml: 'services: { a: { command: x, port: 1, ready: { http: /, timeout: 5 } } }',
    expect: 'unknown key "timeout"',
  },
  {
    name: 'a ready.http path without "/"',
    yaml: 'services: { a: { command: x, port: 1, ready: { http: health } } }',
    expect: 'ready.http must be a path starting with "/"',
  },
  { name: 'a ready.http path without a port', yaml: 'services: { a: { command: x, ready: { http: /health } } }', expect: 'ready.http needs a port' },
  {
    name: 'a ready.http that is a number',
    yaml: 'services: { a: { command: x, port: 1, ready: { http: 200 } } }',
    expect: 'ready.http must be a path',
  },
  {
    name: 'a ready.status out of range',
    yaml: 'services: { a: { command: x, port: 1, ready: { http: /, status: 700 } } }',
    expect: 'ready.status must be an HTTP status code',
  },
  {
    name: 'a ready.status in quotes',
    yaml: 'services: { a: { command: x, port: 1, ready: { http: /, status: "200" } } }',
    expect: 'ready.status must be an HTTP status code',
  },
  {
    name: 'a ready.status without http',
    yaml: 'services: { a: { command: x, ready: { log: up, status: 200 } } }',
    expect: 'ready.status only applies to ready.http',
  },
  {
    name: 'a ready.log that is no regular expression',
    yaml: 'services: { a: { command: x, ready: { log: "(" } } }',
    expect: 'ready.log is not a valid regular expression',
  },
  { name: 'an empty ready.log', yaml: 'services: { a: { command: x, ready: { log: "" } } }', expect: 'ready.log must be a regular expression' },
  { name: 'an empty ready.exec', yaml: 'services: { a: { command: x, ready: { exec: "" } } }', expect: 'ready.exec must be a command' },
  { name: 'a ready.exec list', yaml: 'services: { a: { command: x, ready: { exec: [test, -f, x] } } }', expect: 'ready.exec must be a command' },
  // health
  { name: 'an unknown health word', yaml: 'services: { a: { command: x, port: 1, health: http } }', expect: 'health must be "tcp" or a map' },
  { name: 'health: tcp without a port', yaml: 'services: { a: { command: x, health: tcp } }', expect: 'health: tcp needs a port' },
  { name: 'health.tcp without a port', yaml: 'services: { a: { command: x, health: { tcp: true } } }', expect: 'health.tcp needs a port' },
  { name: 'health.tcp other than true', yaml: 'services: { a: { command: x, port: 1, health: { tcp: yes } } }', expect: 'health.tcp must be true' },
  {
    name: 'two kinds of health at once',
    yaml: 'services: { a: { command: x, port: 1, health: { http: /, tcp: true } } }',
    expect: 'not http and tcp',
  },
  {
    name: 'a health map without a kind',
    yaml: 'services: { a: { command: x, port: 1, health: { interval: 5s } } }',
    expect: 'health must have exactly one of',
  },
  {
    name: 'an unknown key in health',
    yaml: 'services: { a: { command: x, port: 1, health: { http: /, retries: 3 } } }',
    expect: 'unknown key "retries"',
  },
  {
    name: 'a health.http path without a port',
    yaml: 'services: { a: { command: x, health: { http: /health } } }',
    expect: 'health.http needs a port',
  },
  {
    name: 'a health.http without "/"',
    yaml: 'services: { a: { command: x, port: 1, health: { http: health } } }',
    expect: 'health.http must be a path',
  },
  { name: 'an empty health.exec', yaml: 'services: { a: { command: x, health: { exec: "" } } }', expect: 'health.exec must be a command' },
  {
    name: 'a health.status without http',
    yaml: 'services: { a: { command: x, health: { exec: y, status: 200 } } }',
    expect: 'health.status only applies to health.http',
  },
  {
    name: 'a health.status out of range',
    yaml: 'services: { a: { command: x, port: 1, health: { http: /, status: 99 } } }',
    expect: 'health.status must be an HTTP status code',
  },
  {
    name: 'a health.interval of 0',
    yaml: 'services: { a: { command: x, health: { exec: y, interval: 0s } } }',
    expect: 'health.interval must be more than 0',
  },
  {
    name: 'a health.timeout in words',
    yaml: 'services: { a: { command: x, health: { exec: y, timeout: soon } } }',
    expect: 'health.timeout must be a duration',
  },
  {
    name: 'health.failures 0',
    yaml: 'services: { a: { command: x, health: { exec: y, failures: 0 } } }',
    expect: 'health.failures must be a whole number, 1 or more',
  },
  {
    name: 'fractional health.failures',
    yaml: 'services: { a: { command: x, health: { exec: y, failures: 1.5 } } }',
    expect: 'health.failures must be a whole number',
  },
  { name: 'health as a list', yaml: 'services: { a: { command: x, health: [tcp] } }', expect: 'health must be "tcp" or a map' },
  { name: 'ready_timeout 0', yaml: 'services: { a: { command: x, ready_timeout: 0 } }', expect: 'ready_timeout must be more than 0' },
  { name: 'ready_timeout "0s"', yaml: 'services: { a: { command: x, ready_timeout: 0s } }', expect: 'ready_timeout must be more than 0' },
  { name: 'a ready_timeout in days', yaml: 'services: { a: { command: x, ready_timeout: 1d } }', expect: 'ready_timeout must be a duration' },
  // depends_on
  {
    name: 'depends_on as a string',
    yaml: 'services: { a: { command: x }, b: { command: x, depends_on: a } }',
    expect: 'depends_on must be a list of services or a map',
  },
  {
    name: 'a map in a depends_on list',
    yaml: 'services: { a: { command: x }, b: { command: x, depends_on: [{ a: ready }] } }',
    expect: 'depends_on must be a list of service names',
  },
  {
    name: 'a service listed twice in depends_on',
    yaml: 'services: { a: { command: x }, b: { command: x, depends_on: [a, a] } }',
    expect: '"a" is listed twice in depends_on',
  },
  {
    name: 'an unknown depends_on condition',
    yaml: 'services: { a: { command: x }, b: { command: x, depends_on: { a: up } } }',
    expect: 'depends_on.a must be "started", "ready" or "completed"',
  },
  {
    name: "docker compose's condition name",
    yaml: 'services: { a: { command: x }, b: { command: x, depends_on: { a: service_healthy } } }',
    expect: 'docker compose\'s service_healthy is "ready" here',
  },
  {
    name: "docker compose's condition map",
    yaml: 'services: { a: { command: x }, b: { command: x, depends_on: { a: { condition: ready } } } }',
    expect: 'takes the condition itself, not a map',
  },
  // restarts and stopping
  {
    name: 'an unknown restart policy',
    yaml: 'services: { a: { command: x, restart: unless-stopped } }',
    expect: 'restart must be "on-failure", "always" or "never"',
  },
  {
    name: 'negative max_restarts',
    yaml: 'services: { a: { command: x, max_restarts: -1 } }',
    expect: 'max_restarts must be a whole number, 0 or more',
  },
  { name: 'fractional max_restarts', yaml: 'services: { a: { command: x, max_restarts: 2.5 } }', expect: 'max_restarts must be a whole number' },
  { name: 'max_restarts in quotes', yaml: 'services: { a: { command: x, max_restarts: "3" } }', expect: 'max_restarts must be a whole number' },
  { name: 'critical as a word', yaml: 'services: { a: { command: x, critical: yes } }', expect: 'critical must be true or false' },
  { name: 'an unknown signal', yaml: 'services: { a: { command: x, stop_signal: SIGFOO } }', expect: 'stop_signal "SIGFOO" is not a known signal' },
  { name: 'a signal number', yaml: 'services: { a: { command: x, stop_signal: 15 } }', expect: 'stop_signal must be a signal name' },
  { name: 'a signal with spaces', yaml: 'services: { a: { command: x, stop_signal: " TERM" } }', expect: 'is not a known signal' },
  { name: 'a negative stop_timeout', yaml: 'services: { a: { command: x, stop_timeout: -1 } }', expect: 'stop_timeout must be a duration' },
  { name: 'a negative stop_timeout as text', yaml: 'services: { a: { command: x, stop_timeout: -1s } }', expect: 'stop_timeout must be a duration' },
  { name: 'a stop_timeout in words', yaml: 'services: { a: { command: x, stop_timeout: 5 minutes } }', expect: 'stop_timeout must be a duration' },
  { name: 'a stop_timeout of "s" alone', yaml: 'services: { a: { command: x, stop_timeout: s } }', expect: 'stop_timeout must be a duration' },
  { name: 'a stop_timeout that is true', yaml: 'services: { a: { command: x, stop_timeout: true } }', expect: 'stop_timeout must be a duration' },
  { name: 'an empty stop_command', yaml: 'services: { a: { command: x, stop_command: "" } }', expect: 'stop_command must be a non-empty string' },
  {
    name: 'a stop_command list',
    yaml: 'services: { a: { command: x, stop_command: [kill, x] } }',
    expect: 'stop_command must be a non-empty string',
  },
  { name: 'daemon as a word', yaml: 'services: { a: { command: x, daemon: yes } }', expect: 'daemon must be true or false' },
  {
    name: 'a daemon without ready',
    yaml: 'services: { a: { command: x, daemon: true, stop_command: y } }',
    expect: 'daemon: true needs a readiness check, but service "a" has none',
  },
  {
    name: 'a daemon with ready: none',
    yaml: 'services: { a: { command: x, daemon: true, ready: none, stop_command: y } }',
    expect: 'daemon: true needs a readiness check, but service "a" has ready: none',
  },
  {
    name: 'a daemon without stop_command',
    yaml: 'services: { a: { command: x, daemon: true, ready: { exec: y } } }',
    expect: 'daemon: true needs a stop_command',
  },
  // watching and starting
  { name: 'an empty watch glob', yaml: 'services: { a: { command: x, watch: "" } }', expect: 'watch must be a glob or a list of globs' },
  { name: 'a number among watch globs', yaml: 'services: { a: { command: x, watch: [src, 1] } }', expect: 'watch must be a glob or a list of globs' },
  { name: 'watch_ignore as a map', yaml: 'services: { a: { command: x, watch_ignore: { a: b } } }', expect: 'watch_ignore must be a glob' },
  { name: 'watch_cascade as a word', yaml: 'services: { a: { command: x, watch_cascade: on } }', expect: 'watch_cascade must be true or false' },
  { name: 'replicas: 0', yaml: 'services: { a: { command: x, replicas: 0 } }', expect: 'replicas must be a whole number, 1 or more' },
  { name: 'negative replicas', yaml: 'services: { a: { command: x, replicas: -2 } }', expect: 'replicas must be a whole number, 1 or more' },
  { name: 'fractional replicas', yaml: 'services: { a: { command: x, replicas: 1.5 } }', expect: 'replicas must be a whole number, 1 or more' },
  { name: 'replicas in quotes', yaml: 'services: { a: { command: x, replicas: "3" } }', expect: 'replicas must be a whole number, 1 or more' },
  { name: 'a profile that is a number', yaml: 'services: { a: { command: x, profiles: [1] } }', expect: 'profiles must be a profile name' },
  { name: 'a profile with a comma', yaml: 'services: { a: { command: x, profiles: ["a,b"] } }', expect: 'profiles must be a profile name' },
  { name: 'profiles as a map', yaml: 'services: { a: { command: x, profiles: { debug: true } } }', expect: 'profiles must be a profile name' },
  { name: 'autostart as a number', yaml: 'services: { a: { command: x, autostart: 0 } }', expect: 'autostart must be true or false' },
];

describe('invalid manifests', () => {
  const project = tempProjects();

  test.each(INVALID)('$name: devsup and the schema reject it', async ({ yaml, expect: message }) => {
    const { dir } = project({ 'services.yaml': `${yaml}\n` });
    const issues = await devsupIssues(dir, 'services.yaml');
    expect(issues, 'devsup must reject it for the reason given').toEqual([expect.stringContaining(message)]);
    expect(schemaErrors(yaml), 'the schema must reject it too').not.toEqual([]);
  });
});

function serviceSchema(): Schema {
  return schema.$defs!.service!;
}

function readyMapSchema(): Schema {
  return schema.$defs!.ready!.anyOf!.find((form) => form.properties)!;
}

function healthMapSchema(): Schema {
  return schema.$defs!.health!.anyOf!.find((form) => form.properties)!;
}

describe('the schema and the code name the same keys and values', () => {
  test('the keys devsup knows (the lists its "did you mean" suggestions come from) are the properties of the schema', () => {
    expect(Object.keys(schema.properties!).sort()).toEqual([...TOP_LEVEL_KEYS].sort());
    expect(Object.keys(serviceSchema().properties!).sort()).toEqual([...SERVICE_KEYS].sort());
    expect(Object.keys(readyMapSchema().properties!).sort()).toEqual([...READY_KEYS].sort());
    expect(Object.keys(healthMapSchema().properties!).sort()).toEqual([...HEALTH_KEYS].sort());
  });

  test('values and patterns: restart policies, dependency conditions, service and variable names', () => {
    const service = serviceSchema().properties!;
    expect(service.restart!.enum).toEqual([...RESTART_POLICIES]);
    const conditions = service.depends_on!.anyOf!.find((form) => form.additionalProperties)!.additionalProperties as Schema;
    expect(conditions.enum).toEqual([...CONDITIONS]);
    expect(schema.$defs!.serviceName!.pattern).toBe(SERVICE_NAME.source);
    expect(service.port_env!.pattern).toBe(ENV_NAME.source);
  });

  test("every signal of this OS is a stop_signal the schema takes, by any of devsup's spellings", () => {
    const spellings = Object.keys(constants.signals).flatMap((name) => [name, name.toLowerCase(), name.slice(3), name.slice(3).toLowerCase()]);
    const rejected = spellings.filter((signal) => schemaErrors(`services: { a: { command: x, stop_signal: ${signal} } }`).length > 0);
    expect(rejected).toEqual([]);
  });

  test('every property says what it is for on hover, and its default where it has one', () => {
    const withoutDefault = new Set(['services', 'command', 'ports', 'port_env', 'http', 'log', 'exec', 'tcp']);
    const missing: string[] = [];
    const visit = (properties: Record<string, Schema>, where: string) => {
      for (const [key, property] of Object.entries(properties)) {
        if (!property.description) missing.push(`${where}${key}: no description`);
        if (property.default === undefined && !withoutDefault.has(key) && !property.description?.includes('Default:'))
          missing.push(`${where}${key}: no default`);
      }
    };
    visit(schema.properties!, '');
    visit(serviceSchema().properties!, 'services.NAME.');
    visit(readyMapSchema().properties!, 'services.NAME.ready.');
    visit(healthMapSchema().properties!, 'services.NAME.health.');
    expect(missing).toEqual([]);
  });

  test("the schema's defaults are devsup's", async () => {
    const dir = path.join(GOOD);
    const manifest = await loadManifest({ cwd: dir, file: 'minimal.yaml', env: {} });
    const [web] = manifest.services;
    const defaults = (properties: Record<string, Schema>) =>
      Object.fromEntries(Object.entries(properties).flatMap(([key, property]) => (property.default === undefined ? [] : [[key, property.default]])));
    const top = defaults(schema.properties!);
    const service = defaults(serviceSchema().properties!);
    expect(top.env).toEqual(manifest.env);
    expect(top.port_range).toBe(`${manifest.portRange.from}-${manifest.portRange.to}`);
    expect(manifest.envFiles).toEqual([path.join(dir, top.env_file as string)]);
    expect({
      cwd: path.resolve(dir, service.cwd as string),
      env: service.env,
      env_file: service.env_file,
      fallback: { kind: service.fallback },
      socket: service.socket,
      ready_timeout: parseDuration(service.ready_timeout as string),
      depends_on: service.depends_on,
      restart: service.restart,
      max_restarts: service.max_restarts,
      critical: service.critical,
      stop_signal: service.stop_signal,
      stop_timeout: parseDuration(service.stop_timeout as string),
      daemon: service.daemon,
      watch: service.watch,
      watch_ignore: service.watch_ignore,
      watch_cascade: service.watch_cascade,
      autostart: service.autostart,
      profiles: service.profiles,
      replicas: service.replicas,
    }).toEqual({
      cwd: web!.cwd,
      env: web!.env,
      env_file: Object.keys(web!.fileEnv),
      fallback: web!.fallback,
      socket: web!.socket,
      ready_timeout: web!.readyTimeoutMs,
      depends_on: web!.dependsOn,
      restart: web!.restart,
      max_restarts: web!.maxRestarts,
      critical: web!.critical,
      stop_signal: web!.stopSignal,
      stop_timeout: web!.stopTimeoutMs,
      daemon: web!.daemon,
      watch: web!.watch,
      watch_ignore: web!.watchIgnore,
      watch_cascade: web!.watchCascade,
      autostart: web!.autostart,
      profiles: web!.profiles,
      replicas: web!.replicas ?? 1, // unset: one, keyed by the service's own name
    });
    // As a service with a port loads: ready defaults to tcp (with ready: none it would have no default URL).
    const withPort = { ...web!, ports: [{ name: 'default', preferred: 3000 as const }], ready: { kind: 'tcp' as const } };
    const ports = new Map([['web', { default: 3000 }]]);
    expect(resolveUrl(manifest, { ...withPort, url: service.url as string }, ports, {})).toBe(resolveUrl(manifest, withPort, ports, {}));
    expect(Object.keys(service).sort()).toEqual(
      [
        'cwd',
        'env',
        'env_file',
        'fallback',
        'socket',
        'url',
        'ready_timeout',
        'depends_on',
        'restart',
        'max_restarts',
        'critical',
        'stop_signal',
        'stop_timeout',
        'daemon',
        'watch',
        'watch_ignore',
        'watch_cascade',
        'autostart',
        'profiles',
        'replicas',
      ].sort(),
    );
  });
});
