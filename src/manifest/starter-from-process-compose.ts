import { existsSync } from 'node:fs';
import path from 'node:path';
import { ManifestError, type ManifestIssue, type SourcePosition } from '../errors.js';
import { decodeUtf8 } from './decode-utf8.js';
import { parseYaml } from './parse-yaml.js';
import { SERVICE_NAME } from './read-service.js';
import type { DependencyCondition } from './service-spec.js';
import { readStarterSource, type Starter, type StarterService } from './starter-manifest.js';
import { reportWrong } from './validators.js';
import type { MapNode, YamlNode } from './yaml-node.js';

export const PROCESS_COMPOSE_NAMES = ['process-compose.yaml', 'process-compose.yml'];

/** process-compose's conditions → devsup's (process_completed, any exit code, is handled apart). */
const CONDITIONS: Record<string, DependencyCondition> = {
  process_started: 'started',
  process_healthy: 'ready',
  process_log_ready: 'ready',
  process_completed_successfully: 'completed',
};
const RESTART: Record<string, StarterService['restart']> = { always: 'always', on_failure: 'on-failure', no: 'never', exit_on_failure: 'never' };
/** Signal numbers as process-compose takes them (Linux's). */
const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 9: 'SIGKILL', 10: 'SIGUSR1', 12: 'SIGUSR2', 15: 'SIGTERM' };
const LOCAL_HOSTS = ['', 'localhost', '127.0.0.1', '0.0.0.0', '::1', '::'];

/** What devsup does instead of what process-compose settings ask for: the note's second half. */
const INSTEAD: Record<string, string> = {
  log_location: "devsup keeps each service's output in .devsup/logs/",
  log_level: "devsup keeps each service's output in .devsup/logs/",
  log_length: "devsup keeps each service's output in .devsup/logs/",
  log_configuration: "devsup keeps each service's output in .devsup/logs/",
  shell: 'devsup runs a string command with sh -c',
  is_strict: 'devsup always refuses unknown keys',
  ordered_shutdown: 'devsup always stops services in reverse dependency order',
  vars: 'devsup fills in ${VAR} from the environment and env files',
  namespace: 'devsup has no namespaces',
  initial_delay_seconds: 'devsup checks health once the service is ready',
  success_threshold: 'one passing check makes a service healthy again',
  shutdown: 'devsup stops a service with its stop_signal or stop_command',
  backoff_seconds: 'devsup waits 100 ms, doubling up to 30 s, between failed starts',
  exit_on_end: 'devsup keeps the others running when one ends; critical: true stops everything when it fails for good',
};

/**
 * A starter from the folder's process-compose.yaml: command, working_dir, environment, depends_on,
 * readiness_probe, ready_log_line, liveness_probe, availability, disabled, is_daemon, replicas and
 * shutdown (signal, timeout, command) translated, each process
 * under a valid service name. Whatever has no devsup equivalent becomes a note (`file:line:col: …`),
 * never dropped silently. Undefined without the file; a broken one is refused (exit 2).
 */
export function starterFromProcessCompose(dir: string, display: (file: string) => string): Starter | undefined {
  const name = PROCESS_COMPOSE_NAMES.find((candidate) => existsSync(path.join(dir, candidate)));
  if (name === undefined) return undefined;
  const shown = display(path.join(dir, name));
  const bytes = readStarterSource(path.join(dir, name), shown);
  if (bytes === undefined) return undefined;
  const decoded = decodeUtf8(bytes, shown);
  if ('issue' in decoded) throw new ManifestError([decoded.issue]);
  const { root, issues } = parseYaml(decoded.text, shown);
  const processes = root?.kind === 'map' ? root.entries.get('processes')?.node : undefined;
  if (issues.length === 0 && processes === undefined)
    issues.push({ file: shown, line: 1, column: 1, message: `no "processes" here: ${shown} has nothing to run` });
  else if (issues.length === 0 && processes?.kind !== 'map') reportWrong(issues, processes!, 'processes', 'a map of name → process');
  if (issues.length > 0 || root?.kind !== 'map' || processes?.kind !== 'map') throw new ManifestError(issues);

  const translator = new Translator(renameAll(processes));
  const starter: Starter = { file: name, origin: `Made from your ${name}.`, source: `from your ${name}`, services: [], notes: [] };
  for (const [key, { keyPos, node }] of root.entries) {
    if (key === 'processes' || key === 'version') continue; // version: of the file format, nothing to translate
    if (key === 'name' && typeof scalarValue(node) === 'string') starter.project = scalarValue(node) as string;
    else if (key === 'environment') starter.env = translator.environment(node);
    else translator.untranslated(keyPos, key);
  }
  for (const [key, { keyPos, node }] of processes.entries) {
    const service = translator.process(key, keyPos, node, issues);
    if (service) starter.services.push(service);
  }
  if (issues.length > 0) throw new ManifestError(issues);
  starter.notes = translator.notes();
  return starter;
}

