import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin } from '../helpers/e2e-session.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

// One line on stdout, then, once the test has created `go` (after it saw py's first line), one on
// stderr (which Python never holds back), then waits for a signal. Into a pipe, Python keeps the stdout line in
// its buffer unless PYTHONUNBUFFERED is set.
const PROGRAM = [
  'import os, signal, sys, time',
  "print('first')",
  "while not os.path.exists('go'): time.sleep(0.02)",
  "sys.stderr.write('second\\n'); sys.stderr.flush()",
  'signal.pause()',
].join('\n');

describe("a Python service's output", () => {
  it('shows each line as it is printed (devsup sets PYTHONUNBUFFERED=1), unless the user turns that off', async () => {
    const command = `    command: ${JSON.stringify(['python3', '-c', PROGRAM])}`;
    const { dir } = session.project({
      'services.yaml': ['services:', '  py:', command, '  buffered:', command, '    env: { PYTHONUNBUFFERED: "" }', ''].join('\n'),
    });
    const up = session.up(dir, [], { PYTHONUNBUFFERED: undefined }); // as a shell without it starts devsup
    await up.waitForOutput(/^py +\| first$/m, 20_000);
    writeFileSync(path.join(dir, 'go'), '');
    await up.waitForOutput(/^py +\| second$/m, 20_000);
    await up.waitForOutput(/^buffered +\| second$/m, 20_000);
    // The program's own lines, in the order shown (devsup's notes such as "running" are left out).
    const lines = (service: string) => [...up.stdout().matchAll(new RegExp(`^${service} +\\| (first|second)$`, 'gm'))].map((match) => match[1]);
    expect(lines('py')).toEqual(['first', 'second']);
    expect(lines('buffered')).toEqual(['second']); // "first" still sits in Python's buffer
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});
