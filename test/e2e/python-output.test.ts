import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin } from '../helpers/e2e-session.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

// One line on stdout, then, half a second later, one on stderr (which Python never holds back), then waits.
// Into a pipe, Python keeps the stdout line in its buffer unless PYTHONUNBUFFERED is set.
const PROGRAM = "import sys, time; print('first'); time.sleep(0.5); sys.stderr.write('second\\n'); sys.stderr.flush(); time.sleep(600)";

describe("a Python service's output", () => {
  it('shows each line as it is printed (devsup sets PYTHONUNBUFFERED=1), unless the user turns that off', async () => {
    const command = `    command: ${JSON.stringify(['python3', '-c', PROGRAM])}`;
    const { dir } = session.project({
      'services.yaml': ['services:', '  py:', command, '  buffered:', command, '    env: { PYTHONUNBUFFERED: "" }', ''].join('\n'),
    });
    const up = session.up(dir, [], { PYTHONUNBUFFERED: undefined }); // as a shell without it starts devsup
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
