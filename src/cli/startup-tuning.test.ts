import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TUNING = fileURLToPath(new URL('../../dist/cli/startup-tuning.js', import.meta.url));

/**
 * Whether V8 optimizes a hot function before and after restoreV8Defaults(), in a node of its own
 * (V8's flags are per process). Bit 4 of %GetOptimizationStatus is "optimized".
 */
function optimizedBeforeAndAfter(nodeArgs: string[] = []): [boolean, boolean] {
  const script = `
    const { tuneForStartup, restoreV8Defaults } = await import(${JSON.stringify(TUNING)});
    tuneForStartup();
    const optimized = () => {
      const hot = new Function('x', 'return x * 2 + 1');
      %PrepareFunctionForOptimization(hot);
      hot(1); hot(2);
      %OptimizeFunctionOnNextCall(hot);
      hot(3);
      return (%GetOptimizationStatus(hot) & 16) !== 0;
    };
    const before = optimized();
    restoreV8Defaults();
    console.log(JSON.stringify([before, optimized()]));`;
  const output = execFileSync(process.execPath, ['--allow-natives-syntax', ...nodeArgs, '--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(output) as [boolean, boolean];
}

describe('tuneForStartup', () => {
  it('optimizes nothing until start-up has settled, then as usual', () => {
    expect(optimizedBeforeAndAfter()).toEqual([false, true]);
  });

  it("leaves the user's own choice of optimizer alone", () => {
    expect(optimizedBeforeAndAfter(['--no-turbofan'])).toEqual([false, false]);
    expect(optimizedBeforeAndAfter(['--turbofan'])).toEqual([true, true]);
  });
});

/**
 * Whether V8 runs a memory-reducing collection in a node that grows its old generation by a few MB
 * and then idles for 12 s, past the reducer's 8 s start delay: true as soon as one is seen.
 */
function memoryReducerRuns(tuned: boolean, nodeArgs: string[] = []): Promise<boolean> {
  const script = `
    const { tuneForStartup } = await import(${JSON.stringify(TUNING)});
    if (${tuned}) tuneForStartup();
    globalThis.kept = Array.from({ length: 60_000 }, (_, i) => ({ i, text: 'item ' + i }));
    setTimeout(() => {}, 12_000);`;
  const child = spawn(process.execPath, ['--trace-gc', ...nodeArgs, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!chunk.includes('(reduce)')) return;
      child.kill();
      resolve(true);
    });
    child.once('close', () => resolve(false));
  });
}

describe('the memory reducer', () => {
  it('does not wake in an idle devsup, unless the user asked for it', { timeout: 40_000 }, async () => {
    const [untuned, tuned, chosen] = await Promise.all([
      memoryReducerRuns(false),
      memoryReducerRuns(true),
      memoryReducerRuns(true, ['--memory-reducer-for-small-heaps']),
    ]);
    expect({ untuned, tuned, chosen }).toEqual({ untuned: true, tuned: false, chosen: true }); // untuned: V8's default
  });
});
