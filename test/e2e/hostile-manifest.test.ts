import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** A program that leaves a file behind if it is ever started: no manifest error may start it. */
const MARKER = 'started-marker';
const markerArgv = JSON.stringify([process.execPath, '-e', `require('fs').writeFileSync('${MARKER}', ''); setInterval(() => {}, 1e9)`]);
const markerService = (port: number) => ['  marker:', `    command: ${markerArgv}`, `    port: ${port}`];

/** `FILE:LINE:COL: ` at the start of a line (a path before the file name is allowed). */
const at = (file: string, line: number | string, column: number | string = '\\d+') => `(?:^|/)${file.replace(/\./g, '\\.')}:${line}:${column}: `;

/** No stack trace, no child output, no marker: devsup stopped before starting anything. */
function expectNothingStarted(result: { code: number | null; stdout: string; stderr: string }, dir: string): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(/^\s+at .*\d+:\d+\)?$/m);
  expect(result.stdout).not.toMatch(/ \| /);
  expect(existsSync(path.join(dir, MARKER))).toBe(false);
}

/**
 * `devsup up` (or `args`) on services.yaml made of `lines` (text, or bytes for what is not UTF-8) with
 * the marker service after them, plus `files` (text or bytes); returns stderr.
 */
async function upFails(lines: (string | Buffer)[], files: Record<string, string | Buffer> = {}, args = ['up']): Promise<string> {
  const port = await findFreePorts(1);
  const { dir } = session.project({});
  const manifest = [...lines, ...markerService(port), ''].map((line) => (typeof line === 'string' ? Buffer.from(line) : line));
  writeFileSync(path.join(dir, 'services.yaml'), Buffer.concat(manifest.flatMap((line, i) => (i === 0 ? [line] : [Buffer.from('\n'), line]))));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  const result = await runCli(args, dir);
  expectNothingStarted(result, dir);
  return result.stderr;
}

