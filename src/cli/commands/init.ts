import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DevsupError, ManifestError, UsageError } from '../../errors.js';
import { ignoreDevsupFiles } from '../../control/gitignore.js';
import { MANIFEST_NAMES } from '../../manifest/find-manifest.js';
import { parseProcfile } from '../../manifest/procfile.js';
import { SERVICE_NAME } from '../../manifest/read-service.js';
import { toPlain } from '../../manifest/yaml-node.js';
import { renderStarterManifest, type StarterService, type StarterSource } from '../../manifest/starter-manifest.js';
import { schemaModeline } from '../../manifest/schema-file.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';

const EXAMPLE_COMMAND = `node -e "require('http').createServer((request, response) => response.end('hello from devsup\\n')).listen(process.env.PORT)"`;
const DEFAULT_PORT = 3000;

/** `devsup init [-f FILE]`: a starter services.yaml (from a Procfile if there is one) and the .gitignore lines. Never overwrites. */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.positionals.length > 0)
    throw new UsageError(`devsup init takes no arguments, got "${args.positionals.join(' ')}".`, 'Usage: devsup init [-f FILE]');
  const given = args.values.file as string | undefined;
  const file = path.resolve(io.cwd, given ?? MANIFEST_NAMES[0]!);
  const dir = path.dirname(file);
  const existing = (given === undefined ? MANIFEST_NAMES.map((name) => path.join(dir, name)) : [file]).find((candidate) => existsSync(candidate));
  if (existing) {
    throw new DevsupError(
      `${path.relative(io.cwd, existing) || existing} already exists: devsup init never overwrites a manifest.`,
      2,
      'Check it with `devsup check`, or move it away to start over.',
    );
  }
  const { services, source } = starterServices(dir, io.cwd);
  try {
    writeFileSync(file, withSchemaModeline(renderStarterManifest(path.basename(dir), services, source), dir), { flag: 'wx' }); // wx: never over a file made meanwhile
  } catch (error) {
    throw new DevsupError(
      `cannot write ${path.relative(io.cwd, file) || file}: ${(error as Error).message}`,
      1,
      'Check that the folder exists and that you may write there.',
    );
  }
  const list = services.map((service) => `${service.key} on port ${service.port}`).join(', ');
  io.stdout.write(`wrote ${path.relative(io.cwd, file)}: ${source === 'example' ? 'an example service' : `from your ${source}`} (${list})\n`);
  const added = ignoreDevsupFiles(dir, (message) => io.stderr.write(`devsup: ${message}\n`));
  if (added.length > 0) io.stdout.write(`added ${added.join(' and ')} to ${path.relative(io.cwd, path.join(dir, '.gitignore'))}\n`);
  io.stdout.write('Next: `devsup check` shows what it would do, `devsup up` starts it.\n');
  return 0;
}

/** The services to start from: the Procfile's processes, else the project's dev or start script, else an example. */
function starterServices(dir: string, cwd: string): { services: StarterService[]; source: StarterSource } {
  const procfile = path.join(dir, 'Procfile');
  if (existsSync(procfile)) {
    const { root, issues } = parseProcfile(readFileSync(procfile, 'utf8'), path.relative(cwd, procfile));
    if (issues.length > 0) throw new ManifestError(issues);
    const processes = (toPlain(root) as { services: Record<string, StarterService> }).services;
    const services = Object.entries(processes).map(([key, process]) => ({ ...process, key }));
    if (services.length > 0) return { services, source: 'Procfile' };
  }
  const script = packageScript(dir);
  if (script) return { services: [{ key: script.key, command: script.command, port: DEFAULT_PORT }], source: 'package.json' };
  return { services: [{ key: 'web', command: EXAMPLE_COMMAND, port: DEFAULT_PORT }], source: 'example' };
}

/** `npm run dev` (or `npm start`) when package.json has that script, named after the package. */
function packageScript(dir: string): { key: string; command: string } | undefined {
  let pkg: { name?: unknown; scripts?: Record<string, unknown> } | null;
  try {
    pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return undefined; // none, or not JSON: the example will do
  }
  if (typeof pkg !== 'object' || pkg === null) return undefined;
  const command = typeof pkg.scripts?.dev === 'string' ? 'npm run dev' : typeof pkg.scripts?.start === 'string' ? 'npm start' : undefined;
  if (command === undefined) return undefined;
  // "@scope/my-app" → "my-app"; anything that is not a valid service name → "app".
  const name = typeof pkg.name === 'string' ? pkg.name.replace(/^@[^/]+\//, '') : '';
  return { key: SERVICE_NAME.test(name) ? name : 'app', command };
}

/** The manifest's text under the comment that points editors at devsup's schema (manifest/schema-file.ts). */
function withSchemaModeline(text: string, dir: string): string {
  return `${schemaModeline(dir)}\n${text}`;
}
