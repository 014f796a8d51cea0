import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempProjects } from '../../test/helpers/temp-project.js';
import { main } from './main.js';

/** Runs devsup's `main` in-process with its output captured. */
async function run(argv: string[], cwd: string) {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  let [out, err] = ['', ''];
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io = { cwd, stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, env: {} };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}

const tempProject = tempProjects();
const MANIFEST = 'services:\n  web:\n    command: node server.js\n';

describe('main: the command line', () => {
  it('prints the version of the package.json it came with, for --version and -V alike', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await run([flag], process.cwd())).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('takes -f FILE before the command, as docker compose does', async () => {
    const { dir } = tempProject({ 'other/stack.yaml': MANIFEST });
    for (const argv of [
      ['-f', 'other/stack.yaml', 'check'],
      ['--file', 'other/stack.yaml', 'check'],
      ['--file=other/stack.yaml', 'check'],
      ['check', '-f', 'other/stack.yaml'],
    ]) {
      const result = await run(argv, dir);
      expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('command: node server.js');
    }
  });

  it('says what -f needs when the file or the command is missing: exit 2, no stack', async () => {
    const { dir } = tempProject({ 'services.yaml': MANIFEST });
    for (const argv of [['-f'], ['-f', 'services.yaml'], ['--file=']]) {
      const result = await run(argv, dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^-f FILE needs a file and then a command, e\.g\. `devsup -f services\.yaml up`\./);
      expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('suggests the nearest command for a mistyped one', async () => {
    const { dir } = tempProject({ 'services.yaml': MANIFEST });
    const result = await run(['chek'], dir);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('unknown command "chek" — did you mean "check"?');
  });

  it("shows a command's help for `devsup help COMMAND` as for `devsup COMMAND --help`; an unknown one gets a suggestion", async () => {
    const { dir } = tempProject({});
    const asked = await run(['help', 'logs'], dir);
    expect(asked).toMatchObject({ code: 0, stderr: '' });
    expect(asked.stdout).toMatch(/^Usage: devsup logs .*\n[\s\S]*-n, --lines N +how many/);
    for (const argv of [
      ['logs', '--help'],
      ['logs', '-h'],
    ])
      expect(await run(argv, dir)).toEqual(asked);
    const unknown = await run(['help', 'chek'], dir);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('unknown command "chek" — did you mean "check"?');
  });

  it("takes --no-color before or after the command, as devsup's own option, not the command's", async () => {
    const { dir } = tempProject({ 'services.yaml': MANIFEST });
    for (const argv of [
      ['--no-color', 'check'],
      ['check', '--no-color'],
      ['-f', 'services.yaml', 'check', '--no-color'],
    ]) {
      const result = await run(argv, dir);
      expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('command: node server.js');
    }
    // After `--` it is the command's: here a port number for `who`.
    expect((await run(['who', '--', '--no-color'], dir)).stderr).toMatch(/^"--no-color" is not a port number/);
  });

  it('answers the daemon options of other tools with `devsup up -d`', async () => {
    const { dir } = tempProject({ 'services.yaml': MANIFEST });
    for (const option of ['-D', '--daemon']) {
      const result = await run(['up', option], dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`Unknown option '${option}'.\nTo run in the background: \`devsup up -d\`; \`devsup down\` stops it.\n`);
    }
  });

  it('takes --wait-timeout only with -d', async () => {
    const { dir } = tempProject({ 'services.yaml': MANIFEST });
    const result = await run(['up', '--wait-timeout', '1s'], dir);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^--wait-timeout goes with -d \(--detach\): it bounds the wait for the start-up\./);
  });

  it("leaves `run`'s --help to the command once the command has begun", async () => {
    const { dir } = tempProject({ 'services.yaml': MANIFEST });
    expect(await run(['run', '--help'], dir)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: devsup run \[--up/) });
    const result = await run(['run', process.execPath, '-e', 'process.exit(process.argv.includes("--help") ? 7 : 1)', '--', '--help'], dir);
    expect(result).toMatchObject({ code: 7, stdout: '' });
    // --no-color too, once the command has begun; before it, it is devsup's.
    const own = await run(['run', '--no-color', process.execPath, '-e', 'process.exit(process.env.NO_COLOR === "1" ? 5 : 1)'], dir);
    expect(own).toMatchObject({ code: 5, stdout: '' });
    const theirs = await run(['run', process.execPath, '-e', 'process.exit(process.argv.includes("--no-color") ? 6 : 1)', '--', '--no-color'], dir);
    expect(theirs).toMatchObject({ code: 6, stdout: '' });
  });

  it("ends node's own option messages with one full stop", async () => {
    const { dir } = tempProject({ 'services.yaml': MANIFEST });
    const result = await run(['logs', '-n'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Option '-n, --lines <value>' argument missing\.\nUsage: devsup logs/);
  });

  it('says in one line how to give a value that starts with "-", by the long name of the option', async () => {
    const { dir } = tempProject({ 'services.yaml': MANIFEST });
    expect(await run(['logs', '-n', '-5'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^-n needs a value, and "-5" looks like an option: write --lines=-5 if that is the value\.\nUsage: devsup logs /),
    });
    expect((await run(['logs', '--since', '-5m'], dir)).stderr).toMatch(/^--since needs a value, and "-5m" looks like an option: write --since=-5m/);
    expect((await run(['logs', '-fn', '-5'], dir)).stderr).toMatch(
      /^-n needs a value, and the word after it looks like an option: write --lines=VALUE if that is the value\./,
    );
  });
});
