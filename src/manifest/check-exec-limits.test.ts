import { describe, expect, test } from 'vitest';
import type { ManifestIssue } from '../errors.js';
import { checkExecLimits, execLimits, type ExecLimits } from './check-exec-limits.js';
import { readManifest } from './read-manifest.js';
import { readYaml } from './read-yaml.js';
import type { MapNode } from './yaml-node.js';

/** The issues `limits` finds in `text` (read as services.yaml, with `baseEnv` as devsup's own environment). */
async function problemsOf(text: string, limits: ExecLimits, baseEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const { root } = await readYaml(text, 'services.yaml');
  const issues: ManifestIssue[] = [];
  const context = { file: '/p/services.yaml', dir: '/p', sources: ['/p/services.yaml'], overridden: new Map() };
  const manifest = readManifest(root as MapNode, context, baseEnv, issues);
  expect(issues).toEqual([]);
  checkExecLimits(root as MapNode, manifest, baseEnv, issues, limits);
  return issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`);
}

const LINUX: ExecLimits = { total: 2 * 1024 * 1024, perString: 128 * 1024, unit: 'bytes', source: 'Linux', totalSource: 'Linux: stack' };

describe('what one new process may be given', () => {
  test('one variable or argument over the limit for a string is named where it is written', async () => {
    const big = 'x'.repeat(132_000);
    const text = `env:\n  TOP: ${big}\nservices:\n  web:\n    command: [node, "${big}"]\n    env: { OK: "${'y'.repeat(1000)}", BIG: ${big} }\n`;
    const bigColumn = text.split('\n')[5]!.indexOf('BIG: ') + 6;
    expect(await problemsOf(text, LINUX)).toEqual([
      '2:8: env.TOP is 129 KiB, and the OS passes no single variable over 128 KiB (Linux): put the data in a file and pass its path',
      `6:${bigColumn}: env.BIG is 129 KiB, and the OS passes no single variable over 128 KiB (Linux): put the data in a file and pass its path`,
      '5:14: service "web": its command is 129 KiB, and the OS passes no single argument over 128 KiB (Linux): put the data in a file and pass its path',
    ]);
  });

  test('a variable exactly at the limit passes: the count is NAME=value and its NUL', async () => {
    const name = 'A';
    const fits = 'v'.repeat(128 * 1024 - name.length - 2);
    expect(await problemsOf(`services:\n  web:\n    command: x\n    env: { ${name}: ${fits} }\n`, LINUX)).toEqual([]);
    expect(await problemsOf(`services:\n  web:\n    command: x\n    env: { ${name}: ${fits}v }\n`, LINUX)).toHaveLength(1);
  });

  test('a whole start over the total is named at the service, counting the environment devsup runs in', async () => {
    const values = Array.from({ length: 25 }, (_, i) => `      V${i}: ${'z'.repeat(100_000)}`).join('\n');
    const text = `services:\n  web:\n    command: node web.js\n    env:\n${values}\n  small: { command: x }\n`;
    const [problem, ...rest] = await problemsOf(text, LINUX);
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^4:5: service "web": its command and environment come to 2\.4 MiB \(its own env and env files 2\.4 MiB of it\), and the OS starts no process with more than 2\.0 MiB \(Linux: stack\)/,
    );
    // A service of no size goes over once the environment devsup runs in does.
    const withLargeShell = await problemsOf(text, LINUX, { SHELL_STUFF: 'q'.repeat(2_200_000) });
    expect(withLargeShell).toHaveLength(2);
    expect(withLargeShell[1]).toMatch(
      /^30:3: service "small": its command and environment come to 2\.1 MiB \(its own env and env files 0 KiB of it\)/,
    );
  });

  test('macOS has a total and no limit per string; Windows counts characters per string', async () => {
    const text = `services:\n  web:\n    command: x\n    env: { A: ${'é'.repeat(20_000)} }\n`;
    expect(await problemsOf(text, execLimits('darwin'))).toEqual([]);
    expect(await problemsOf(text, execLimits('win32'))).toEqual([]); // 20,000 characters, though 40,000 bytes
    const long = `services:\n  web:\n    command: x\n    env: { A: ${'é'.repeat(33_000)} }\n`;
    expect(await problemsOf(long, execLimits('win32'))).toEqual([
      '4:15: env.A is 33,002 characters, and the OS passes no single variable over 32,767 characters (Windows): put the data in a file and pass its path',
    ]);
    const huge = `services:\n  web:\n    command: x\n    env: { A: ${'z'.repeat(1_100_000)} }\n`;
    expect(await problemsOf(huge, execLimits('darwin'))).toEqual([
      expect.stringMatching(/^4:5: service "web": .* more than 1\.0 MiB \(macOS: kern\.argmax\)/),
    ]);
  });

  test("Linux's total follows the stack limit, as the kernel computes it", () => {
    const { total, perString } = execLimits('linux');
    expect(perString).toBe(128 * 1024);
    expect(total).toBeGreaterThanOrEqual(128 * 1024);
    expect(total).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});
