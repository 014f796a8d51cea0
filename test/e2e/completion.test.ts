import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/command-list.js';
import { E2ESession } from '../helpers/e2e-session.js';
import { CLI, runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** A word in single quotes for sh, bash and zsh. */
const quoted = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

const MANIFESTS = {
  'services.yaml':
    'services:\n  api:\n    command: node api.js\n  web:\n    command: node web.js\n    profiles: [debug, "tools"]\n    env:\n      nested: not-a-service\n',
  'services.local.yaml': 'services:\n  local-only:\n    command: node local.js\n    profiles:\n      - local\n',
  'other/alt.yaml': 'services:\n  zeta:\n    command: node zeta.js\n',
};
const VISIBLE = Object.keys(COMMANDS).filter((name) => !COMMANDS[name]!.hidden);

/** A project folder with the manifests above, and a `devsup` on PATH that runs the built CLI. */
function completionProject(files: Record<string, string> = MANIFESTS) {
  const { dir } = session.project({ ...files, 'bin/devsup': `#!/bin/sh\nexec ${quoted(process.execPath)} ${quoted(CLI)} "$@"\n` });
  chmodSync(path.join(dir, 'bin/devsup'), 0o755);
  return { dir, env: { ...process.env, PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}` } };
}

/** Runs a shell to completion, bounded by `timeout`; fails the test unless it exits 0. */
function shell(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 20_000 });
  expect(result.status, `${command} ${args.join(' ')}\n${result.stderr}${result.error ?? ''}`).toBe(0);
  return result.stdout;
}

const installed = (program: string) => spawnSync(program, ['--version'], { encoding: 'utf8' }).status === 0;

describe('devsup completion bash', () => {
  /** What bash offers for `words`, the last being the one typed, as a Tab there would. */
  const complete = (project: ReturnType<typeof completionProject>, ...words: string[]) =>
    shell(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        `source <(devsup completion bash) && COMP_WORDS=(${words.map(quoted).join(' ')}) && COMP_CWORD=${words.length - 1} && _devsup && printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      project.dir,
      project.env,
    )
      .split('\n')
      .filter(Boolean);

  it("completes commands, each command's options, and the global ones; never the hidden plumbing", () => {
    const project = completionProject();
    expect(complete(project, 'devsup', '')).toEqual([...VISIBLE, 'help']);
    expect(complete(project, 'devsup', 're')).toEqual(['restart']);
    expect(complete(project, 'devsup', '_')).toEqual([]);
    expect(complete(project, 'devsup', '--v')).toEqual(['--version']);
    expect(complete(project, 'devsup', 'up', '--re')).toEqual(['--reclaim']);
    expect(complete(project, 'devsup', 'up', '--det')).toEqual(['--detach']); // not --detached-child
    // Each of the command's own options, short then long, then those every command takes.
    const logsOptions = Object.entries(COMMANDS.logs!.options).flatMap(([name, spec]) => [...(spec.short ? [`-${spec.short}`] : []), `--${name}`]);
    expect(complete(project, 'devsup', 'logs', '-')).toEqual([...logsOptions, '-h', '--help', '--no-color']);
    expect(logsOptions).toEqual(expect.arrayContaining(['-f', '--follow', '-n', '--lines', '--file']));
    expect(complete(project, 'devsup', 'help', 'lo')).toEqual(['logs']);
    expect(complete(project, 'devsup', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes service names from the manifest here and services.local.yaml, or from -f FILE before or after the command', () => {
    const project = completionProject();
    expect(complete(project, 'devsup', 'restart', '')).toEqual(['api', 'web', 'local-only']);
    expect(complete(project, 'devsup', 'logs', 'w')).toEqual(['web']);
    expect(complete(project, 'devsup', 'logs', '-f', '')).toEqual(['api', 'web', 'local-only']); // -f follows here
    expect(complete(project, 'devsup', '-f', 'other/alt.yaml', 'up', '')).toEqual(['zeta']);
    expect(complete(project, 'devsup', 'up', '--file', 'other/alt.yaml', '')).toEqual(['zeta']);
    expect(complete(project, 'devsup', 'up', '-f', 'oth')).toEqual(['other']); // the manifest itself: a path
  });

  it('completes --port with SERVICE=, for the port to be typed after it', () => {
    const project = completionProject();
    expect(complete(project, 'devsup', 'up', '--port', '')).toEqual(['api=', 'web=', 'local-only=']);
    expect(complete(project, 'devsup', 'check', '--port', 'a')).toEqual(['api=']);
  });

  it("completes devsup scale's arguments and --scale with SERVICE=, and --profile with the manifest's profiles", () => {
    const project = completionProject();
    expect(complete(project, 'devsup', 'scale', '')).toEqual(['api=', 'web=', 'local-only=']);
    expect(complete(project, 'devsup', 'scale', 'api=2', 'w')).toEqual(['web=']);
    expect(complete(project, 'devsup', 'check', '--scale', 'a')).toEqual(['api=']);
    expect(complete(project, 'devsup', 'run', '--scale', '')).toEqual(['api=', 'web=', 'local-only=']);
    expect(complete(project, 'devsup', 'up', '--profile', '')).toEqual(['debug', 'tools', 'local']);
    expect(complete(project, 'devsup', 'check', '--profile', 't')).toEqual(['tools']);
    expect(complete(project, 'devsup', 'run', '--up', '--profile', '')).toEqual(['debug', 'tools', 'local']);
  });

  it('offers no name devsup would refuse, so nothing in a manifest reaches the shell as code', () => {
    const project = completionProject({
      'services.yaml': 'services:\n  "$(touch pwned)":\n    command: x\n  "`touch pwned`":\n    command: x\n  ok:\n    command: x\n',
    });
    expect(complete(project, 'devsup', 'up', '')).toEqual(['ok']);
    expect(existsSync(path.join(project.dir, 'pwned'))).toBe(false);
  });

  it('offers nothing, quietly, where there is no manifest', async () => {
    const { dir } = session.project({});
    expect(await runCli(['__complete', 'services'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await runCli(['__complete', 'profiles'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('never waits on a FIFO where services.local.yaml would be: the names of the manifest, at once', async () => {
    const { dir } = session.project({ 'services.yaml': MANIFESTS['services.yaml'] });
    expect(spawnSync('mkfifo', [path.join(dir, 'services.local.yaml')]).status).toBe(0);
    // Reading the FIFO would block until a writer came: bounded here, a shell's Tab would wait for ever.
    const result = spawnSync(process.execPath, [CLI, '__complete', 'services'], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: 'api\nweb\n', stderr: '' });
  });
});

describe('devsup completion zsh', () => {
  const script = () => shell(process.execPath, [CLI, 'completion', 'zsh'], process.cwd(), process.env);

  if (installed('zsh')) {
    it('parses, loads with compinit, and completes commands, options and services at a Tab in an interactive zsh', () => {
      const project = completionProject();
      writeFileSync(path.join(project.dir, '_devsup'), script());
      shell('zsh', ['-n', '_devsup'], project.dir, project.env);
      const loaded = shell(
        'zsh',
        ['-fc', 'autoload -U compinit && compinit -u -D && source ./_devsup && print -r -- ${_comps[devsup]}'],
        project.dir,
        project.env,
      );
      expect(loaded.trim()).toBe('_devsup');

      // An interactive zsh on a pseudo-terminal: type the line, press Tab twice, read until the
      // expected candidates appear (zpty -r blocks until its pattern matches; spawnSync bounds it).
      const tab = (typed: string, pattern: string) =>
        shell(
          'zsh',
          [
            '-fc',
            [
              'zmodload zsh/zpty',
              "zpty z 'zsh -f -i'",
              `zpty -w z 'PROMPT="> "; autoload -U compinit; compinit -u -D; source ./_devsup; bindkey "^I" complete-word; print RE""ADY'`,
              "zpty -r z out '*READY*'",
              `zpty -w -n z ${quoted(`devsup ${typed}`)}$'\\t\\t'`,
              `zpty -r z out ${quoted(pattern)}`,
              'zpty -d z',
            ].join('\n'),
          ],
          project.dir,
          project.env,
        );
      tab('restart ', '*api*local-only*web*');
      tab('up --re', '*--reclaim*');
      tab('up --port ', '*api*local-only*web*');
      tab('scale ', '*api*local-only*web*');
      tab('check --profile ', '*debug*local*tools*');
      tab('-f other/alt.yaml up ', '*zeta*');
    });
  } else {
    it('(zsh is not installed here: only the script text is checked) declares #compdef devsup, every command and option', () => {
      const text = script();
      expect(text.startsWith('#compdef devsup\n')).toBe(true);
      for (const name of VISIBLE) expect(text).toContain(`    ${name})`);
      for (const command of Object.values(COMMANDS)) for (const option of Object.keys(command.options)) expect(text).toContain(`--${option}`);
    });
  }
});

describe('devsup completion fish', () => {
  const script = () => shell(process.execPath, [CLI, 'completion', 'fish'], process.cwd(), process.env);

  if (installed('fish')) {
    it('parses, and completes commands, options, services and --port SERVICE= in fish', () => {
      const project = completionProject();
      writeFileSync(path.join(project.dir, 'devsup.fish'), script());
      shell('fish', ['--no-config', '--no-execute', 'devsup.fish'], project.dir, project.env);
      /** The candidates fish offers for `line` (`complete -C`), without their descriptions. */
      const complete = (line: string) =>
        shell('fish', ['--no-config', '-c', `source devsup.fish; complete -C ${quoted(line)}`], project.dir, project.env)
          .split('\n')
          .filter(Boolean)
          .map((candidate) => candidate.split('\t')[0]);
      expect(complete('devsup re')).toEqual(['restart']);
      expect(complete('devsup up --re')).toEqual(['--reclaim']);
      expect(complete('devsup restart ')).toEqual(['api', 'local-only', 'web']);
      expect(complete('devsup up --port ')).toEqual(['api=', 'local-only=', 'web=']);
      expect(complete('devsup scale ')).toEqual(['api=', 'local-only=', 'web=']);
      expect(complete('devsup run --scale ')).toEqual(['api=', 'local-only=', 'web=']);
      expect(complete('devsup up --profile ')).toEqual(['debug', 'local', 'tools']);
      expect(complete('devsup -f other/alt.yaml up ')).toEqual(['zeta']);
      expect(complete('devsup completion ')).toEqual(['bash', 'fish', 'zsh']);
    });
  } else {
    it('(fish is not installed here: only the script text is checked) completes every command and option', () => {
      const text = script();
      for (const name of VISIBLE) expect(text).toContain(`-a ${name} -d`);
      for (const command of Object.values(COMMANDS)) for (const option of Object.keys(command.options)) expect(text).toContain(`-l ${option}`);
    });
  }
});

describe('devsup completion', () => {
  it('names the shells it knows when given another, with exit 2', async () => {
    const { dir } = session.project({});
    const result = await runCli(['completion', 'tcsh'], dir);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe('devsup completion needs one of bash, zsh, fish, not "tcsh".\nUsage: devsup completion bash|zsh|fish\n');
  });
});
