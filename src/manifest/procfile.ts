import type { ManifestIssue, SourcePosition } from '../errors.js';
import { emptyMap, scalarNode, type MapNode, type YamlNode } from './yaml-node.js';

/** foreman's base port when neither `--base-port` nor `.foreman` gives one. */
export const DEFAULT_BASE_PORT = 5000;
const PORT_STEP = 100; // foreman's spacing: 5000, 5100, 5200…

/** The one process type expected to listen on its PORT (Heroku routes HTTP traffic to `web` alone). */
const LISTENING_PROCESS = 'web';
/** Heroku's one-shot process type: it runs before the others (migrations), which start once it exits 0. */
export const RELEASE_PROCESS = 'release';

/**
 * A Procfile (`name: command` lines, `#` comments) as the manifest tree it stands for: one service per
 * line. Ports are foreman's: the base port (5000 unless given) + 100 × the line's place among the
 * processes, `release` counted too, so every process gets the PORT foreman would give it. Only `web` is
 * waited for until it listens; a worker or clock never does, and is `running` from the start (else it
 * would hold up the table and be restarted when the wait timed out). `release` gets no port: it runs
 * once (`restart: never`) and the others depend on it completing. `file` is the name issues use.
 */
export function parseProcfile(text: string, file: string, basePort = DEFAULT_BASE_PORT): { root: MapNode; issues: ManifestIssue[] } {
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
    const set = (key: string, node: YamlNode) => service.entries.set(key, { keyPos, node });
    set('command', scalarNode(command, commandPos));
    if (name === RELEASE_PROCESS) {
      set('restart', scalarNode('never', keyPos));
    } else {
      const port = basePort + PORT_STEP * services.entries.size;
      if (port <= 65535) set('port', scalarNode(port, keyPos));
      else
        issues.push({
          ...keyPos,
          message: `process "${name}" would get port ${port} (${basePort} + ${PORT_STEP} × its place), above 65535: give a lower base port`,
        });
      if (name !== LISTENING_PROCESS) set('ready', scalarNode('none', keyPos));
    }
    services.entries.set(name, { keyPos, node: service });
  });
  const release = services.entries.get(RELEASE_PROCESS);
  if (release) for (const [name, entry] of services.entries) if (name !== RELEASE_PROCESS) waitForRelease(entry.node as MapNode, release.keyPos);
  return { root, issues };
}

/** `depends_on: {release: completed}`, placed at the release line so a problem with it points there. */
function waitForRelease(service: MapNode, releasePos: SourcePosition): void {
  const dependsOn = emptyMap(releasePos);
  dependsOn.entries.set(RELEASE_PROCESS, { keyPos: releasePos, node: scalarNode('completed', releasePos) });
  service.entries.set('depends_on', { keyPos: service.pos, node: dependsOn });
}
