// `node scripts/check-package.mjs`: devsup as users get it. Packs the package (`npm pack`), installs the
// tarball globally into a temp prefix, and runs the installed `devsup` from a folder outside this
// repository: --help (its manifest reference is installed), --version, init, check, schema, ui (its chunk loads), `up` of a one-service manifest until
// ready, then Ctrl-C, and `mcp` answering an MCP client's initialize and tools/list.
// Then the same from git (`npm install -g … git+file://…` of this checkout's last commit). A file the
// tarball should not ship, or one that devsup needs and it lacks, fails the check, as does any npm
// warning. Slow (~1 min, mostly npm), so CI runs it after the tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { version: VERSION } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/**
 * What the tarball may hold: the manifest, the README and licence, the bundle devsup runs, the
 * manifest's JSON Schema, and the reference (`devsup --help` points at docs/manifest.md beside it).
 */
const SHIPPED = /^(package\.json|README\.md|LICEN[CS]E(\.\w+)?|dist\/bin\/[\w.-]+\.c?js|schema\/[\w.-]+\.json|docs\/[\w.-]+\.md)$/;

/** The tarball's files that do not belong in it: sources, tests, scripts, tsc's unbundled output. */
export function unexpectedPackageFiles(files) {
  return files.filter((file) => !SHIPPED.test(file));
}

/** The module specifiers a bundle file imports (static, dynamic, or through `require`). */
export function importedSpecifiers(source) {
  // A specifier is a path or package name: quoted text with spaces, `${` or `;` in it is some other string.
  // A `require(` right after a quote or backtick is code in a string, never run here: ajv keeps
  // `'require("ajv/dist/runtime/uri")'` for the standalone validators it can write out.
  return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|(?<!['"`])\brequire\s*\(\s*)(["'])([\w@./:-]+)\1/g)].map((match) => match[2]);
}

/**
 * What the bundle files in `files` (text by path) import that the tarball lacks: a relative import of
 * a file not in it, or any package (devsup ships none: the bundle has its dependencies inside).
 */
export function missingImports(files) {
  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  const missing = [];
  for (const [file, source] of Object.entries(files)) {
    for (const specifier of importedSpecifiers(source)) {
      const target = specifier.startsWith('.') ? path.posix.join(path.posix.dirname(file), specifier) : undefined;
      if (target === undefined ? !builtins.has(specifier) : !(target in files)) missing.push(`${file} imports ${specifier}`);
    }
  }
  return missing;
}

/**
 * The relative links of the Markdown files in `files` (text by path) to a file the tarball lacks:
 * the README and docs a user installed must not point at what only a clone has. Links in code
 * (fenced blocks, `spans`) and URLs are not looked at.
 */
