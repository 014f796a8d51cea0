import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePsEnvironment } from './devsup-mark.js';
import { parsePasswd, parsePsFacts, readProcessFacts, userNameOf } from './process-facts.js';
import { readToolOutput } from './run-tool.js';
import { parseTasklistVerbose } from './netstat.js';

const child = spawn(process.execPath, ['-e', "console.log('up'); setInterval(() => {}, 1 << 30)", 'marked'], {
  env: { ...process.env, DEVSUP_SERVICE: 'api', DEVSUP_INSTANCE: '4242', DEVSUP_MANIFEST: '/srv/app/services.yaml' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const started = once(child.stdout, 'data');
const spawnedAt = Date.now();

afterAll(async () => {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
});

describe('parsePsFacts', () => {
  it('reads uid, user, start time and the whole command line', () => {
    const facts = parsePsFacts('  501 alice    Sat Nov  2 03:40:12 2025     node server.js --port 8000\n');
    expect(facts).toEqual({ uid: 501, user: 'alice', startedAt: new Date(2025, 10, 2, 3, 40, 12), command: 'node server.js --port 8000' });
  });

  it('is empty for an unknown pid (no output)', () => {
    expect(parsePsFacts('')).toEqual({});
  });
});

describe('parsePasswd', () => {
  it('maps uids to names, the first entry winning', () => {
    expect(parsePasswd('root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\ntoor:x:0:0::/:/bin/sh\n# comment\n')).toEqual(
      new Map([
        [0, 'root'],
        [1001, 'bob'],
      ]),
    );
  });
});

describe('parseTasklistVerbose', () => {
  it('reads the image and the user, and no user where Windows shows N/A', () => {
    const row = '"python.exe","3907","Console","1","12,345 K","Running","DESKTOP-1\\alice","0:00:01","N/A"\r\n';
    expect(parseTasklistVerbose(row)).toEqual({ image: 'python.exe', user: 'DESKTOP-1\\alice' });
    expect(parseTasklistVerbose(row.replace('DESKTOP-1\\alice', 'N/A'))).toEqual({ image: 'python.exe' });
    expect(parseTasklistVerbose('INFO: No tasks are running which match the specified criteria.\r\n')).toBeUndefined();
  });
});

describe.runIf(process.platform !== 'win32')('on this machine', () => {
  it('names a process: command line, user, start time, devsup mark', async () => {
    await started;
    const facts = await readProcessFacts(child.pid!);
    expect(facts).toMatchObject({
      command: expect.stringMatching(/node.* -e .*marked$/),
      uid: os.userInfo().uid,
      user: os.userInfo().username,
      devsup: { service: 'api', instance: 4242, manifest: '/srv/app/services.yaml' },
    });
    // /proc's boot time has whole seconds; the clock ticks are 10 ms.
    expect(Math.abs(facts.startedAt!.getTime() - spawnedAt)).toBeLessThan(2_000);
  });

  it("agrees with this machine's ps, so the macOS path reads the same facts", async () => {
    await started;
    const facts = parsePsFacts((await readToolOutput('ps', ['-ww', '-o', 'uid=,user=,lstart=,command=', '-p', String(child.pid)]))!);
    expect(facts).toMatchObject({ uid: os.userInfo().uid, user: os.userInfo().username, command: expect.stringMatching(/ -e .*marked$/) });
    expect(Math.abs(facts.startedAt!.getTime() - spawnedAt)).toBeLessThan(2_000);
    const environment = (await readToolOutput('ps', ['eww', '-o', 'command=', '-p', String(child.pid)]))!;
    expect(parsePsEnvironment(environment)).toEqual({ service: 'api', instance: 4242, manifest: '/srv/app/services.yaml' });
  });

  it('names our own uid, and none for a uid nobody has', () => {
    expect(userNameOf(os.userInfo().uid)).toBe(os.userInfo().username);
    expect(userNameOf(3_999_999_999)).toBeUndefined();
  });
});
