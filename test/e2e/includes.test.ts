import { realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin } from '../helpers/e2e-session.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** A command that prints where it runs and a variable, then idles (no shell: a list). */
function reporter(variable: string): string {
  const script = `console.log('cwd=' + process.cwd()); console.log('${variable}=' + process.env.${variable}); setInterval(() => {}, 1 << 30)`;
  return JSON.stringify([process.execPath, '-e', script]);
}

describe('include', () => {
  it("merges other folders' manifests, each with its paths relative to its own file", async () => {
    const { dir } = session.project({
      'services.yaml': [
        'include: [packages/api/services.yaml, packages/web/services.yaml]',
        'services:',
        '  root:',
        `    command: ${reporter('ROOT')}`,
        '    env: { ROOT: here }',
        '',
      ].join('\n'),
      'packages/api/services.yaml': ['services:', '  api:', `    command: ${reporter('API_KEY')}`, '    env_file: api.env', ''].join('\n'),
      'packages/api/api.env': 'API_KEY=from-api-env\n',
      'packages/web/services.yaml': [
        'services:',
        '  web:',
        `    command: ${reporter('WEB')}`,
        '    cwd: src',
        '    env: { WEB: web }',
        '    depends_on: [api]',
        '',
      ].join('\n'),
      'packages/web/src/.keep': '',
    });
    const root = realpathSync(dir);

    const check = await runCli(['check'], dir);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^ {2}api: # ← packages\/api\/services\.yaml$/m);
    expect(check.stdout).toMatch(/^ {2}web: # ← packages\/web\/services\.yaml$/m);
    expect(check.stdout).toMatch(/^ {2}root:$/m);

    const up = session.up(dir);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    await up.waitForOutput(new RegExp(`^api +\\| cwd=${path.join(root, 'packages/api')}$`, 'm'), 10_000);
    await up.waitForOutput(/^api +\| API_KEY=from-api-env$/m, 10_000);
    await up.waitForOutput(new RegExp(`^web +\\| cwd=${path.join(root, 'packages/web/src')}$`, 'm'), 10_000);
    await up.waitForOutput(new RegExp(`^root +\\| cwd=${root}$`, 'm'), 10_000);
    session.interrupt(up);
    expect((await exitWithin(up, 20_000)).code).toBe(0);
  });

  it('refuses a service defined in two files, naming both places, and starts nothing', async () => {
    const { dir } = session.project({
      'services.yaml': ['include: [a/services.yaml, b/services.yaml]', 'services:', '  db:', '    command: sleep 1000', ''].join('\n'),
      'a/services.yaml': ['services:', '  api:', '    command: sleep 1000', ''].join('\n'),
      'b/services.yaml': ['# b', 'services:', '  worker:', '    command: sleep 1000', '  api:', '    command: sleep 1000', ''].join('\n'),
    });
    const result = await runCli(['up'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('b/services.yaml:5:3: service "api" is defined twice: here and at a/services.yaml:2:3; rename one');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });
});
