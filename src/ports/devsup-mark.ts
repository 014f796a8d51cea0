import { readFileSync } from 'node:fs';
import type { DevsupMark } from './port-types.js';
import { readToolOutput } from './run-tool.js';

/**
 * Whether `pid` is a devsup child (or a descendant of one), from the variables devsup puts in every
 * child's environment. Linux: /proc/PID/environ, readable for our own processes (or as root); macOS
 * and other Unixes: `ps eww`, same limits. Windows shows no other process's environment: undefined.
 */
export async function readDevsupMark(pid: number): Promise<DevsupMark | undefined> {
  if (process.platform === 'linux') return readDevsupMarkFromProc(pid);
  if (process.platform === 'win32') return undefined;
  const output = await readToolOutput('ps', ['eww', '-o', 'command=', '-p', String(pid)]);
  return output === null ? undefined : parsePsEnvironment(output);
}

/** Linux, synchronous (the holder scan is): undefined when not a devsup child or not ours to read. */
export function readDevsupMarkFromProc(pid: number): DevsupMark | undefined {
  try {
    return parseEnviron(readFileSync(`/proc/${pid}/environ`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** /proc/PID/environ: `NAME=value` entries separated by NUL bytes. */
export function parseEnviron(text: string): DevsupMark | undefined {
  const variables = new Map<string, string>();
  for (const entry of text.split('\0')) {
    const equals = entry.indexOf('=');
    if (entry.startsWith('DEVSUP_') && equals > 0) variables.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  return markOf(variables);
}

// A value runs until the next ` NAME=` (values with spaces survive unless they contain ` X=` themselves).
const PS_VARIABLE = /(?:^|\s)(DEVSUP_(?:SERVICE|INSTANCE|MANIFEST))=(.*?)(?=\s[A-Za-z_][A-Za-z0-9_]*=|\n|$)/g;

/**
 * `ps eww -o command= -p PID`: the command line, then the environment as space-separated `NAME=value`
 * pairs. The environment comes last, so a later match wins over text in the command line.
 */
export function parsePsEnvironment(text: string): DevsupMark | undefined {
  const variables = new Map<string, string>();
  for (const [, name = '', value = ''] of text.matchAll(PS_VARIABLE)) variables.set(name, value.trim());
  return markOf(variables);
}

function markOf(variables: Map<string, string>): DevsupMark | undefined {
  const service = variables.get('DEVSUP_SERVICE');
  if (!service) return undefined;
  const mark: DevsupMark = { service };
  const instance = Number(variables.get('DEVSUP_INSTANCE'));
  if (Number.isInteger(instance) && instance > 0) mark.instance = instance;
  const manifest = variables.get('DEVSUP_MANIFEST');
  if (manifest) mark.manifest = manifest;
  return mark;
}

/** "devsup: service llm of /path/services.yaml", for the holder phrases of messages and the table. */
export function describeMark(mark: DevsupMark): string {
  return `devsup: service ${mark.service}${mark.manifest ? ` of ${mark.manifest}` : ''}`;
}
