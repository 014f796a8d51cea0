import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { installCopy } from '../helpers/installed-copy.js';
import { runCli } from '../helpers/run-cli.js';

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

  it('says so clearly when the folder for -f does not exist, or package.json is not an object', async () => {
    const { dir } = session.project({ 'package.json': 'null' });
    const missing = await runCli(['init', '-f', 'no/such/folder/services.yaml'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cannot write no\/such\/folder\/services\.yaml: ENOENT/);
    expect(missing.stderr).not.toContain('unexpected error');
    const result = await runCli(['init'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('an example service');
  });

  it('reports a broken Procfile with its file and line, and writes nothing', async () => {
    const { dir } = session.project({ Procfile: 'web: node web.js\nthis line has no colon\n' });
    const result = await runCli(['init'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Procfile:2:1: expected a "name: command" line');
    expect(() => read(dir, 'services.yaml')).toThrow();
  });
});
