import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { CLI } from '../helpers/run-cli.js';

const session = new E2ESession();
const folders: string[] = [];
afterEach(async () => {
  await session.cleanup();
  folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true }));
});

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/**
 * A user and mount namespace of its own, where a test may mount a tiny tmpfs. `unshare -Urm` works
 * unprivileged where user namespaces are allowed; root may fall back to `unshare -m`.
 */
let unshare: string[];
beforeAll(() => {
  const attempts = [['-Urm'], ...(process.getuid?.() === 0 ? [['-m']] : [])];
  const found = attempts.find((flags) => spawnSync('unshare', [...flags, 'true']).status === 0);
  if (!found) throw new Error('`unshare -Urm true` fails here: these tests need a mount namespace to fill a disk in');
  unshare = found;
});

/** Waits (bounded polling) for a shell condition; on timeout shows what devsup said and gives up. */
const PRELUDE = String.raw`
set -u
OUT=$(pwd) # devsup's output goes here, off the disk that fills up
UP=
fail() { echo "FAILED: $1"; [ -n "$UP" ] && kill -KILL "$UP"; show; exit 1; }
waitfor() { n=0; while ! eval "$1" >/dev/null 2>&1; do n=$((n+1)); [ "$n" -ge 400 ] && fail "timed out waiting for: $1"; sleep 0.05; done; }
show() { echo "=== stderr"; cat "$OUT/up.err"; echo "=== stdout"; cat "$OUT/up.out"; }
request() { "$NODE" -e "fetch('http://127.0.0.1:$PORT/' + 'x'.repeat(3000)).then((r) => r.text())"; }
`;

