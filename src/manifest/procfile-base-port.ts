import path from 'node:path';
import { UsageError, type ManifestIssue } from '../errors.js';
import { readInputFile, reasonOf } from '../files/safe-files.js';
import { decodeUtf8 } from './decode-utf8.js';
import { readYaml } from './read-yaml.js';
import { DEFAULT_BASE_PORT } from './procfile.js';
import { reportWrong } from './validators.js';

/** foreman's settings file, read from the Procfile's folder. */
export const FOREMAN_FILE = '.foreman';

/** What devsup has instead of foreman's other settings, for the note that says each is not used. */
const INSTEAD: Record<string, string> = {
  formation: 'devsup runs one of each process; name the ones to run, e.g. `devsup up web worker`',
  concurrency: 'devsup runs one of each process; name the ones to run, e.g. `devsup up web worker`',
  procfile: 'devsup reads Procfile.dev, else Procfile; `-f FILE` reads another',
  env: 'devsup reads .env itself; a services.yaml names other files with env_file',
  root: "devsup runs each process in the Procfile's folder",
  timeout: 'devsup waits 5 s before it kills a process (stop_timeout in a services.yaml)',
};

/**
 * A Procfile's base port: `--base-port`, else the `port` of `.foreman` beside it, else foreman's 5000.
 * `.foreman`'s other settings are foreman's own: `note` says of each that devsup does not use it.
 * Problems of `.foreman` go to `issues`; `display` names a file as messages show it.
 */
export async function procfileBasePort(
  dir: string,
  given: string | undefined,
  display: (file: string) => string,
  issues: ManifestIssue[],
  note: (message: string) => void,
): Promise<number> {
  const foremanPort = await readForemanFile(path.join(dir, FOREMAN_FILE), display, issues, note);
  return given === undefined ? (foremanPort ?? DEFAULT_BASE_PORT) : parseBasePort(given);
}

/** `--base-port N`: a port from 1 to 65535. */
export function parseBasePort(given: string): number {
  const port = /^\d{1,5}$/.test(given.trim()) ? Number(given) : NaN;
  if (port >= 1 && port <= 65535) return port;
  throw new UsageError(`--base-port must be a port from 1 to 65535, got "${given}".`, 'For example `devsup up --base-port 3000`.');
}

/** The `port` of a `.foreman` file (YAML, as foreman reads it); undefined without the file or the key. */
async function readForemanFile(
  file: string,
  display: (file: string) => string,
  issues: ManifestIssue[],
  note: (message: string) => void,
): Promise<number | undefined> {
  let bytes: Buffer | undefined;
  try {
    bytes = readInputFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    issues.push({ file: display(file), line: 1, column: 1, message: `cannot read it: ${reasonOf(error)}` });
    return undefined;
  }
  if (bytes === undefined) return undefined;
  const decoded = decodeUtf8(bytes, display(file));
  if ('issue' in decoded) {
    issues.push(decoded.issue);
    return undefined;
  }
  const { root, issues: parseIssues } = await readYaml(decoded.text, display(file));
  for (const issue of parseIssues) issues.push(issue);
  if (root === undefined) return undefined;
  if (root.kind !== 'map') {
    reportWrong(issues, root, 'the top level', 'a map of settings, e.g. "port: 5000"');
    return undefined;
  }
  let port: number | undefined;
  for (const [key, { keyPos, node }] of root.entries) {
    if (key !== 'port') {
      const instead = INSTEAD[key];
      note(
        `${keyPos.file}:${keyPos.line}:${keyPos.column}: "${key}" is foreman's setting, not used by devsup${instead ? `: ${instead}` : ' (it reads port alone)'}`,
      );
      continue;
    }
    const value = node.kind === 'scalar' ? node.value : undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) port = value;
    else reportWrong(issues, node, 'port', 'the base port, a number from 1 to 65535');
  }
  return port;
}
