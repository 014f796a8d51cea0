import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/run-cli.js';
import { tempProjects } from '../helpers/temp-project.js';

const tempProject = tempProjects();

/** `node FILE args…` to completion; its exit code whatever it is. */
async function runNode(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [file, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the front door (dist/bin/devsup.cjs)', () => {
  it('prints help and the version by itself: from an install that has nothing else, with its own paths and version', async () => {
    // Only the front door, a package.json and the reference: no main.js, no chunk of the bundle.
    const { dir } = tempProject({
      'pkg/package.json': JSON.stringify({ name: 'devsup', version: '7.7.7-front' }),
      'pkg/docs/manifest.md': '# The manifest\n',
      'pkg/dist/bin/devsup.cjs': readFileSync(CLI, 'utf8'),
    });
    const front = path.join(dir, 'pkg/dist/bin/devsup.cjs');
    const help = await runNode(front, ['--help'], { cwd: dir });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain(`every key it takes: ${path.join(dir, 'pkg/docs/manifest.md')} (every command`);
    expect(await runNode(front, ['-V'], { cwd: dir })).toEqual({ code: 0, stdout: '7.7.7-front\n', stderr: '' });
    expect((await runNode(front, ['help', 'up'], { cwd: dir })).stdout).toMatch(/^Usage: devsup up /);
    // Anything else needs the bundle: a broken install says so in a line, with no stack trace.
    const check = await runNode(front, ['check'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/^devsup: could not load itself: .*main\.js/);
    expect(check.stderr).not.toMatch(/^\s+at /m);
  });

  it('starts no ES module loader for help or the version, and loads the bundle for a command', async () => {
    const { dir } = tempProject({
      'services.yaml': 'services:\n  web:\n    command: node server.js\n',
      // Each node process lists the modules it loaded as it exits, in a file named after its arguments.
      'list-modules.cjs':
        "process.on('exit', () => require('node:fs').writeFileSync(`${__dirname}/modules-${process.argv.slice(2).join('_')}.txt`, process.moduleLoadList.join('\\n')));\n",
    });
    const env = { NODE_OPTIONS: `--require ${path.join(dir, 'list-modules.cjs')}` };
    const loaded = async (args: string[]) => {
      expect((await runNode(CLI, args, { cwd: dir, env })).code, args.join(' ')).toBe(0);
      return readFileSync(path.join(dir, `modules-${args.join('_')}.txt`), 'utf8').split('\n');
    };
    const ES_MODULE_JOB = 'NativeModule internal/modules/esm/module_job';
    expect(await loaded(['check'])).toContain(ES_MODULE_JOB); // the list is real: a command runs ES modules
    for (const args of [['--help'], ['--version'], ['logs', '--help']]) expect(await loaded(args), args.join(' ')).not.toContain(ES_MODULE_JOB);
  });
});
