import path from 'node:path';
import { declaredServices, shellWord, type ExportPlan, type ExportResult, type PlannedService } from './export-plan.js';

/** foreman's gap between the ports of two processes (`foreman start -p BASE`: BASE, BASE+100, …). */
const FOREMAN_STEP = 100;

/**
 * A Procfile: `name: command`, one line per service, the command as one `sh` line run in the
 * service's folder. A Procfile says nothing else, so the rest (env, readiness, dependencies,
 * restart policy…) is listed on stderr, once per kind with the services it concerns.
 */
export function procfile(plan: ExportPlan): ExportResult {
  const notes = [...plan.notes];
  const lost = new Map<string, string[]>();
  const lose = (what: string, key: string) => lost.set(what, [...(lost.get(what) ?? []), key]);
  const lines: string[] = [];
  const names = new Set<string>();
  for (const service of plan.services) {
    const name = processName(service.spec.key, names);
    if (name !== service.spec.key) notes.push(`${service.spec.key}: a Procfile name has only letters, digits, "_" and "-": it is ${name}`);
    lines.push(`${name}: ${commandLine(plan, service)}`);
    lostKeys(service, lose);
  }
  for (const spec of declaredServices(plan)) {
    if (spec.replicas !== undefined && spec.replicas > 1)
      notes.push(`${spec.key}: replicas: ${spec.replicas} is exported as ${spec.replicas} separate lines, one per replica, each on its own port`);
    if (spec.health) lose('health', spec.key);
    if (spec.stopCommand !== undefined) lose('stop_command', spec.key);
    if (spec.daemon) lose('daemon: true', spec.key);
  }
  for (const [what, keys] of lost) notes.push(`${what} is not exported (${keys.join(', ')}): a Procfile cannot say it`);
  const text = [...header(plan), ...lines, ''].join('\n');
  return { files: [{ name: 'Procfile', text }], notes };
}

function header(plan: ExportPlan): string[] {
  const withPorts = plan.services.filter((service) => service.port !== undefined);
  const planned = withPorts.map((service) => `${service.spec.key} ${service.port}`).join(', ');
  const stepped = plan.services.map((service, index) => `${service.spec.key} ${5000 + FOREMAN_STEP * index}`).join(', ');
  return [
    `# Written by \`devsup export procfile\` from ${plan.manifest.file}: edit the manifest and export again rather than this file.`,
    ...(withPorts.length === 0 ? [] : [`# The commands hold the ports devsup planned: ${planned}.`]),
    `# PORT is the host's to give: foreman steps it by ${FOREMAN_STEP} per line from its base (foreman start -p 5000: ${stepped});`,
    '# Heroku-style hosts give each process type its own. A command that reads PORT follows them, one with a number written in does not.',
  ];
}

/** The command as one sh line: `cd` into its folder first when that is not the manifest's. */
function commandLine(plan: ExportPlan, service: PlannedService): string {
  const command = 'shell' in service.command ? service.command.shell : service.command.argv.map(shellWord).join(' ');
  const folder = path.relative(plan.manifest.dir, service.spec.cwd);
  const line =
    folder === '' ? command : `cd ${shellWord(folder.startsWith('..') || path.isAbsolute(folder) ? service.spec.cwd : folder)} && ${command}`;
  if (!line.includes('\n')) return line;
  // One line per process: a multi-line script is written with its line breaks as `\n`, which printf turns back.
  return `eval "$(printf '%b' ${shellWord(line.replaceAll('\\', '\\\\').replaceAll('\n', '\\n'))})"`;
}

function processName(key: string, taken: Set<string>): string {
  const base = key.replace(/[^A-Za-z0-9_-]/g, '_');
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

/** What devsup sets itself: a Procfile host sets PORT its own way, and the rest matters to devsup only. */
function isDevsupVariable(name: string, service: PlannedService): boolean {
  return (
    name === 'PORT' ||
    name === 'PYTHONUNBUFFERED' ||
    name.startsWith('DEVSUP_') ||
    name.startsWith('PORT_') ||
    name === service.spec.portEnv ||
    name === 'HOST'
  );
}

function lostKeys(service: PlannedService, lose: (what: string, key: string) => void): void {
  const { spec } = service;
  const key = spec.key;
  if (Object.keys(service.spec.env).length > 0 || service.env.some(([name]) => !isDevsupVariable(name, service))) lose('env', key);
  if (service.envFiles.some((file) => path.basename(file) !== '.env' || path.dirname(file) !== path.dirname(service.envFiles[0]!)))
    lose('env_file other than .env (foreman reads .env)', key);
  if (Object.keys(service.ports).length > 1) lose('named ports beyond the first', key);
  if (spec.ready.kind !== 'none' && spec.ready.kind !== 'tcp') lose(`ready: ${spec.ready.kind}`, key);
  if (spec.dependsOn.length > 0) lose('depends_on', key);
  if (spec.restart !== 'on-failure' || spec.maxRestarts !== 5) lose('restart, max_restarts', key);
  if (spec.stopSignal !== 'SIGTERM' || spec.stopTimeoutMs !== 5_000) lose('stop_signal, stop_timeout', key);
  if (spec.watch.length > 0) lose('watch', key);
  if (spec.critical) lose('critical', key);
  if (spec.socket) lose('socket', key);
  if (!spec.autostart) lose('autostart: false', key);
  if (spec.profiles.length > 0) lose('profiles', key);
}
