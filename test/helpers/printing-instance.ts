import http from 'node:http';
import { fixtureArgv, type E2ESession } from './e2e-session.js';
import { findFreePorts } from './free-port.js';

/** print-lines.mjs's line n, 40 bytes wide. */
export function printedLine(n: number): string {
  const head = `line ${n} `;
  return head + 'x'.repeat(40 - head.length - 1);
}

/** A GET on 127.0.0.1; resolves with the body. print-on-request.mjs prints a line per request. */
export function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      })
      .once('error', reject);
  });
}

/**
 * An instance whose output is known: `lines` prints `lineCount` lines of 40 bytes and exits, then
 * `web` (which waits for it, so the order of their lines is known) prints a line per request.
 * Resolves once lines has exited and web is ready.
 */
export async function startPrintingInstance(session: E2ESession, lineCount: number) {
  const port = await findFreePorts(1);
  const { dir } = session.project({
    'services.yaml': [
      'services:',
      '  lines:',
      `    command: ${fixtureArgv('print-lines.mjs', lineCount, 40)}`,
      '    restart: never',
      '  web:',
      `    command: ${fixtureArgv('print-on-request.mjs')}`,
      `    port: ${port}`,
      '    depends_on: { lines: completed }',
      '',
    ].join('\n'),
  });
  const up = session.up(dir);
  const report = await session.waitForPorts(
    dir,
    'lines exited, web ready',
    (r) => r.services[0]?.status === 'exited' && r.services[1]?.status === 'ready',
  );
  return { dir, port, up, webPid: report.services[1]!.pid };
}