/** Process name → service key: a name devsup cannot take (`my api`) becomes a valid, distinct one (`my-api`). */
function renameAll(processes: MapNode): Map<string, string> {
  const keys = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of processes.entries.keys()) {
    const base = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'process';
    let key = SERVICE_NAME.test(base) ? base : 'process';
    for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
    taken.add(key);
    keys.set(name, key);
  }
  return keys;
}

class Translator {
  private readonly found: (SourcePosition & { message: string })[] = [];

  constructor(private readonly keys: Map<string, string>) {}

  note(pos: SourcePosition, message: string): void {
    this.found.push({ ...pos, message });
  }

  /** What was not translated, in the file's order (some fields are translated after the others). */
  notes(): string[] {
    return [...this.found]
      .sort((a, b) => a.line - b.line || a.column - b.column)
      .map(({ file, line, column, message }) => `${file}:${line}:${column}: ${message}`);
  }

  untranslated(pos: SourcePosition, key: string): void {
    const parts = key.split('.');
    this.note(pos, `${key} is not translated: ${INSTEAD[parts.at(-1)!] ?? INSTEAD[parts[0]!] ?? 'devsup has no equivalent'}`);
  }

  /** One process as a service; undefined (with an issue) when it is not a map. */
  process(name: string, keyPos: SourcePosition, node: YamlNode, issues: ManifestIssue[]): StarterService | undefined {
    if (node.kind !== 'map') {
      reportWrong(issues, node, `process "${name}"`, 'a map with a "command"');
      return undefined;
    }
    const key = this.keys.get(name)!;
    if (key !== name) this.note(keyPos, `process "${name}" is service "${key}" here: devsup's names are letters, digits, "_", "." and "-"`);
    // process-compose restarts nothing unless availability says so.
    const service: StarterService = { key, command: '', restart: 'never' };
    // What depends on other fields (the port, the readiness check, the stop command) comes last, whatever the order in the file.
    const last = ['liveness_probe', 'is_daemon', 'replicas'];
    const entries = [...node.entries].sort(([a], [b]) => Number(last.includes(a)) - Number(last.includes(b)));
    for (const [field, entry] of entries) this.field(service, field, entry.keyPos, entry.node, issues);
    if (service.command === '' || (Array.isArray(service.command) && service.command.length === 0))
      issues.push({ ...keyPos, message: `process "${name}" has no command: give it one, then run devsup init again` });
    return service;
  }

