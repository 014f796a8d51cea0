import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin } from '../helpers/e2e-session.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** A manifest of services that run once (`restart: never`), so `devsup up` ends when they have. */
function runOnce(services: Record<string, string>): string {
  const lines = ['services:'];
  for (const [key, command] of Object.entries(services)) lines.push(`  ${key}:`, `    command: ${JSON.stringify(command)}`, '    restart: never');
  return `${lines.join('\n')}\n`;
}

describe('${…} in a string command', () => {
  it('is one shell word holding exactly the value, whatever the value and wherever the reference sits', async () => {
    const hostile = 'a"; touch PWNED; echo "$(touch PWNED2)';
    const spaced = `my folder/with 'quotes'`;
    const { dir } = session.project({
      'services.yaml': runOnce({
        quoted: 'echo "[${X}]" >> out',
        bare: "printf '<%s>\\n' ${X} ${SPACED} >> words",
        split: "printf '<%s>\\n' $SPACED >> split", // a bare $VAR is the shell's: it splits
      }),
    });
    const up = session.up(dir, [], { X: hostile, SPACED: spaced });
    expect((await exitWithin(up, 20_000)).code, up.stderr()).toBe(0);
    expect(readFileSync(path.join(dir, 'out'), 'utf8')).toBe(`[${hostile}]\n`);
    expect(readFileSync(path.join(dir, 'words'), 'utf8')).toBe(`<${hostile}>\n<${spaced}>\n`);
    expect(readFileSync(path.join(dir, 'split'), 'utf8')).toBe(`<my>\n<folder/with>\n<'quotes'>\n`);
    expect(readdirSync(dir).filter((name) => name.startsWith('PWNED'))).toEqual([]);
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
  });
});
