import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** A service that leaves a file behind if it is ever started: no manifest error may start it. */
const MARKER = 'started-marker';
const markerService = (port: number) => [
  '  marker:',
  `    command: ${JSON.stringify([process.execPath, '-e', `require('fs').writeFileSync('${MARKER}', ''); setInterval(() => {}, 1e9)`])}`,
  `    port: ${port}`,
];

/** `services.yaml:LINE:COL: ` at the start of a line (a path before the file name is allowed). */
const at = (line: number | string, column: number | string = '\\d+') => `(?:^|/)services\\.yaml:${line}:${column}: `;

async function upFails(yaml: string[]): Promise<string> {
  const port = await findFreePorts(1);
  const { dir } = session.project({ 'services.yaml': [...yaml, ...markerService(port), ''].join('\n') });
  const result = await runCli(['up'], dir);
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(/^\s+at .*\d+:\d+\)?$/m); // no stack trace
  expect(result.stdout).not.toMatch(/ \| /); // no child printed anything
  expect(existsSync(path.join(dir, MARKER))).toBe(false);
  return result.stderr;
}

describe('a bad manifest: exit 2, nothing started, file:line:col on stderr', () => {
  it('YAML syntax error', async () => {
    const stderr = await upFails(['services:', '  web:', '    command: "node server.js', '    port: [3000', '']);
    expect(stderr).toMatch(new RegExp(at('\\d+'), 'm'));
  });

  it('unknown key, with a suggestion', async () => {
    const stderr = await upFails(['services:', '  web:', '    comand: node server.js']);
    expect(stderr).toMatch(new RegExp(`${at(3, 5)}unknown key "comand" — did you mean "command"\\?`, 'm'));
  });

  it('port 70000', async () => {
    const stderr = await upFails(['services:', '  web:', '    command: node server.js', '    port: 70000']);
    expect(stderr).toMatch(new RegExp(`${at(4)}.*70000`, 'm'));
  });

  it('port 0', async () => {
    const stderr = await upFails(['services:', '  web:', '    command: node server.js', '    port: 0']);
    expect(stderr).toMatch(new RegExp(`${at(4)}.*\\bport\\b.*\\b0\\b|${at(4)}.*\\b0\\b.*\\bport\\b`, 'm'));
  });

  it('missing command', async () => {
    const stderr = await upFails(['services:', '  web:', '    port: 3000']);
    expect(stderr).toMatch(new RegExp(`${at('[23]')}.*\\bweb\\b.*command|${at('[23]')}.*command.*\\bweb\\b`, 'm'));
  });

  it('depends_on an unknown service', async () => {
    const stderr = await upFails(['services:', '  web:', '    command: node server.js', '    depends_on: [database]']);
    expect(stderr).toMatch(new RegExp(`${at(4)}.*"?database"?.*not defined|${at(4)}.*unknown.*database|${at(4)}.*database`, 'm'));
  });

  it('a dependency cycle, named', async () => {
    const stderr = await upFails([
      'services:',
      '  alpha:',
      '    command: node a.js',
      '    depends_on: [beta]',
      '  beta:',
      '    command: node b.js',
      '    depends_on: [alpha]',
    ]);
    const line = stderr.split('\n').find((text) => /cycle/i.test(text));
    expect(line, stderr).toBeDefined();
    expect(line).toMatch(new RegExp(at('\\d+')));
    expect(line).toMatch(/alpha/);
    expect(line).toMatch(/beta/);
  });

  it('an unknown ${service.port} reference', async () => {
    const stderr = await upFails(['services:', '  web:', '    command: node server.js', '    env:', '      TARGET: http://127.0.0.1:${nope.port}']);
    expect(stderr).toMatch(new RegExp(`${at(5)}.*nope`, 'm'));
  });

  it('an empty services map', async () => {
    for (const services of ['services: {}', 'services:']) {
      const { dir } = session.project({ 'services.yaml': `project: empty\n${services}\n` });
      const result = await runCli(['up'], dir);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${at(2)}.*services`, 'm'));
      expect(result.stderr).not.toMatch(/^\s+at .*\d+:\d+\)?$/m);
    }
  });

  it('several problems at once, all listed', async () => {
    const stderr = await upFails([
      'services:',
      '  web:',
      '    comand: node server.js',
      '    port: 70000',
      '    depends_on: [ghost]',
      '  api:',
      '    command: node api.js',
      '    port: 0',
    ]);
    const issueLines = stderr.split('\n').filter((line) => new RegExp(at('\\d+')).test(line));
    expect(issueLines.length, stderr).toBeGreaterThanOrEqual(4);
    expect(stderr).toMatch(new RegExp(`${at(3, 5)}unknown key "comand"`, 'm'));
    expect(stderr).toMatch(new RegExp(`${at(4)}.*70000`, 'm'));
    expect(stderr).toMatch(new RegExp(`${at(5)}.*ghost`, 'm'));
    expect(stderr).toMatch(new RegExp(`${at(8)}.*\\b0\\b`, 'm'));
  });
});
