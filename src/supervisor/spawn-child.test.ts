import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { splitPlainCommand, spawnChild } from './spawn-child.js';

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve(text));
  });
}

describe('splitPlainCommand', () => {
  it('splits a command that needs no shell', () => {
    expect(splitPlainCommand('node examples/llm-server.js --model phi4 --port 10501')).toEqual([
      'node',
      'examples/llm-server.js',
      '--model',
      'phi4',
      '--port',
      '10501',
    ]);
  });

  it('leaves every string to cmd.exe on Windows, where npm and npx are .cmd scripts', () => {
    expect(splitPlainCommand('npm run dev', 'win32')).toBeUndefined();
    expect(splitPlainCommand('npm run dev', 'darwin')).toEqual(['npm', 'run', 'dev']);
  });

  it('leaves shell syntax to the shell', () => {
    for (const command of ['npm run dev && echo done', 'echo $HOME', 'FOO=1 node app.js', 'node "my app.js"', 'ls *.js', 'a | b']) {
      expect(splitPlainCommand(command), command).toBeUndefined();
    }
  });
});

describe('spawnChild', () => {
  const base = { cwd: os.tmpdir(), env: { PATH: process.env.PATH!, GREETING: 'hi' } };

  it('runs a list without a shell, with exactly the given environment', async () => {
    const child = spawnChild([process.execPath, '-e', 'console.log(process.env.GREETING, Object.keys(process.env).includes("HOME"))'], base);
    const [output, exit] = await Promise.all([collect(child.stdout), child.exited]);
    expect(output).toBe('hi false\n');
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('runs a string with shell syntax through the shell', async () => {
    const child = spawnChild('echo "$GREETING" there && exit 3', base);
    const [output, exit] = await Promise.all([collect(child.stdout), child.exited]);
    expect(output).toBe('hi there\n');
    expect(exit.code).toBe(3);
  });

  it('says which command was not found', async () => {
    const child = spawnChild('no-such-program-devsup --flag', base);
    expect(child.pid).toBeUndefined();
    expect(await child.exited).toEqual({ code: null, signal: null, spawnError: 'command not found: no-such-program-devsup' });
  });

  it('puts the child in its own process group', async () => {
    const child = spawnChild([process.execPath, '-e', 'setTimeout(() => {}, 5000)'], base);
    // Signalling the group by its id works only if the child leads its own group.
    process.kill(-child.pid!, 'SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
  });
});
