import { describe, expect, it } from 'vitest';
import { decideAfterExit, describeExit, STABLE_RUN_MS } from './restart-on-failure.js';

const quickCrash = { code: 1, signal: null, uptimeMs: 50 };

describe('decideAfterExit', () => {
  it('restarts the first failure at once, then backs off from 100 ms doubling', () => {
    const delays: number[] = [];
    let consecutive = 0;
    for (let i = 0; i < 5; i++) {
      const decision = decideAfterExit('on-failure', 5, quickCrash, consecutive);
      if (decision.action !== 'restart') throw new Error(`want restart, got ${decision.action}`);
      delays.push(decision.delayMs);
      consecutive = decision.consecutiveFailures;
    }
    expect(delays).toEqual([0, 100, 200, 400, 800]);
    expect(decideAfterExit('on-failure', 5, quickCrash, consecutive)).toEqual({ action: 'crashed', consecutiveFailures: 6 });
  });

  it('caps the backoff at 30 s', () => {
    expect(decideAfterExit('always', 100, quickCrash, 20)).toEqual({ action: 'restart', delayMs: 30_000, consecutiveFailures: 21 });
  });

  it('resets the count after a run that stayed up 10 s', () => {
    expect(decideAfterExit('on-failure', 5, { ...quickCrash, uptimeMs: STABLE_RUN_MS }, 4)).toEqual({
      action: 'restart',
      delayMs: 0,
      consecutiveFailures: 1,
    });
  });

  it('lets a clean exit end the service unless the policy is always', () => {
    const clean = { code: 0, signal: null, uptimeMs: 50 };
    expect(decideAfterExit('on-failure', 5, clean, 0)).toEqual({ action: 'exited' });
    expect(decideAfterExit('never', 5, clean, 0)).toEqual({ action: 'exited' });
    expect(decideAfterExit('always', 5, clean, 0)).toEqual({ action: 'restart', delayMs: 0, consecutiveFailures: 1 });
  });

  it('gives up at once on a failure under restart: never', () => {
    expect(decideAfterExit('never', 5, quickCrash, 0)).toEqual({ action: 'crashed', consecutiveFailures: 1 });
  });

  it('treats max_restarts: 0 as no restart at all', () => {
    expect(decideAfterExit('on-failure', 0, quickCrash, 0)).toEqual({ action: 'crashed', consecutiveFailures: 1 });
  });
});

describe('describeExit', () => {
  it('names the code or the signal', () => {
    expect(describeExit({ code: 3, signal: null })).toBe('exited with code 3');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('was killed by SIGKILL');
  });
});
