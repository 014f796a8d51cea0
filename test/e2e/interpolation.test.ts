import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin } from '../helpers/e2e-session.js';
import { findFreePorts, isPortFree } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { fixtureCommand } from '../helpers/temp-project.js';
import { waitFor } from '../helpers/wait-for.js';

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

describe('${PORT} and the other injected variables in a command', () => {
  it("are what the service gets, not what devsup's own environment holds", async () => {
    const base = await findFreePorts(3);
    const exported = base + 2; // PORT in the shell devsup was started from
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        // The common Procfile line: `python3 -m http.server ${PORT:-3000}`.
        `  a: { command: ${JSON.stringify(`${fixtureCommand('http-server.mjs')} \${PORT:-1}`)}, port: ${base} }`,
        `  b: { command: ${JSON.stringify(`${fixtureCommand('http-server.mjs')} \${PORT}`)}, port: ${base + 1} }`,
        '  marks:',
        '    command: "echo ${DEVSUP_SERVICE} ${DEVSUP_A_PORT} ${DEVSUP_INSTANCE} > marks"',
        '    restart: never',
        '',
      ].join('\n'),
    });
    const up = session.up(dir, [], { PORT: String(exported), DEVSUP_SERVICE: '1', DEVSUP_A_PORT: '1', DEVSUP_INSTANCE: '1' });
    const report = await session.waitForPorts(dir, 'a and b ready', (r) => r.services.slice(0, 2).every((service) => service.status === 'ready'));
    expect(report.services.slice(0, 2).map((service) => service.port)).toEqual([base, base + 1]);
    for (const service of report.services.slice(0, 2)) {
      expect((await (await fetch(`http://127.0.0.1:${service.port}/`)).text()).trim()).toBe(String(service.pid));
    }
    expect(await isPortFree(exported)).toBe(true);
    const marks = await waitFor(() => existsSync(path.join(dir, 'marks')) && readFileSync(path.join(dir, 'marks'), 'utf8'), {
      what: 'marks written',
    });
    expect(marks).toBe(`marks ${base} ${up.child.pid}\n`);
  });

  it('devsup check takes ${PORT} on a service with a port, and says a service without one has none', async () => {
    const { dir } = session.project({
      'services.yaml': 'services:\n  web: { command: "serve ${PORT}", port: 8080 }\n  worker: { command: "work ${PORT}" }\n',
    });
    const result = await runCli(['check'], dir, { PORT: undefined });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'services.yaml:3:22: "${PORT}": service "worker" has no port, so devsup sets no PORT for it (and none is set in the environment or an env file): give it one with "port: N" or "port: auto"',
    );
    expect(result.stderr).not.toMatch(/:2:\d+:/);
    expect(result.stderr).not.toContain('${PORT:-value}');
  });
});

describe('${…} in cwd', () => {
  it('is resolved at load time, with DEVSUP_SERVICE as the child gets it; a port there is a manifest error', async () => {
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', '    command: pwd > here', '    cwd: "${APPS}/${DEVSUP_SERVICE}"', '    restart: never', ''].join(
        '\n',
      ),
      'apps/web/keep': '',
    });
    const up = session.up(dir, [], { APPS: 'apps', DEVSUP_SERVICE: 'x' });
    expect((await exitWithin(up, 20_000)).code, up.stderr()).toBe(0);
    expect(readFileSync(path.join(dir, 'apps/web/here'), 'utf8')).toBe(`${path.join(dir, 'apps/web')}\n`);

    const { dir: other } = session.project({ 'services.yaml': 'services:\n  web: { command: x, port: 8080, cwd: "apps/${PORT}" }\n' });
    const result = await runCli(['check'], other);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('services.yaml:2:39: "${PORT}": cwd cannot depend on a port: the folder is checked before ports are allocated');
  });
});
