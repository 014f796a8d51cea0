import { describe, expect, test } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { ManifestError } from '../errors.js';
import { loadManifest } from './load-manifest.js';

const newProject = tempProjects();

/** The lines of the ManifestError that loading `manifest` throws, or [] when it loads. */
async function problemsOf(manifest: string): Promise<string[]> {
  const project = newProject({ 'services.yaml': manifest });
  return loadManifest({ cwd: project.dir, env: {} }).then(
    () => [],
    (error: unknown) => (error as ManifestError).issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`),
  );
}

const lead = 'is set by devsup, which replaces this value before the service sees it:';

describe("a service's env", () => {
  test('DEVSUP_<KEY>_PORT of any service with a port is replaced, its own too', async () => {
    expect(
      await problemsOf(
        'services:\n' +
          '  a: { command: x, port: 3000, env: { DEVSUP_A_PORT: "1" } }\n' +
          '  b-c: { command: x, port: 3001 }\n' +
          '  worker: { command: x, env: { DEVSUP_B_C_PORT: "2", DEVSUP_WORKER_PORT: "3" } }\n',
      ),
    ).toEqual([
      `2:39: env.DEVSUP_A_PORT ${lead} use another name: devsup sets it to the port of this service`,
      `4:32: env.DEVSUP_B_C_PORT ${lead} use another name: devsup sets it to the port of service "b-c"`,
    ]);
  });

  test('spelling out what devsup sets passes', async () => {
    expect(
      await problemsOf(
        'services:\n' +
          '  a: { command: x, port: 3000, env: { DEVSUP_A_PORT: "${port}", PORT: "${port}" } }\n' +
          '  b: { command: x, env: { DEVSUP_A_PORT: "${a.port}" } }\n',
      ),
    ).toEqual([]);
  });
});

describe('the top-level env, given to every service', () => {
  test('names devsup sets for every service are mistakes there', async () => {
    expect(
      await problemsOf(
        'env:\n  DEVSUP_SERVICE: x\n  DEVSUP_INSTANCE: "1"\n  DEVSUP_MANIFEST: m\n  DEVSUP_A_PORT: "1"\n  DEVSUP_WORKER_PORT: "2"\n' +
          'services:\n  a: { command: x, port: 3000 }\n  worker: { command: x }\n',
      ),
    ).toEqual([
      '2:3: env.DEVSUP_SERVICE is set by devsup for every service, which replaces this value before any service sees it: use another name',
      '3:3: env.DEVSUP_INSTANCE is set by devsup for every service, which replaces this value before any service sees it: use another name',
      '4:3: env.DEVSUP_MANIFEST is set by devsup for every service, which replaces this value before any service sees it: use another name',
      '5:3: env.DEVSUP_A_PORT is set by devsup for every service, which replaces this value before any service sees it: use another name: devsup sets it to the port of service "a"',
    ]);
  });

  test('PORT and HOST are mistakes naming the services that have a port or a host', async () => {
    expect(
      await problemsOf(
        'env: { PORT: "8080", HOST: 0.0.0.0 }\n' +
          'services:\n' +
          '  a: { command: x, port: 3000, host: 127.0.0.1 }\n' +
          '  b: { command: x, port: 3001 }\n' +
          '  worker: { command: x }\n',
      ),
    ).toEqual([
      '1:8: env.PORT is given to every service, but devsup replaces it for services "a" and "b": give each service its preferred port as `port: N`, and set PORT in the env of the services without one',
      '1:22: env.HOST is given to every service, but devsup replaces it for service "a": set it in the env of the services that need it instead',
    ]);
    const many = Array.from({ length: 5 }, (_, i) => `  s${i}: { command: x, port: ${3000 + i} }`).join('\n');
    expect(await problemsOf(`env: { PORT: "1" }\nservices:\n${many}\n`)).toEqual([
      '1:8: env.PORT is given to every service, but devsup replaces it for services "s0", "s1", "s2" and 2 more: give each service its preferred port as `port: N`, and set PORT in the env of the services without one',
    ]);
  });

  test('PORT without services that have a port, the same HOST and spelled-out values pass', async () => {
    expect(
      await problemsOf(
        'env: { PORT: "8080", HOST: 127.0.0.1, DEVSUP_A_PORT: "${a.port}" }\n' +
          'services:\n' +
          '  a: { command: x, host: 127.0.0.1, port: 3000, env: { PORT: "${port}" } }\n' +
          '  worker: { command: x }\n',
      ),
    ).toEqual([
      '1:8: env.PORT is given to every service, but devsup replaces it for service "a": give each service its preferred port as `port: N`, and set PORT in the env of the services without one',
    ]);
    expect(await problemsOf('env: { PORT: "8080", HOST: 0.0.0.0 }\nservices:\n  worker: { command: x }\n')).toEqual([]);
  });
});