export function brokenLinks(files) {
  const broken = [];
  for (const [file, text] of Object.entries(files)) {
    if (!file.endsWith('.md')) continue;
    const prose = text.replace(/^\s*```[\s\S]*?^\s*```/gm, '').replace(/`[^`\n]*`/g, '');
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const filePart = target.split('#')[0];
      if (filePart === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(filePart))).replace(/\/$/, '');
      const present = resolved in files || Object.keys(files).some((shipped) => shipped.startsWith(`${resolved}/`));
      if (!present) broken.push(`${file} links to ${target}: ${resolved} is not in the package`);
    }
  }
  return broken;
}

/** npm's warnings in `output`: an install as users run it warns of nothing. */
export function npmWarnings(output) {
  return output.split('\n').filter((line) => /^npm warn/i.test(line));
}

class CheckFailed extends Error {}

/** Fails the check unless `condition`, showing `details` (a command's output) under the message. */
function expect(condition, message, details = '') {
  if (!condition) throw new CheckFailed(`${message}${details ? `\n${details.trimEnd().replace(/^/gm, '    ')}` : ''}`);
}

/** The environment a user's shell would give: none of the npm_* variables `npm run` adds. */
function userEnvironment(temp) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  // Our temp folder gets npm's logs, so this check neither rotates away nor litters a user's logs.
  return { ...env, npm_config_logs_dir: path.join(temp, 'npm-logs'), npm_config_update_notifier: 'false' };
}

/** Runs a command to completion: its exit code (null if it could not start), stdout, and both streams in one. */
function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) return { code: null, stdout: '', output: result.error.message };
  return { code: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

/** `npm …` in `cwd`; a failure ends the check with npm's output. */
function npm(args, cwd, env) {
  const result = run('npm', args, { cwd, env });
  expect(result.code === 0, `npm ${args.join(' ')} exited with ${result.code}`, result.output);
  return result;
}

/** A port that nothing listens on now (devsup moves the service to another one if it is taken by then). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const isJson = (text) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

const isAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `condition` every 50 ms until it holds or `timeoutMs` has passed; whether it held. */
async function waitUntil(condition, timeoutMs) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (condition()) return true;
  }
  return condition();
}

/**
 * `devsup up` of one tiny HTTP server in `dir`: ready, answering, then Ctrl-C (SIGINT) stops it and
 * devsup exits 0 with the server gone. Every process it starts is killed by pid if a step fails.
 */
async function upUntilReadyThenInterrupt(devsup, dir, env) {
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'server.mjs'),
    "import http from 'node:http';\nconsole.log(`server pid ${process.pid}`);\nhttp.createServer((request, response) => response.end('hello\\n')).listen(process.env.PORT, '127.0.0.1');\n",
  );
  writeFileSync(path.join(dir, 'services.yaml'), `services:\n  web:\n    command: node server.mjs\n    port: ${port}\n`);
  // Its own process group, so that if a step fails the whole tree can be killed at once.
  const up = spawn(devsup, ['up'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  up.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  up.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  let exit;
  up.once('close', (code, signal) => (exit = { code, signal }));
  let serverPid;
  try {
    const ready = await waitUntil(() => exit !== undefined || /^web +\| ready on port \d+$/m.test(output), 30_000);
    expect(ready && exit === undefined, 'devsup up did not report web ready within 30 s', output);
    serverPid = Number(/server pid (\d+)/.exec(output)?.[1]);
    const givenPort = Number(/^web +\| ready on port (\d+)$/m.exec(output)[1]);
    const answer = await fetch(`http://127.0.0.1:${givenPort}/`).then((response) => response.text());
    expect(answer === 'hello\n', `the service on port ${givenPort} answered ${JSON.stringify(answer)}`, output);
    process.kill(up.pid, 'SIGINT');
    expect(await waitUntil(() => exit !== undefined, 15_000), 'devsup up did not exit within 15 s of SIGINT', output);
    expect(exit.code === 0, `devsup up exited with ${exit.code ?? exit.signal} after SIGINT, not 0`, output);
    expect(serverPid > 0 && (await waitUntil(() => !isAlive(serverPid), 5_000)), `the service (pid ${serverPid}) outlived devsup up`, output);
  } finally {
    if (exit === undefined) process.kill(-up.pid, 'SIGKILL');
    if (serverPid > 0 && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
  }
}

/**
 * `devsup mcp` as an MCP client starts it: initialize, then tools/list on its stdin; each answer must
 * come back as one JSON-RPC line on stdout, and the tools must be listed. Closing stdin ends it.
 */
async function mcpAnswersToolsList(devsup, dir, env) {
  const mcp = spawn(devsup, ['mcp'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  mcp.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  mcp.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  let exit;
  mcp.once('close', (code) => (exit = code));
  const send = (message) => mcp.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  try {
    send({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'check-package', version: VERSION } },
    });
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    const answered = await waitUntil(() => exit !== undefined || stdout.split('\n').filter(Boolean).length >= 2, 20_000);
    const lines = stdout.split('\n').filter(Boolean);
    expect(answered && lines.every(isJson), 'devsup mcp did not answer initialize and tools/list with JSON lines within 20 s', `${stdout}${stderr}`);
    const tools = JSON.parse(lines[1]).result?.tools?.map((tool) => tool.name) ?? [];
    expect(
      tools.includes('start_stack') && tools.includes('read_logs'),
      `devsup mcp listed the tools ${JSON.stringify(tools)}`,
      `${stdout}${stderr}`,
    );
    mcp.stdin.end();
    expect(await waitUntil(() => exit !== undefined, 10_000), 'devsup mcp did not exit within 10 s of its stdin closing', stderr);
    expect(exit === 0, `devsup mcp exited with ${exit} once its stdin closed, not 0`, stderr);
  } finally {
    if (exit === undefined) mcp.kill('SIGKILL');
  }
}

/** The installed `devsup` (under `prefix`), run as a user would, from new folders under `work`. */
async function checkInstalledCli(prefix, work, env) {
  const devsup = path.join(prefix, 'bin', 'devsup');
  const inFolder = (name) => {
    const dir = path.join(work, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const cli = (args, cwd) => run(devsup, args, { cwd, env });

  // --help points at the manifest reference as a file of the installed package.
  const help = cli(['--help'], inFolder('help'));
  const reference = /every key it takes: (.+?) \(/.exec(help.stdout)?.[1];
  expect(
    help.code === 0 && reference !== undefined && reference.startsWith(realpathSync(prefix)) && existsSync(reference),
    `devsup --help points at ${reference ?? 'no manifest reference'}, not a file of the installed package`,
    help.output,
  );

  const version = cli(['--version'], inFolder('version'));
  expect(
    version.code === 0 && version.output === `${VERSION}\n`,
    `devsup --version printed ${JSON.stringify(version.output)}, not ${VERSION}`,
    version.output,
  );

  const project = inFolder('init');
  const init = cli(['init'], project);
  expect(init.code === 0 && existsSync(path.join(project, 'services.yaml')), `devsup init exited with ${init.code}`, init.output);
  const check = cli(['check'], project);
  expect(check.code === 0 && /is valid\.$/m.test(check.output), `devsup check of init's manifest exited with ${check.code}`, check.output);
  const schema = cli(['schema'], project);
  expect(schema.code === 0 && isJson(schema.stdout), `devsup schema exited with ${schema.code}, or printed no JSON`, schema.output);

  // The view's chunk loads from the installed copy (it refuses a stdout that is not a terminal, exit 2).
  const ui = cli(['ui'], project);
  expect(
    ui.code === 2 && /draws a full-screen view on a terminal/.test(ui.output),
    `devsup ui without a terminal exited with ${ui.code}, not 2`,
    ui.output,
  );

  await upUntilReadyThenInterrupt(devsup, inFolder('up'), env);
  await mcpAnswersToolsList(devsup, project, env);
}

/** Runs `step`, printing its name first and how long it took after. */
async function step(name, action) {
  process.stdout.write(`check-package: ${name} … `);
  const started = Date.now();
  const result = await action();
  console.log(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

async function main(temp) {
  const env = userEnvironment(temp);
  const work = path.join(temp, 'work'); // outside the repository, so nothing resolves from it
  mkdirSync(work);

  const tarball = await step('npm pack', () => {
    const { stdout } = npm(['pack', '--json', '--pack-destination', temp], ROOT, env);
    const [packed] = JSON.parse(stdout);
    const files = packed.files.map((file) => file.path);
    const unexpected = unexpectedPackageFiles(files);
    expect(unexpected.length === 0, `the tarball ships files it should not (see "files" in package.json)`, unexpected.join('\n'));
    expect(files.includes('dist/bin/devsup.cjs'), 'the tarball lacks dist/bin/devsup.cjs, the file `devsup` runs');
    const bundle = Object.fromEntries(
      files.filter((file) => /\.c?js$/.test(file)).map((file) => [file, readFileSync(path.join(ROOT, file), 'utf8')]),
    );
    const missing = missingImports(bundle);
    expect(missing.length === 0, 'the bundle imports what the tarball lacks', missing.join('\n'));
    const documents = Object.fromEntries(files.map((file) => [file, file.endsWith('.md') ? readFileSync(path.join(ROOT, file), 'utf8') : '']));
    const broken = brokenLinks(documents);
    expect(broken.length === 0, 'the README or docs in the tarball link to files it lacks', broken.join('\n'));
    return path.join(temp, packed.filename);
  });

  const tarballPrefix = path.join(temp, 'from-tarball');
  await step(`npm install -g ${path.basename(tarball)}`, () => {
    const { output } = npm(['install', '-g', '--prefix', tarballPrefix, tarball], work, env);
    expect(npmWarnings(output).length === 0, 'npm warned', output);
  });
  await step('devsup --help, --version, init, check, schema, ui, up → ready → Ctrl-C, mcp (from the tarball)', () =>
    checkInstalledCli(tarballPrefix, path.join(work, 'tarball'), env),
  );

  const url = `git+${pathToFileURL(ROOT).href.replace(/\/$/, '')}`;
  if (run('git', ['status', '--porcelain'], { cwd: ROOT }).output.trim()) {
    console.log('check-package: note: installs from git take the last commit; uncommitted changes are not in them');
  }
  // No lifecycle script (not even `build`): npm then packs the clone as it is, dist/bin included, instead
  // of installing and building in it (where npm 11 links a global install to the clone it then deletes).
  const gitPrefix = path.join(temp, 'from-git');
  await step(`npm install -g ${url}`, () => {
    const { output } = npm(['install', '-g', '--prefix', gitPrefix, url], work, env);
    expect(npmWarnings(output).length === 0, 'npm warned', output);
  });
  await step('devsup --help, --version, init, check, schema, ui, up → ready → Ctrl-C, mcp (from git)', () =>
    checkInstalledCli(gitPrefix, path.join(work, 'git'), env),
  );

  console.log('check-package: the package works as installed from its tarball and from git');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'devsup-package-'));
  try {
    await main(temp);
    rmSync(temp, { recursive: true, force: true });
  } catch (error) {
    // On stdout, after the step line it ends, in the order written.
    console.log(`FAILED\ncheck-package: ${error instanceof CheckFailed ? error.message : (error.stack ?? error)}`);
    console.log(`check-package: its files are left in ${temp}`);
    process.exitCode = 1;
  }
}