describe('hostile or odd manifests: exit 2, file:line:col on stderr, nothing started', () => {
  it('an alias bomb is stopped at the alias that passes the limit', async () => {
    const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (const [previous, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg'])
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    expect(levels.join('\n').length).toBeLessThan(500);
    const stderr = await upFails([...levels, 'services:']);
    expect(stderr).toMatch(
      new RegExp(
        `${at('services.yaml', 5)}alias "\\*d" expands this file's aliases to more than 100000 values: write the values out, or nest fewer aliases`,
        'm',
      ),
    );
  });

  it('70,000 keys in one map are read in one pass: a duplicate at the end is found', async () => {
    const keys = Array.from({ length: 70_000 }, (_, i) => `      KEY_${i}: value-${i}-${'x'.repeat(40)}`);
    const stderr = await upFails(['services:', '  web:', '    command: x', '    env:', ...keys, '      KEY_3: again'], {}, ['check']);
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 70_005, 7)}duplicate key "KEY_3"`, 'm'));
  });

  it('a NUL byte in an env value, in the manifest or an env file', async () => {
    const stderr = await upFails(['services:', '  web:', '    command: node web.js', '    env:', '      BAD: "a\\0b"']);
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 5, 12)}env\\.BAD contains a NUL byte, which no process can receive: remove it`, 'm'));
    const envFile = await upFails(['services:', '  web:', '    command: node web.js'], { '.env': 'TOKEN=abc\0def\n' });
    expect(envFile).toMatch(new RegExp(`${at('.env', 1, 10)}TOKEN contains a NUL byte, which no process can receive: remove it`, 'm'));
  });

  it('a value larger than the OS passes to a new process: one variable, an env file line, a whole environment', async () => {
    const big = 'x'.repeat(140_000);
    const stderr = await upFails(['services:', '  web:', '    command: node web.js', '    env:', `      BIG: ${big}`], {
      '.env': `SMALL=1\nLARGE=${big}\n`,
    });
    const tooLarge = 'is 137 KiB, and the OS passes no single variable over 128 KiB \\(Linux\\): put the data in a file and pass its path';
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 5, 12)}env\\.BIG ${tooLarge}$`, 'm'));
    expect(stderr).toMatch(new RegExp(`${at('.env', 2, 1)}LARGE ${tooLarge}$`, 'm'));
    // Each value under the limit for one, together over the limit for all (2 MiB with the usual 8 MiB stack, at most 6 MiB).
    const values = Array.from({ length: 70 }, (_, i) => `      V${i}: ${'v'.repeat(100_000)}`);
    const total = await upFails(['services:', '  web:', '    command: node web.js', '    env:', ...values], {}, ['check']);
    expect(total).toMatch(
      new RegExp(
        `${at('services.yaml', 4, 5)}service "web": its command and environment come to 6\\.7 MiB \\(its own env and env files 6\\.7 MiB of it\\), and the OS starts no process with more than \\d\\.\\d MiB \\(Linux: a quarter of the stack limit, \`ulimit -s\`\\)`,
        'm',
      ),
    );
  });

  it('a value that grows past what the OS passes once rendered: that service fails saying so, the others run', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({});
    const manifest = ['services:', '  web:', '    command: node web.js', '    env:', '      BIG: "${HUGE}${HUGE}"', ...markerService(port)];
    writeFileSync(path.join(dir, 'services.yaml'), `${manifest.join('\n')}\n`);
    const run = session.up(dir, [], { HUGE: 'h'.repeat(70_000) });
    await run.waitForOutput(
      /web +\| failed: its command and environment are more than the OS lets a new process have: put large values in a file and pass its path/,
    );
    await run.waitForOutput(/marker +\| starting/);
    expect(run.stderr()).not.toMatch(/E2BIG|^\s+at /m);
  });

  it('a string command of 200 KiB: the OS limit is said, not a stack overflow of the shell lexer', async () => {
    const stderr = await upFails(['services:', '  web:', `    command: "echo ${'x'.repeat(200 * 1024)}"`]);
    expect(stderr).toMatch(
      new RegExp(`${at('services.yaml', 3)}service "web": its command is 201 KiB, and the OS passes no single argument over 128 KiB`, 'm'),
    );
    expect(stderr).not.toMatch(/unexpected error|Maximum call stack/);
  });

  it('200,000 problems: the first hundred are printed, then how many more', async () => {
    const repeated = Array.from({ length: 200_000 }, () => '      KEY: again');
    const stderr = await upFails(['services:', '  web:', '    command: x', '    env:', ...repeated], {}, ['check']);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(101);
    expect(lines[0]).toMatch(new RegExp(`${at('services.yaml', 6, 7)}duplicate key "KEY"`));
    expect(lines[100]).toBe('…and 199,899 more problems: fix these first, then run `devsup check` again.');
  });

  it('an env variable named with "=" or named "": no process would receive it as written', async () => {
    const stderr = await upFails(['env:', '  "": top', 'services:', '  web:', '    command: node web.js', '    env:', '      "A=B": x']);
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 2, 3)}env has a variable named "": a name must be non-empty and without "="`, 'm'));
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 7, 7)}env has a variable named "A=B": a name must be non-empty and without "="`, 'm'));
  });

  it('values nested thousands of levels deep', async () => {
    const stderr = await upFails(['services:', '  web:', '    command: node web.js', `    env: ${'['.repeat(20_000)}${']'.repeat(20_000)}`]);
    expect(stderr).toMatch(
      new RegExp(`${at('services.yaml', 4)}values nested thousands of levels deep: devsup reads no manifest that deep; flatten them$`, 'm'),
    );
  });

  it('a name of megabytes is shortened in its message, which stays one line', async () => {
    const name = `A${'b'.repeat(2_000_000)}Z`;
    const stderr = await upFails(['services:', '  web:', '    command: node web.js', `    env: { ${name}: 1 }`]);
    expect(stderr.length).toBeLessThan(2_000);
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 4)}env\\.Ab{75}…\\(2,000,006 characters\\)…b{19}Z is 1\\.9 MiB`, 'm'));
  });

  it('unknown YAML tags', async () => {
    const stderr = await upFails(['services:', '  web:', '    command: !!js/function "function () {}"', '    env: { A: !foo x, B: !!str 1 }']);
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 3, 14)}unknown tag !!js/function: devsup reads plain YAML values; remove the tag`, 'm'));
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 4, 15)}unknown tag !foo: devsup reads plain YAML values; remove the tag`, 'm'));
    expect(stderr).not.toMatch(/!!str/);
  });

  it('DEVSUP_<KEY>_PORT in the top-level env', async () => {
    const stderr = await upFails(['env:', '  DEVSUP_MARKER_PORT: "1"', 'services:']);
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 2, 3)}env\\.DEVSUP_MARKER_PORT is set by devsup for every service`, 'm'));
  });

  it("docker compose's depends_on spelling is answered with what to write", async () => {
    const stderr = await upFails(['services:', '  web:', '    command: node web.js', '    depends_on: { marker: { condition: completed } }']);
    expect(stderr).toMatch(
      new RegExp(`${at('services.yaml', 4)}depends_on\\.marker takes the condition itself, not a map: write "marker: completed"$`, 'm'),
    );
  });

  it('docker compose keys are answered with what devsup calls them', async () => {
    const stderr = await upFails(['version: "3"', 'services:', '  web:', '    command: node web.js', '    environment: { A: "1" }']);
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 1, 1)}unknown key "version" — not needed: remove it`, 'm'));
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 5, 5)}unknown key "environment" — devsup calls it "env"`, 'm'));
  });

  it('bytes that are not UTF-8, in the manifest, an env file and a Procfile', async () => {
    const stderr = await upFails(['services:', '  web:', Buffer.from('    command: touch MARK\xe9', 'latin1')]);
    expect(stderr).toMatch(new RegExp(`${at('services.yaml', 3, 24)}invalid UTF-8 \\(byte 0xe9\\): save the file as UTF-8`, 'm'));

    const envFile = await upFails(['env_file: bad.env', 'services:'], { 'bad.env': Buffer.from('A=1\nB=caf\xe9\n', 'latin1') });
    expect(envFile).toMatch(new RegExp(`${at('bad.env', 2, 6)}invalid UTF-8 \\(byte 0xe9\\): save the file as UTF-8`, 'm'));

    const { dir } = session.project({});
    writeFileSync(
      path.join(dir, 'Procfile'),
      Buffer.concat([
        Buffer.from('# caf\xe9\n', 'latin1'),
        Buffer.from(`web: ${process.execPath} -e "require('fs').writeFileSync('${MARKER}', '')"\n`),
      ]),
    );
    const procfile = await runCli(['up'], dir);
    expectNothingStarted(procfile, dir);
    expect(procfile.stderr).toMatch(new RegExp(`${at('Procfile', 1, 6)}invalid UTF-8 \\(byte 0xe9\\): save the file as UTF-8`, 'm'));
  });
});

