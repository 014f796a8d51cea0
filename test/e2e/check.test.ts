import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession } from '../helpers/e2e-session.js';
import { findFreePorts, isPortFree } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const MARKER = 'started-marker';
const SECRET = 's3cr3t-value-8841';

describe('devsup check', () => {
  it('prints the merged manifest with overrides marked and secrets masked, and the planned ports; starts nothing', async () => {
    const base = await findFreePorts(4);
    const command = JSON.stringify([
      process.execPath,
      '-e',
      `require('fs').writeFileSync('${MARKER}', ''); require('net').createServer().listen(Number(process.env.PORT))`,
    ]);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${command}`,
        `    port: ${base}`,
        '    env:',
        `      API_TOKEN: ${SECRET}`,
        '      GREETING: hello-there',
        '',
      ].join('\n'),
      'services.local.yaml': ['services:', '  web:', `    port: ${base + 3}`, ''].join('\n'),
    });
    const result = await runCli(['check'], dir);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;

    // The merged manifest: the overridden port, marked with where it came from.
    const portLine = out.split('\n').find((line) => line.includes(`port: ${base + 3}`));
    expect(portLine, out).toBeDefined();
    expect(portLine).toContain('← services.local.yaml');
    expect(out).not.toMatch(new RegExp(`port: ${base}\\b`));
    expect(out).toContain('GREETING: hello-there');
    // The secret-looking value is masked.
    expect(out).toMatch(/API_TOKEN: \S+/);
    expect(out).not.toContain(SECRET);
    // The planned ports.
    expect(out).toMatch(new RegExp(`^web +${base + 3}\\b`, 'm'));

    // Nothing was started, and no port is left held.
    expect(existsSync(path.join(dir, MARKER))).toBe(false);
    expect(await isPortFree(base + 3)).toBe(true);
  });

  it('masks secrets by name and by value everywhere in the document', async () => {
    const names = [
      'OPENAI_KEY',
      'STRIPE_KEY',
      'SIGNING_KEY',
      'ENCRYPTION_KEY',
      'SSH_KEY',
      'PASS',
      'PASSPHRASE',
      'BEARER',
      'DB_PWD',
      'SESSION_SECRET',
      'SENTRY_DSN',
    ];
    const secret = (index: number) => `leak${index}x9`;
    const { dir } = session.project({
      'services.yaml': [
        'env:',
        `  GLOBAL_TOKEN: ${secret(90)}`,
        'services:',
        '  web:',
        `    command: API_TOKEN=${secret(91)} node web.js --password ${secret(92)} --key=${secret(93)}`,
        '    url: http://admin:' + secret(94) + '@localhost:${port}',
        '    port: 3000',
        '    env:',
        ...names.map((name, index) => `      ${name}: ${secret(index)}`),
        `      DATABASE_URL: postgres://u:${secret(95)}@db.local:5432/app`,
        `      WEBHOOK_URL: https://hooks.example.com/in?token=${secret(96)}&channel=dev`,
        `      UPSTREAM_HEADER: Bearer ${secret(97)}`,
        '  worker:',
        `    command: [node, worker.js, --api-token, ${secret(98)}, --url, "https://u:${secret(99)}@x.example"]`,
        '',
      ].join('\n'),
    });
    const result = await runCli(['check'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/leak\d+x9/);
    // What is not secret stays readable.
    expect(result.stdout).toContain('postgres://••••••@db.local:5432/app');
    expect(result.stdout).toContain('&channel=dev');
    expect(result.stdout).toContain('node web.js --password ••••••');
    for (const name of names) expect(result.stdout).toContain(`${name}: ••••••`);
  });

  it('says that no service has a port, rather than printing an empty table', async () => {
    const { dir } = session.project({ 'services.yaml': 'services:\n  worker:\n    command: node worker.js\n' });
    const result = await runCli(['check'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('\nNo service has a port.\n');
    expect(result.stdout).not.toMatch(/^SERVICE +PORT/m);
  });

  it('marks an overridden map or list on its key line, where it starts, not after it', async () => {
    const { dir } = session.project({
      'services.yaml': 'services:\n  web:\n    command: node web.js\n',
      'services.local.yaml': 'services:\n  web:\n    env: { DEBUG: "1" }\n  extra:\n    command: [node, extra.js]\n',
    });
    const result = await runCli(['check'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {4}env: # ← services\.local\.yaml\n {6}DEBUG: "1"\n/m);
    expect(result.stdout).toMatch(/^ {2}extra: # ← services\.local\.yaml\n {4}command:/m);
  });

  it('with --scale, --profile or DEVSUP_PROFILES shows what up would run with them: replicas planned, what stays out named', async () => {
    const base = await findFreePorts(4);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        '    command: node web.js',
        `    port: ${base}`,
        '  debugger:',
        '    command: node debugger.js',
        `    port: ${base + 3}`,
        '    profiles: [debug, tools]',
        '  extra:',
        '    command: node extra.js',
        '    autostart: false',
        '',
      ].join('\n'),
    });
    const plain = await runCli(['check'], dir);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(new RegExp(`^web +${base} +${base} +preferred port is free$`, 'm'));
    expect(plain.stdout).toContain('\nNot started by `devsup up`: debugger (profiles debug, tools: none active), extra (autostart: false).\n');

    const scaled = await runCli(['check', '--scale', 'web=3', '--profile', 'debug'], dir);
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(scaled.stdout).toMatch(/^ {4}replicas: 3 # ← --scale$/m);
    for (const index of [1, 2, 3]) {
      const port = base + index - 1;
      expect(scaled.stdout).toMatch(new RegExp(`^web\\.${index} +${port} +${port} +preferred port is free$`, 'm'));
    }
    expect(scaled.stdout).toContain('\nNot started by `devsup up`: extra (autostart: false).\n');

    const fromEnv = await runCli(['check'], dir, { DEVSUP_PROFILES: 'other,tools' });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toContain('\nNot started by `devsup up`: extra (autostart: false).\n');

    const unknownProfile = await runCli(['check', '--profile', 'debgu'], dir);
    expect(unknownProfile).toMatchObject({ code: 2, stdout: '' });
    expect(unknownProfile.stderr).toContain('--profile debgu: no service has the profile "debgu" — did you mean "debug"?');
    const unknownScale = await runCli(['check', '--scale', 'wbe=2'], dir);
    expect(unknownScale).toMatchObject({ code: 2, stdout: '' });
    expect(unknownScale.stderr).toContain('--scale wbe=2: unknown service "wbe" — did you mean "web"?');
  });
});