/** Runs `script` in its own mount namespace, in `cwd`; resolves with its exit and output. */
function runInNamespace(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn('unshare', [...unshare, 'sh', '-c', PRELUDE + script], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', NODE: process.execPath, CLI, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

function section(output: string, name: string): string {
  const start = output.indexOf(`=== ${name}\n`);
  if (start < 0) return '';
  const end = output.indexOf('\n=== ', start + 1);
  return output.slice(start + name.length + 5, end < 0 ? undefined : end + 1);
}

const count = (text: string, what: string) => text.split(what).length - 1;

function manifest(port: number): string {
  return ['services:', '  web:', `    command: ${fixtureArgv('print-on-request.mjs')}`, `    port: ${port}`, ''].join('\n');
}

function leaseFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-fulldisk-leases-'));
  folders.push(folder);
  return path.join(folder, 'ports');
}

describe('a full disk', () => {
  it('while up runs costs only state and log writes: said once per file, retried, said again when it works', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(port) });
    mkdirSync(path.join(dir, '.devsup'));
    const leases = leaseFolder();
    const script = String.raw`
mount -t tmpfs -o size=256k,mode=0700 tmpfs .devsup || { echo "FAILED: mount"; exit 1; }
"$NODE" "$CLI" up >"$OUT/up.out" 2>"$OUT/up.err" &
UP=$!
waitfor 'grep -q "^SERVICE" "$OUT/up.out"'
dd if=/dev/zero of=.devsup/fill bs=4096 2>/dev/null
echo "=== full"
for round in 1 2; do
  "$NODE" "$CLI" restart web >/dev/null || fail "restart while full"
  waitfor '"$NODE" "$CLI" ports --json | grep -q "\"status\": \"ready\""'
  request; request; request
done
waitfor 'grep -q "could not write .devsup/logs/web.log" "$OUT/up.err"'
waitfor 'grep -q "could not write .devsup/state.json" "$OUT/up.err"'
request; request
pid=$("$NODE" "$CLI" ports --json | "$NODE" -e "let t = ''; process.stdin.on('data', (c) => (t += c)).on('end', () => console.log(JSON.parse(t).services[0].pid))")
echo "=== ports while full"
"$NODE" "$CLI" ports --json || fail "ports while full"
echo "=== logs while full"
"$NODE" "$CLI" logs web -n 2 || fail "logs while full"
rm .devsup/fill
request
waitfor 'grep -q "writing .devsup/logs/web.log again" "$OUT/up.err"'
waitfor 'grep -q "writing .devsup/state.json again" "$OUT/up.err"'
kill -0 "$pid" && echo "service $pid runs"
kill -INT "$UP"
wait "$UP"
echo "=== exit $?"
echo "=== log file"
cat .devsup/logs/web.log
echo "=== stamped"
"$NODE" "$CLI" logs web -t -n 2
echo "=== leases left"
ls "$DEVSUP_LEASE_DIR"
show
`;
    const { code, output } = await runInNamespace(script, dir, { PORT: String(port), DEVSUP_LEASE_DIR: leases });
    expect(output).not.toContain('FAILED');
    expect(code, output).toBe(0);
    const stderr = section(output, 'stderr');
    expect(stderr).not.toMatch(/unexpected error|at .*\.js:\d+/);
    for (const file of ['state.json', 'ports.json', 'ports.env']) {
      expect(
        count(
          stderr,
          `devsup: could not write .devsup/${file}: no space left on device; devsup and the services run on, and devsup tries again every second.\n`,
        ),
        stderr,
      ).toBe(1);
      expect(count(stderr, `devsup: writing .devsup/${file} again.\n`), stderr).toBe(1);
    }
    expect(
      count(
        stderr,
        'devsup: could not write .devsup/logs/web.log: no space left on device; its output stays in memory for `devsup logs`, and devsup tries again at the next output.\n',
      ),
      stderr,
    ).toBe(1);
    expect(stderr).toMatch(
      /devsup: writing \.devsup\/logs\/web\.log again \(\d+ bytes of its output could not be written, and the file says where\)\.\n/,
    );
    expect(
      stderr.split('\n').filter((line) => line.startsWith('devsup: ') && !line.startsWith('devsup: Ctrl-C')),
      stderr,
    ).toHaveLength(8);
    expect(section(output, 'ports while full')).toMatch(/"status": "ready"/);
    expect(section(output, 'logs while full')).toMatch(/^web \| request \d+ \/x+\n/m);
    expect(output).toMatch(/^service \d+ runs$/m);
    expect(output).toContain('=== exit 0\n');
    expect(section(output, 'log file')).toMatch(/\[devsup: \d+ bytes of output lost here: no space left on device\]\n(.*\n)*request \d+ \/x+\n/);
    // The index times the lines written after the loss, and the note of it, as it did those before.
    expect(section(output, 'stamped')).toMatch(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d web \| .*\n){2}$/);
    expect(section(output, 'leases left')).toBe('');
  }, 120_000);

  it('from the start: the lock, .gitignore, leases, state and logs are said, and devsup runs', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({});
    const project = path.join(dir, 'app');
    mkdirSync(project);
    const script = String.raw`
mount -t tmpfs -o size=256k,mode=0755 tmpfs app || { echo "FAILED: mount"; exit 1; }
cd app
mkdir .git
printf '%s\n' "$MANIFEST" > services.yaml
"$NODE" -e "process.stdout.write('#' + 'x'.repeat(4094) + '\n')" > .gitignore
dd if=/dev/zero of=fill bs=4096 2>/dev/null
"$NODE" --input-type=module -e "const { lockWithFile } = await import(process.env.DIST + 'ports/registry-mutex.js'); await (await lockWithFile('mutex.lock', 500))(); console.log('mutex done')"
ls mutex.lock 2>/dev/null && echo "an empty mutex.lock was left"
"$NODE" "$CLI" up >"$OUT/up.out" 2>"$OUT/up.err" &
UP=$!
waitfor 'grep -q "^SERVICE" "$OUT/up.out"'
echo "=== ports"
"$NODE" "$CLI" ports --json || fail "ports"
kill -INT "$UP"
wait "$UP"
echo "=== exit $?"
echo "=== gitignore size $(wc -c < .gitignore)"
show
`;
    const leases = `${dir}/app/leases`;
    const { code, output } = await runInNamespace(script, dir, { PORT: String(port), MANIFEST: manifest(port), DIST, DEVSUP_LEASE_DIR: leases });
    expect(output).not.toContain('FAILED');
    expect(code, output).toBe(0);
    expect(output).toContain('mutex done\n');
    expect(output).not.toContain('an empty mutex.lock was left');
    const stderr = section(output, 'stderr');
    expect(stderr).not.toMatch(/unexpected error|at .*\.js:\d+/);
    expect(stderr).toContain(
      'devsup: could not write .devsup/instance.lock: no space left on device; devsup runs without it, so a second `devsup up` here would not be stopped.\n',
    );
    expect(stderr).toContain(`devsup: could not add .devsup/ to .gitignore: no space left on device; add it yourself.\n`);
    expect(stderr).toContain(
      `devsup: could not write lease files in ${leases}: no space left on device; ports are handed out without a lease until it works again, so another devsup could pick the same one.\n`,
    );
    expect(stderr).toContain('devsup: could not write .devsup/state.json: no space left on device;');
    expect(stderr).toContain('devsup: could not write .devsup/logs/web.log: no space left on device;');
    expect(section(output, 'ports')).toMatch(/"status": "ready"/);
    expect(output).toContain('=== exit 0\n');
    expect(output).toContain('=== gitignore size 4096\n');
  }, 120_000);
});
