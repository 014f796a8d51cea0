import path from 'node:path';
import { DevsupError, ManifestError } from '../errors.js';
import { decodeUtf8 } from './decode-utf8.js';
import { devServerPort } from './dev-server-port.js';
import { detectPackageManager, runScriptCommand, type PackageManager } from './package-manager.js';
import { SERVICE_NAME } from './read-service.js';
import { readStarterSource, type Starter, type StarterService } from './starter-manifest.js';
import { findWorkspaceFolders, readWorkspacePatterns } from './workspace-folders.js';

/** The scripts that start a project in development, in the order they are looked for. */
const SCRIPTS = ['dev', 'start'];
/** The preferred port of a script devsup knows nothing about. */
const DEFAULT_PORT = 3000;

type PackageJson = Record<string, unknown>;

/**
 * A starter from package.json: with workspaces (package.json's `workspaces`, or pnpm-workspace.yaml)
 * one service per workspace with a dev (else start) script, run in its folder; else the project's own
 * script. A dev server that ignores PORT gets the flags that pass it devsup's port (dev-server-port.ts).
 * Undefined without a package.json. One that is not JSON, or not an object, is refused (exit 2).
 * `display` names a file as messages show it.
 */
export function starterFromPackageJson(root: string, display: (file: string) => string): Starter | undefined {
  const file = path.join(root, 'package.json');
  const text = readText(file, display(file));
  if (text === undefined) return undefined;
  const project = parsePackageJson(text, display(file));
  const manager = detectPackageManager(root, project.packageManager);
  const notes: string[] = [];
  const services: StarterService[] = [];
  const patterns = readWorkspacePatterns(root, project, text, display);
  for (const folder of patterns ? findWorkspaceFolders(root, patterns, (note) => notes.push(note)) : []) {
    const workspaceFile = path.join(root, folder, 'package.json');
    const workspace = parsePackageJson(readText(workspaceFile, display(workspaceFile)) ?? '{}', display(workspaceFile));
    const service = scriptService(workspace, manager, display(workspaceFile), notes, folder);
    if (service) services.push(service);
    else notes.push(`${display(workspaceFile)}: no dev or start script, so no service`);
  }
  const ownScript = SCRIPTS.find((name) => scriptsOf(project, display(file))[name] !== undefined);
  if (services.length > 0 && ownScript !== undefined)
    notes.push(`${display(file)}: scripts.${ownScript} is not used: devsup runs each workspace's own dev or start script instead`);
  const workspaces = services.length > 0;
  if (!workspaces) {
    const own = scriptService(project, manager, display(file), notes);
    if (own) services.push(own);
    else notes.push(`${display(file)}: no dev or start script${patterns ? ' in it or any workspace' : ''}, so no service`);
  }
  return {
    file: 'package.json',
    origin: workspaces ? `Made from the dev and start scripts of your workspaces (run with ${manager}).` : 'Made from the scripts in package.json.',
    source: workspaces ? 'from your workspaces' : 'from your package.json',
    services: distinct(services, notes),
    notes,
  };
}

/** The service for a package's dev (else start) script, or undefined when it has neither. */
function scriptService(pkg: PackageJson, manager: PackageManager, file: string, notes: string[], folder?: string): StarterService | undefined {
  const scripts = scriptsOf(pkg, file);
  const name = SCRIPTS.find((candidate) => scripts[candidate] !== undefined);
  if (name === undefined) return undefined;
  const script = scripts[name];
  if (typeof script !== 'string' || script.trim() === '')
    throw new DevsupError(
      `${file}: scripts.${name} must be a command line (a non-empty string).`,
      2,
      'Fix package.json, then run devsup init again.',
    );
  const key = serviceKey(pkg.name, folder);
  const service: StarterService = { key, command: runScriptCommand(manager, name), port: DEFAULT_PORT };
  if (folder !== undefined && typeof pkg.name === 'string' && pkg.name !== key) service.title = pkg.name;
  if (folder !== undefined) service.cwd = folder.replace(/\$/g, '$$$$'); // cwd takes ${VAR}: a `$` in a folder's name is literal
  const plan = devServerPort(script);
  switch (plan.kind) {
    case 'flags':
      return { ...service, command: runScriptCommand(manager, name, plan.flags), why: plan.why, port: plan.port };
    case 'fixed':
      return { ...service, why: plan.why, port: plan.port, fallback: 'none' };
    case 'reads-port':
      return { ...service, port: plan.port };
    case 'unreachable':
      notes.push(`${file}: scripts.${name} ${plan.problem}. Until then it listens where ${plan.server} chooses, and devsup says where.`);
      return { ...service, port: plan.port };
    case 'unknown':
      return service;
  }
}

