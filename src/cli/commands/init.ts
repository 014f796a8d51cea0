import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DevsupError, ManifestError, UsageError, formatIssue } from '../../errors.js';
import { ignoreDevsupFiles } from '../../control/gitignore.js';
import { MANIFEST_NAMES, PROCFILE_NAMES } from '../../manifest/find-manifest.js';
import { loadManifest } from '../../manifest/load-manifest.js';
import { renderStarterManifest, type Starter } from '../../manifest/starter-manifest.js';
import { starterFromPackageJson } from '../../manifest/starter-from-package-json.js';
import { PROCESS_COMPOSE_NAMES, starterFromProcessCompose } from '../../manifest/starter-from-process-compose.js';
import { starterFromProcfile } from '../../manifest/starter-from-procfile.js';
import { schemaModeline } from '../../manifest/schema-file.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';

const EXAMPLE_COMMAND = `node -e "require('http').createServer((request, response) => response.end('hello from devsup\\n')).listen(process.env.PORT)"`;

/** What init reads, most telling first: the first that yields services is used. */
const SOURCES: { names: string[]; read: (dir: string, display: (file: string) => string) => Starter | undefined | Promise<Starter | undefined> }[] = [
  { names: PROCESS_COMPOSE_NAMES, read: starterFromProcessCompose },
  { names: PROCFILE_NAMES, read: starterFromProcfile },
  { names: ['package.json'], read: starterFromPackageJson },
];

/**
 * `devsup init [-f FILE]`: a starter services.yaml from the project's process-compose.yaml, else its
 * Procfile.dev or Procfile, else package.json's scripts (its workspaces' too), else an example; and
 * the .gitignore lines. Says on stderr what it could not translate. Never overwrites.
 */
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
  const starter = await findStarter(dir, (name) => path.relative(io.cwd, name) || name);
  for (const note of starter.notes) io.stderr.write(`devsup: ${note}\n`);
  try {
    writeFileSync(file, withSchemaModeline(renderStarterManifest(path.basename(dir), starter), dir), { flag: 'wx' }); // wx: never over a file made meanwhile
  } catch (error) {
    throw new DevsupError(
      `cannot write ${path.relative(io.cwd, file) || file}: ${(error as Error).message}`,
      1,
      'Check that the folder exists and that you may write there.',
    );
  }
  const list = starter.services.map((service) => (service.port === undefined ? service.key : `${service.key} on port ${service.port}`)).join(', ');
  io.stdout.write(`wrote ${path.relative(io.cwd, file)}: ${starter.source} (${list})\n`);
  const problems = await problemsOf(file, io);
  if (problems.length > 0)
    io.stderr.write([`devsup: ${path.relative(io.cwd, file)} needs an edit first: devsup check finds`, ...problems, ''].join('\n'));
  const added = ignoreDevsupFiles(dir, (message) => io.stderr.write(`devsup: ${message}\n`));
  if (added.length > 0) io.stdout.write(`added ${added.join(' and ')} to ${path.relative(io.cwd, path.join(dir, '.gitignore'))}\n`);
  io.stdout.write('Next: `devsup check` shows what it would do, `devsup up` starts it.\n');
  return 0;
}

/** The first source that yields services (its notes, and those of sources that yielded none, kept), else the example. */
async function findStarter(dir: string, display: (file: string) => string): Promise<Starter> {
  const notes: string[] = [];
  for (const [index, source] of SOURCES.entries()) {
    const starter = await source.read(dir, display);
    notes.push(...(starter?.notes ?? []));
    if (starter === undefined || starter.services.length === 0) continue;
    // Say what else was there, so nobody wonders why their Procfile was not used.
    const unused = SOURCES.slice(index).flatMap((other) => other.names.filter((name) => name !== starter.file && existsSync(path.join(dir, name))));
    for (const name of unused) notes.push(`${display(path.join(dir, name))} is not used: devsup init reads one file, and read ${starter.file}`);
    return { ...starter, notes };
  }
  return {
    file: '',
    origin: 'An example service: replace its command with yours.',
    source: 'an example service',
    services: [{ key: 'web', command: EXAMPLE_COMMAND, port: 3000 }],
    notes,
  };
}

/** The manifest's text under the comment that points editors at devsup's schema (manifest/schema-file.ts). */
function withSchemaModeline(text: string, dir: string): string {
  return `${schemaModeline(dir)}\n${text}`;
}

/** What `devsup check` would object to in the written file (a translated `${VAR}` that is not set, a missing folder), said now. */
async function problemsOf(file: string, io: CliIO): Promise<string[]> {
  try {
    await loadManifest({ cwd: io.cwd, file, env: io.env });
    return [];
  } catch (error) {
    if (error instanceof ManifestError) return error.issues.map((issue) => `  ${formatIssue(issue)}`);
    if (error instanceof DevsupError) return [`  ${error.message}`];
    throw error;
  }
}
