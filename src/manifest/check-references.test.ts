import { expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
import { loadManifest } from './load-manifest.js';

const newProject = tempProjects();

async function problemsOf(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const project = newProject(files);
  const error = await loadManifest({ cwd: project.dir, env }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ManifestError);
  return (error as ManifestError).message.split('\n');
}

async function loads(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const project = newProject(files);
  await loadManifest({ cwd: project.dir, env });
}

test('references to services, ports and urls are checked at load time', async () => {
  const manifest = [
    'services:',
    '  tools: { command: x, port: 1 }',
    '  db: { command: x }',
    '  api: { command: x, ports: { http: 2, metrics: 3 } }',
    '  worker: { command: x, port: 4, ready: none }',
    '  web:',
    '    command: [node, web.js, "${tols.port}", "${db.port}"]',
    '    env: { A: "${api.ports.metric}", B: "${port}", C: "${db.url}", D: "${ports.http}" }',
    '    url: "http://x/${tools.url}"',
    '  client: { command: "x ${worker.url}" }',
    '',
  ].join('\n');
  expect(await problemsOf({ 'services.yaml': manifest })).toEqual([
    'services.yaml:7:29: "${tols.port}": unknown service "tols" — did you mean "tools"?',
    'services.yaml:7:45: "${db.port}": service "db" has no port',
    'services.yaml:8:15: "${api.ports.metric}": service "api" has no port named "metric" — did you mean "metrics"?',
    'services.yaml:8:41: "${port}": service "web" has no port',
    'services.yaml:8:55: "${db.url}": service "db" has no url',
    'services.yaml:8:71: "${ports.http}": service "web" has no port',
    'services.yaml:9:10: "${tools.url}": a url cannot refer to another url',
    'services.yaml:10:22: "${worker.url}": service "worker" has no url: with ready: none it need not listen, so it gets none by default; give it "url: http://localhost:${port}" if it listens',
  ]);
});

test('valid references load: own and other ports, urls outside url, escaped $ and shell variables', async () => {
  await loads({
    'services.yaml': [
      'services:',
      '  tools: { command: x, port: 1, url: "http://tools.local:${port}/mcp" }',
      '  api:',
      '    command: node api.js --port ${port} --metrics ${ports.metrics} --home $HOME --price $$5',
      '    ports: { http: 2, metrics: 3 }',
      '    env: { TOOLS: "${tools.url}", OTHER: "${api.ports.metrics}" }',
      '    url: "http://localhost:${ports.http}/"',
      '',
    ].join('\n'),
  });
});

test('${VAR} must be set in the service env file, the top-level env file or the environment, or have a default', async () => {
  const manifest = [
    'env_file: top.env',
    'env: { A: "${FROM_TOP}", B: "${FROM_PROCESS}", C: "${MISSING:-fallback}" }',
    'services:',
    '  a: { command: "echo ${FROM_SERVICE} ${NOWHERE}", env_file: a.env }',
    '  b: { command: "echo ${FROM_SERVICE}" }',
    '',
  ].join('\n');
  const files = { 'services.yaml': manifest, 'top.env': 'FROM_TOP=1\n', 'a.env': 'FROM_SERVICE=1\n' };
  expect(await problemsOf(files, { FROM_PROCESS: 'x' })).toEqual([
    'services.yaml:4:17: "${NOWHERE}": NOWHERE is not set in the environment or an env file; give a default with ${NOWHERE:-value}',
    'services.yaml:5:17: "${FROM_SERVICE}": FROM_SERVICE is not set in the environment or an env file; give a default with ${FROM_SERVICE:-value}',
  ]);
  expect(await problemsOf(files, {})).toContain(
    'services.yaml:2:29: "${FROM_PROCESS}": FROM_PROCESS is not set in the environment or an env file; give a default with ${FROM_PROCESS:-value}',
  );
});

test('the top-level env is checked for every service and each problem is said once', async () => {
  const manifest =
    'env: { URL: "http://localhost:${port}", X: "${Y}" }\nservices:\n  a: { command: x, port: 1 }\n  b: { command: x }\n  c: { command: x }\n';
  expect(await problemsOf({ 'services.yaml': manifest })).toEqual([
    'services.yaml:1:13: "${port}": the top-level env is given to every service, but service "b" has no port',
    'services.yaml:1:13: "${port}": the top-level env is given to every service, but service "c" has no port',
    'services.yaml:1:44: "${Y}": Y is not set in the environment or an env file; give a default with ${Y:-value}',
  ]);
});

test('template syntax errors are reported at the string', async () => {
  expect(await problemsOf({ 'services.yaml': 'services:\n  a: { command: "run ${port", port: 1, env: { B: "${a b}" } }\n' })).toEqual([
    'services.yaml:2:17: unclosed "${" in "run ${port"',
    'services.yaml:2:50: invalid reference "${a b}": use ${port}, ${ports.NAME}, ${SERVICE.port}, ${SERVICE.ports}, ${SERVICE.ports.NAME}, ${SERVICE.url}, ${VAR} or ${VAR:-default}',
  ]);
});

test('in a string command, a reference where its value could not be quoted is refused at load time', async () => {
  const manifest = [
    'services:',
    '  a: { command: "cat <<EOF\\n${X}\\nEOF" }',
    '  b: { command: "echo \\\\${X}" }',
    '  c: { command: [sh, -c, "echo \\\\${X}"] }',
    '',
  ].join('\n');
  expect(await problemsOf({ 'services.yaml': manifest }, { X: 'x' })).toEqual([
    'services.yaml:2:17: "${X}": devsup cannot follow the shell\'s quoting after a here-document ("<<"); pass the value in env (NAME: "${…}") and write "$NAME" in the command',
    'services.yaml:3:17: "${X}": a backslash right before it would undo the quoting of its value; remove the backslash',
  ]);
});

test('the variables devsup injects need no default; ${PORT} on a service without a port asks for one', async () => {
  const manifest = [
    'services:',
    '  web:',
    '    command: "serve ${PORT} ${PORT_ADMIN} ${WEB_PORT} ${HOST} ${DEVSUP_SERVICE} ${DEVSUP_DB_PORT} ${DEVSUP_INSTANCE} ${DEVSUP_MANIFEST}"',
    '    ports: { http: 1, admin: 2 }',
    '    port_env: WEB_PORT',
    '    host: 127.0.0.1',
    '    env: { SELF: "${PORT}" }',
    '    url: "http://x:${PORT}/${DEVSUP_INSTANCE}"',
    '  db: { command: x, port: 3 }',
    '  worker: { command: "work ${PORT} ${HOST} ${DEVSUP_DB_PROT}" }',
    '',
  ].join('\n');
  expect(await problemsOf({ 'services.yaml': manifest })).toEqual([
    'services.yaml:8:10: "${DEVSUP_INSTANCE}": DEVSUP_INSTANCE is not set in the environment or an env file; give a default with ${DEVSUP_INSTANCE:-value}',
    'services.yaml:10:22: "${PORT}": service "worker" has no port, so devsup sets no PORT for it (and none is set in the environment or an env file): give it one with "port: N" or "port: auto"',
    'services.yaml:10:22: "${HOST}": HOST is not set in the environment or an env file; give a default with ${HOST:-value}',
    'services.yaml:10:22: "${DEVSUP_DB_PROT}": DEVSUP_DB_PROT is not set in the environment or an env file; give a default with ${DEVSUP_DB_PROT:-value} — did you mean "DEVSUP_DB_PORT"?',
  ]);
});