describe('-f with something that is not a manifest file: exit 2, saying what it is', () => {
  it('a folder: the manifest inside it is named', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'ops/services.yml': ['services:', ...markerService(port), ''].join('\n'), 'empty/keep': '' });
    const result = await runCli(['up', '-f', 'ops'], dir);
    expectNothingStarted(result, dir);
    expect(result.stderr).toContain('ops is a folder: pass the manifest inside it: -f ops/services.yml');
    const empty = await runCli(['check', '-f', 'empty'], dir);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('empty is a folder: pass the manifest inside it, e.g. -f empty/services.yaml');
  });

  it('a device is not a regular file', async () => {
    const { dir } = session.project({});
    const result = await runCli(['check', '-f', '/dev/null'], dir);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('/dev/null is not a regular file');
    expect(result.stderr).not.toMatch(/^\s+at .*\d+:\d+\)?$/m);
  });
});

describe('a FIFO or a device where devsup reads a file: exit 2 at once, saying what it is', () => {
  it('services.local.yaml, .env, an env_file, services.yaml, and for init a Procfile', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': ['services:', ...markerService(port), ''].join('\n') });
    const at = (name: string) => path.join(dir, name);
    execFileSync('mkfifo', [at('services.local.yaml')]);
    const fifo = await runCli(['up'], dir);
    expectNothingStarted(fifo, dir);
    expect(fifo.stderr).toContain(`cannot read ${at('services.local.yaml')}: it is a FIFO, and devsup reads only regular files`);
    rmSync(at('services.local.yaml'));

    symlinkSync('/dev/zero', at('.env')); // never ends: read whole, it would fill the memory
    const zero = await runCli(['up'], dir);
    expectNothingStarted(zero, dir);
    expect(zero.stderr).toMatch(/services\.yaml:1:1: env file "\.env" cannot be read: it is a device, and devsup reads only regular files/);
    rmSync(at('.env'));

    execFileSync('mkfifo', [at('pipe.env')]);
    writeFileSync(at('services.yaml'), ['env_file: pipe.env', 'services:', ...markerService(port), ''].join('\n'));
    const envFile = await runCli(['check'], dir);
    expect(envFile.code).toBe(2);
    expect(envFile.stderr).toMatch(/services\.yaml:1:11: env file "pipe\.env" cannot be read: it is a FIFO/);

    rmSync(at('services.yaml'));
    symlinkSync('/dev/zero', at('services.yaml'));
    const manifest = await runCli(['check'], dir);
    expect(manifest.code).toBe(2);
    expect(manifest.stderr).toContain(`cannot read ${at('services.yaml')}: it is a device`);

    rmSync(at('services.yaml'));
    execFileSync('mkfifo', [at('Procfile')]);
    const init = await runCli(['init'], dir);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain('cannot read Procfile: it is a FIFO');
    expect(existsSync(at('services.yaml'))).toBe(false);
  });
});

