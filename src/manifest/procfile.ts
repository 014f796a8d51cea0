import type { ManifestIssue } from '../errors.js';
import { emptyMap, scalarNode, type MapNode } from './yaml-node.js';

const FIRST_PORT = 5000;
const PORT_STEP = 100; // foreman's spacing: 5000, 5100, 5200…

/** The one process type expected to listen on its PORT (Heroku routes HTTP traffic to `web` alone). */
const LISTENING_PROCESS = 'web';

/**
 * A Procfile (`name: command` lines, `#` comments) as the manifest tree it stands for: one service
 * per line, preferred ports given out in order as foreman does. Every process gets its PORT, but only
 * `web` is waited for until it listens; a worker or clock never does, and is `running` from the start
 * (else it would hold up the table and be restarted when the wait timed out). `file` is the name issues use.
 */
export function parseProcfile(text: string, file: string): { root: MapNode; issues: ManifestIssue[] } {
  const issues: ManifestIssue[] = [];
  const root = emptyMap({ file, line: 1, column: 1 });
  const services = emptyMap({ file, line: 1, column: 1 });
  root.entries.set('services', { keyPos: services.pos, node: services });
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const match = /^(\s*)([^:\s]+)\s*:\s*(\S.*?)\s*$/.exec(raw);
    if (!match) {
      issues.push({ file, line, column: 1, message: 'expected a "name: command" line' });
      return;
    }
    const [, indent = '', name = '', command = ''] = match;
    const keyPos = { file, line, column: indent.length + 1 };
    if (services.entries.has(name)) {
      issues.push({ ...keyPos, message: `process "${name}" is defined twice` });
      return;
    }
    const commandPos = { file, line, column: raw.indexOf(command, keyPos.column + name.length) + 1 };
    if (command.includes('\0'))
      issues.push({ ...commandPos, message: `the command of "${name}" contains a NUL byte, which no process can receive: remove it` });
    const service = emptyMap(keyPos);
    service.entries.set('command', { keyPos, node: scalarNode(command, commandPos) });
    service.entries.set('port', { keyPos, node: scalarNode(FIRST_PORT + PORT_STEP * services.entries.size, keyPos) });
    if (name !== LISTENING_PROCESS) service.entries.set('ready', { keyPos, node: scalarNode('none', keyPos) });
    services.entries.set(name, { keyPos, node: service });
  });
  return { root, issues };
}
