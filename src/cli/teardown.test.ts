import { describe, expect, it } from 'vitest';
import { Teardown } from './teardown.js';

describe('Teardown', () => {
  it('undoes every step in reverse order, says the ones that fail, and runs the rest', async () => {
    const done: string[] = [];
    const warnings: string[] = [];
    const teardown = new Teardown();
    teardown.add('release the lock', () => done.push('lock'));
    teardown.add('close the socket', () => {
      throw new Error('already closed');
    });
    teardown.add('stop the services', async () => {
      await Promise.resolve();
      done.push('services');
    });
    await teardown.run((message) => warnings.push(message));
    expect(done).toEqual(['services', 'lock']);
    expect(warnings).toEqual(['could not close the socket: already closed']);
    await teardown.run((message) => warnings.push(message));
    expect(done).toEqual(['services', 'lock']); // each step runs once
  });
});
