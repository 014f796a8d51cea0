import { existsSync } from 'node:fs';
import path from 'node:path';
import { ManifestError, type ManifestIssue } from '../errors.js';
import { decodeUtf8 } from './decode-utf8.js';
import { PROCFILE_NAMES } from './find-manifest.js';
import { DEFAULT_BASE_PORT, parseProcfile } from './procfile.js';
import { procfileBasePort } from './procfile-base-port.js';
import { readStarterSource, type Starter, type StarterService } from './starter-manifest.js';
import { toPlain } from './yaml-node.js';

/** A Procfile service as parseProcfile makes it. */
interface ProcfileService {
  command: string;
  port?: number;
  ready?: 'none';
  restart?: 'never';
  depends_on?: Record<string, 'completed'>;
}

/**
 * A starter from the folder's Procfile.dev, else its Procfile: the services devsup would run from it
 * directly (procfile.ts), written out: foreman's ports from `.foreman`'s base port, `release` first.
 * Undefined without one; a broken one is refused (exit 2), as `devsup up` would refuse it.
 */
export async function starterFromProcfile(dir: string, display: (file: string) => string): Promise<Starter | undefined> {
  const name = PROCFILE_NAMES.find((candidate) => existsSync(path.join(dir, candidate)));
  if (name === undefined) return undefined;
  const file = path.join(dir, name);
  const notes: string[] = [];
  const issues: ManifestIssue[] = [];
  const bytes = readStarterSource(file, display(file));
  if (bytes === undefined) return undefined;
  const decoded = decodeUtf8(bytes, display(file));
  if ('issue' in decoded) throw new ManifestError([decoded.issue]);
  const basePort = await procfileBasePort(dir, undefined, display, issues, (note) => notes.push(note));
  const { root, issues: parseIssues } = parseProcfile(decoded.text, display(file), basePort);
  for (const issue of parseIssues) issues.push(issue);
  if (issues.length > 0) throw new ManifestError(issues);
  const processes = (toPlain(root) as { services: Record<string, ProcfileService> }).services;
  const services = Object.entries(processes).map(([key, process]): StarterService => {
    const service: StarterService = { key, command: process.command };
    if (process.port !== undefined) service.port = process.port;
    if (process.ready !== undefined) service.ready = process.ready;
    if (process.depends_on !== undefined) service.dependsOn = process.depends_on;
    if (process.restart !== undefined) service.restart = process.restart;
    return service;
  });
  if (services.length === 0) notes.push(`${display(file)} has no processes, so it is not used`);
  const from = basePort === DEFAULT_BASE_PORT ? '' : `, from ${basePort}`;
  return { file: name, origin: `Made from your ${name} (ports as foreman gives them${from}).`, source: `from your ${name}`, services, notes };
}