describe('a pattern that backtracks exponentially', () => {
  it('as ready: {log}, leaves the supervisor answering, and the service ready when its line comes', async () => {
    // Lines are matched in the order they come, so the first is tried before "aaa".
    const printer = "console.log('a'.repeat(40) + '!'); console.log('aaa'); setInterval(() => {}, 1e9)";
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${JSON.stringify([process.execPath, '-e', printer])}`,
        '    ready: { log: "(a+)+$" }',
        '',
      ].join('\n'),
    });
    session.up(dir);
    // Matching the first line would take 2^40 steps: a supervisor stuck in it answers nothing, ever.
    await session.waitForPorts(dir, 'web ready', (report) => report.services[0]?.status === 'ready');
  });
});

describe('odd but valid names', () => {
  it('env variables named __proto__, constructor or toString, in the manifest or an env file, reach the service and `devsup run`', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      '.env': '__proto__=from-file\n',
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('print-env.mjs', '--listen', '__proto__', 'constructor', 'toString')}`,
        `    port: ${port}`,
        '    env:',
        '      __proto__: from-yaml',
        '      constructor: own',
        '      toString: also-own',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    await up.waitForOutput(/listening on/);
    for (const line of ['__proto__=from-yaml', 'constructor=own', 'toString=also-own']) expect(up.stdout()).toContain(`web | ${line}`);
    session.interrupt(up);
    expect((await exitWithin(up, 15_000, 'devsup up exits after SIGINT')).code).toBe(0);

    // `run` gets the env files and the top-level env, not a service's own.
    const run = await runCli(['run', '--', process.execPath, '-e', 'console.log(process.env.__proto__)'], dir);
    expect(run).toMatchObject({ code: 0, stdout: 'from-file\n' });
  });

  it('${constructor} and ${__proto__} are unset variables, not what every JavaScript object has; a default or the environment fills them', async () => {
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', '    command: echo "[${constructor}] [${__proto__}]"', '    ready: none', ''].join('\n'),
    });
    const unset = await runCli(['check'], dir);
    expect(unset.code, unset.stderr).toBe(2);
    expect(unset.stderr).toContain('"${constructor}": constructor is not set in the environment or an env file');
    expect(unset.stderr).toContain('"${__proto__}": __proto__ is not set in the environment or an env file');
    expect(unset.stderr).not.toMatch(/is not a function/);

    const { dir: filled } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        '    command: echo "[${toString:-default}] [${constructor}]"',
        '    ready: none',
        '    restart: never',
        '',
      ].join('\n'),
    });
    const up = session.up(filled, [], { constructor: 'from-env' });
    await up.waitForOutput(/exited with code 0/);
    expect(up.stdout()).toContain('web | [default] [from-env]');
  });
});