  private field(service: StarterService, field: string, keyPos: SourcePosition, node: YamlNode, issues: ManifestIssue[]): void {
    const text = scalarValue(node);
    switch (field) {
      case 'command':
        if (typeof text === 'string') service.command = text;
        else reportWrong(issues, node, 'command', 'a command line');
        return;
      case 'entrypoint': {
        const words = node.kind === 'list' ? node.items.map(scalarValue) : [];
        if (service.command === '' && words.length > 0 && words.every((word) => typeof word === 'string')) service.command = words;
        else this.note(keyPos, 'entrypoint is not translated: give devsup the whole command line as command');
        return;
      }
      case 'working_dir':
        if (typeof text === 'string') service.cwd = text;
        else reportWrong(issues, node, 'working_dir', 'a folder');
        return;
      case 'environment':
        service.env = this.environment(node);
        return;
      case 'depends_on':
        this.dependsOn(service, node, issues);
        return;
      case 'readiness_probe':
        this.readinessProbe(service, keyPos, node);
        return;
      case 'ready_log_line':
        if (typeof text === 'string') this.setReady(service, { log: text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') }, keyPos, 'ready_log_line');
        else reportWrong(issues, node, 'ready_log_line', 'a line of text');
        return;
      case 'availability':
        this.availability(service, node);
        return;
      case 'disabled':
        if (text === true) service.autostart = false;
        return;
      case 'description':
        if (typeof text === 'string') service.why = text;
        return;
      case 'shutdown':
        this.shutdown(service, node);
        return;
      case 'liveness_probe':
        this.livenessProbe(service, keyPos, node);
        return;
      case 'is_daemon':
        if (text === true) this.daemon(service, keyPos);
        return;
      case 'replicas':
        if (typeof text === 'number' && Number.isInteger(text) && text >= 1) this.replicas(service, keyPos, text);
        else reportWrong(issues, node, 'replicas', 'a whole number, 1 or more');
        return;
      default:
        this.untranslated(keyPos, field);
    }
  }

  /** `environment: ["A=1", …]` (or a map) as env; a list item without `=` is a note. */
  environment(node: YamlNode): Record<string, string> {
    const env: Record<string, string> = {};
    const entries: [string, YamlNode][] =
      node.kind === 'map'
        ? [...node.entries].map(([name, entry]) => [`${name}=${String(scalarValue(entry.node) ?? '')}`, entry.node])
        : node.kind === 'list'
          ? node.items.map((item) => [String(scalarValue(item) ?? ''), item])
          : [];
    if (node.kind === 'scalar') this.note(node.pos, 'environment is not translated: it must be a list of NAME=value');
    for (const [pair, item] of entries) {
      const at = pair.indexOf('=');
      if (at <= 0) {
        this.note(item.pos, `environment entry ${JSON.stringify(pair)} is not translated: write NAME=value`);
        continue;
      }
      const value = pair.slice(at + 1);
      env[pair.slice(0, at)] = value;
      if (/\$[A-Za-z_]/.test(value)) this.note(item.pos, `${pair.slice(0, at)}: devsup does not expand $NAME in an env value; write \${NAME}`);
    }
    return env;
  }

  private dependsOn(service: StarterService, node: YamlNode, issues: ManifestIssue[]): void {
    if (node.kind !== 'map') {
      reportWrong(issues, node, 'depends_on', 'a map of process → {condition: …}');
      return;
    }
    const dependsOn: Record<string, DependencyCondition> = {};
    for (const [name, { keyPos, node: spec }] of node.entries) {
      const other = this.keys.get(name);
      const written = scalarValue(childNode(spec, 'condition')) ?? 'process_started'; // process-compose's default
      if (other === undefined) {
        this.note(keyPos, `depends_on "${name}" is not translated: there is no such process`);
      } else if (written === 'process_completed') {
        dependsOn[other] = 'completed';
        this.note(keyPos, `depends_on ${name}: process_completed (any exit code) is "completed" here, which needs exit code 0`);
      } else if (typeof written === 'string' && CONDITIONS[written] !== undefined) {
        dependsOn[other] = CONDITIONS[written];
      } else {
        this.note(keyPos, `depends_on ${name}: condition ${JSON.stringify(written)} is not translated: devsup has started, ready and completed`);
      }
    }
    service.dependsOn = dependsOn;
  }

  /** http_get → a port and `ready: {http: path}` (a full URL for another host); exec → `ready: {exec: …}`. */
  private readinessProbe(service: StarterService, keyPos: SourcePosition, node: YamlNode): void {
    if (node.kind !== 'map') {
      this.note(keyPos, 'readiness_probe is not translated: it must be a map with http_get or exec');
      return;
    }
    for (const [key, { keyPos: pos, node: value }] of node.entries) {
      if (key === 'http_get') this.httpProbe(service, pos, value);
      else if (key === 'exec' && typeof scalarValue(childNode(value, 'command')) === 'string')
        this.setReady(service, { exec: scalarValue(childNode(value, 'command')) as string }, pos, 'readiness_probe.exec');
      else this.note(pos, `readiness_probe.${key} is not translated: devsup checks until it passes, for ready_timeout (60 s) at most`);
      if (key === 'exec' && value.kind === 'map')
        for (const [extra, entry] of value.entries)
          if (extra !== 'command')
            this.note(
              entry.keyPos,
              `readiness_probe.exec.${extra} is not translated: devsup runs the check in the service's folder and gives it 10 s`,
            );
    }
  }

  private httpProbe(service: StarterService, pos: SourcePosition, node: YamlNode): void {
    const get = this.httpGet(pos, node, 'readiness_probe');
    if (get === undefined) return;
    if (!get.local) this.setReady(service, { http: get.url }, pos, 'readiness_probe.http_get');
    else if (this.setReady(service, { http: get.path }, pos, 'readiness_probe.http_get')) {
      // The command listens on that port already: devsup keeps it there and checks that it is free first.
      Object.assign(service, { port: get.port, fallback: 'none' });
    }
  }

  /**
   * A probe's http_get: its port, path and full URL, and whether it asks plain http on this machine;
   * undefined (and a note) without a port from 1 to 65535.
   */
  private httpGet(
    pos: SourcePosition,
    node: YamlNode,
    probe: 'readiness_probe' | 'liveness_probe',
  ): { port: number; path: string; url: string; local: boolean } | undefined {
    const get = (key: string) => scalarValue(childNode(node, key));
    const port = Number(get('port'));
    const host = String(get('host') ?? '');
    const scheme = String(get('scheme') ?? 'http').toLowerCase();
    const probePath = typeof get('path') === 'string' && (get('path') as string).startsWith('/') ? (get('path') as string) : '/';
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      this.note(pos, `${probe}.http_get is not translated: it has no port from 1 to 65535`);
      return undefined;
    }
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host || 'localhost'}:${port}${probePath}`;
    return { port, path: probePath, url, local: LOCAL_HOSTS.includes(host) && scheme === 'http' };
  }

  /**
   * `health`: http_get (a path on the service's own port, else the full URL) or exec, with
   * period_seconds, timeout_seconds and failure_threshold as interval, timeout and failures.
   */
  private livenessProbe(service: StarterService, keyPos: SourcePosition, node: YamlNode): void {
    if (node.kind !== 'map') {
      this.note(keyPos, 'liveness_probe is not translated: it must be a map with http_get or exec');
      return;
    }
    let check: { http: string } | { exec: string } | undefined;
    const timing: { interval?: string; timeout?: string; failures?: number } = {};
    for (const [key, { keyPos: pos, node: value }] of node.entries) {
      const number = scalarValue(value);
      const positive = typeof number === 'number' && Number.isInteger(number) && number > 0;
      if (key === 'http_get') check = this.healthUrl(service, pos, value) ?? check;
      else if (key === 'exec' && typeof scalarValue(childNode(value, 'command')) === 'string')
        check = { exec: scalarValue(childNode(value, 'command')) as string };
      else if (key === 'period_seconds' && positive) timing.interval = `${number}s`;
      else if (key === 'timeout_seconds' && positive) timing.timeout = `${number}s`;
      else if (key === 'failure_threshold' && positive) timing.failures = number;
      else this.untranslated(pos, `liveness_probe.${key}`);
    }
    if (check === undefined) this.note(keyPos, 'liveness_probe is not translated: it has neither an http_get with a port nor an exec command');
    else service.health = { ...check, ...timing };
  }

  /** A liveness http_get as health's http: a path when it asks the service's own port, else the full URL. */
  private healthUrl(service: StarterService, pos: SourcePosition, node: YamlNode): { http: string } | undefined {
    const get = this.httpGet(pos, node, 'liveness_probe');
    if (get === undefined) return undefined;
    return { http: get.local && get.port === service.port ? get.path : get.url };
  }

  /** `daemon: true`, which devsup takes only with a readiness check and a stop command (else the note says which is missing). */
  private daemon(service: StarterService, keyPos: SourcePosition): void {
    const ready = service.ready !== undefined && service.ready !== 'none';
    if (ready && service.stopCommand !== undefined) {
      service.daemon = true;
      return;
    }
    const missing = ready
      ? 'a shutdown.command too, which stops what the command started'
      : service.stopCommand !== undefined
        ? 'a readiness_probe too, which tells devsup the daemon runs'
        : 'a readiness_probe and a shutdown.command, which tell devsup the daemon runs and stop it';
    this.note(keyPos, `is_daemon is not translated: daemon: true needs ${missing}`);
  }

  /** `replicas: N`: each replica gets its own port (the preferred one + i − 1) and DEVSUP_REPLICA, where process-compose gives PC_REPLICA_NUM. */
  private replicas(service: StarterService, keyPos: SourcePosition, count: number): void {
    service.replicas = count;
    if (service.fallback === 'none' && service.port !== undefined)
      this.note(
        keyPos,
        `replicas: ${count}: replica i prefers port ${service.port} + i − 1 and finds it in PORT; a command that fixes its port must take PORT instead`,
      );
    const text = [service.command, ...Object.values(service.env ?? {})].flat().join(' ');
    if (text.includes('PC_REPLICA_NUM')) this.note(keyPos, `replicas: ${count}: PC_REPLICA_NUM (from 0) is DEVSUP_REPLICA (from 1) here`);
  }

  /** Sets the service's one readiness check, unless another came first (then a note says this one is not used). */
  private setReady(service: StarterService, ready: NonNullable<StarterService['ready']>, pos: SourcePosition, what: string): boolean {
    if (service.ready === undefined) {
      service.ready = ready;
      return true;
    }
    this.note(pos, `${what} is not translated: devsup has one readiness check per service, and the one written first is it`);
    return false;
  }

  private availability(service: StarterService, node: YamlNode): void {
    for (const [key, { keyPos, node: value }] of node.kind === 'map' ? node.entries : []) {
      const text = scalarValue(value);
      if (key === 'restart' && typeof text === 'string' && RESTART[text] !== undefined) {
        service.restart = RESTART[text];
        if (text === 'exit_on_failure') service.critical = true; // its failure ends everything, as critical does
      } else if (key === 'max_restarts' && typeof text === 'number' && Number.isInteger(text) && text > 0) {
        service.maxRestarts = text;
      } else if (key === 'restart') {
        this.note(
          keyPos,
          `availability.restart ${JSON.stringify(text)} is not translated: devsup has always, on_failure (on-failure) and no (never)`,
        );
      } else if (key !== 'max_restarts') {
        this.untranslated(keyPos, `availability.${key}`);
      }
    }
  }

  private shutdown(service: StarterService, node: YamlNode): void {
    for (const [key, { keyPos, node: value }] of node.kind === 'map' ? node.entries : []) {
      const text = scalarValue(value);
      if (key === 'signal' && typeof text === 'number' && SIGNALS[text] !== undefined) service.stopSignal = SIGNALS[text];
      else if (key === 'timeout_seconds' && typeof text === 'number' && text > 0) service.stopTimeout = `${text}s`;
      else if (key === 'command' && typeof text === 'string' && text.trim() !== '') service.stopCommand = text;
      else this.untranslated(keyPos, `shutdown.${key}`);
    }
  }
}

function scalarValue(node: YamlNode | undefined): string | number | boolean | null | undefined {
  return node?.kind === 'scalar' ? node.value : undefined;
}

function childNode(node: YamlNode, key: string): YamlNode | undefined {
  return node.kind === 'map' ? node.entries.get(key)?.node : undefined;
}