/** `scripts`, which must be an object when present. */
function scriptsOf(pkg: PackageJson, file: string): Record<string, unknown> {
  const { scripts } = pkg;
  if (scripts === undefined) return {};
  if (typeof scripts === 'object' && scripts !== null && !Array.isArray(scripts)) return scripts as Record<string, unknown>;
  throw new DevsupError(`${file}: "scripts" must be an object of name → command line.`, 2, 'Fix package.json, then run devsup init again.');
}

/** The package's name without its scope, made a valid service name; else the folder's name; else `app`. */
function serviceKey(name: unknown, folder: string | undefined): string {
  const candidates = [typeof name === 'string' ? name.replace(/^@[^/]*\//, '') : '', folder === undefined ? '' : path.posix.basename(folder)];
  for (const candidate of candidates) {
    const key = toServiceName(candidate);
    if (key !== '') return key;
  }
  return 'app';
}

function toServiceName(text: string): string {
  const key = text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/-+$/, '');
  return SERVICE_NAME.test(key) ? key : '';
}

/**
 * Keys and preferred ports made distinct: a second `web` becomes its scoped name (`acme-web`) or
 * `web-2`; a second service preferring 5173 gets 5174. A port the script fixes cannot move: two of
 * those on one port are a note, as one of them would fail.
 */
function distinct(services: StarterService[], notes: string[]): StarterService[] {
  const keys = new Set<string>();
  const ports = new Map<number, string>();
  return services.map((service) => {
    let key = service.key;
    const scoped = service.title === undefined ? '' : toServiceName(service.title.replace(/^@/, ''));
    if (keys.has(key) && scoped !== '' && !keys.has(scoped)) key = scoped;
    for (let n = 2; keys.has(key); n++) key = `${service.key}-${n}`;
    keys.add(key);
    let port = service.port!;
    if (service.fallback === 'none' && ports.has(port))
      notes.push(`${key} and ${ports.get(port)} both fix port ${port} in their scripts: one of them will fail to start`);
    else while (ports.has(port)) port++;
    ports.set(port, key);
    return { ...service, key, port };
  });
}

/** A file's text, or undefined when it does not exist; bytes that are not UTF-8 are refused. */
function readText(file: string, shown: string): string | undefined {
  const bytes = readStarterSource(file, shown);
  if (bytes === undefined) return undefined;
  const decoded = decodeUtf8(bytes, shown);
  if ('issue' in decoded) throw new ManifestError([decoded.issue]);
  return decoded.text;
}

/** package.json as an object; anything else is refused with where it went wrong. */
function parsePackageJson(text: string, shown: string): PackageJson {
  const hint = 'Fix it (npm cannot read it either), then run devsup init again.';
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const message = (error as Error).message.replace(/[\x00-\x1f\x7f]/g, '?'); // eslint-disable-line no-control-regex -- it may quote the file
    const position = /at position (\d+)/.exec(message);
    const where = position ? `:${text.slice(0, Number(position[1])).split('\n').length}` : '';
    throw new DevsupError(`${shown}${where} is not valid JSON: ${message}`, 2, hint);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DevsupError(
      `${shown} must hold a JSON object ({"name": …, "scripts": {…}}), not ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}.`,
      2,
      hint,
    );
  return value as PackageJson;
}
