import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { ServiceSpec } from '../../manifest/service-spec.js';
import { declaredServices, type ExportedFile, type ExportPlan, type ExportResult, type PlannedCommand, type PlannedService } from './export-plan.js';
import { commandLine, environmentAssignment, timeSpan, unitPath, unitText } from './systemd-syntax.js';

export interface SystemdOptions {
  app: string; // the prefix of every unit name
  /** System units run as this user; without it, user units (`systemctl --user`). */
  user?: string;
  /** The exporting shell's PATH: programs are found on it, and units get it, as devsup's children do. */
  searchPath: string;
  /** The node that runs the readiness probes (ExecStartPost=). */
  node: string;
}

export const SYSTEMD_HEADER = '# Written by `devsup export systemd`: edit the manifest and export again rather than this file.';

// Between readiness probes, as devsup's own checks: often enough that dependents start promptly.
const PROBE_INTERVAL_MS = 200;

/**
 * foreman's layout: `APP.target` wants one unit per service (`APP-KEY.service`, `PartOf=` the
 * target, so stopping it stops them all). A readiness check becomes an ExecStartPost= that waits
 * until it passes: systemd counts the unit started only then, so `After=` waits for readiness
 * as `depends_on` does. A dependency others wait to complete is a oneshot that stays active, and
 * so is a daemon, which its stop_command (ExecStop=) stops.
 * A replicated service is a template, `APP-KEY@.service`, whose instance is the replica's number.
 */
export function systemdUnits(plan: ExportPlan, options: SystemdOptions): ExportResult {
  const notes = [...plan.notes];
  const files: ExportedFile[] = [];
  const unitNames = new Map(plan.services.map((service) => [service.spec.key, unitNameOf(options.app, service.spec)]));
  const unitOf = (key: string) => unitNames.get(key) ?? `${options.app}-${key}`;
  const awaitedToComplete = new Set(
    plan.services.flatMap((service) => service.spec.dependsOn.filter((dep) => dep.condition === 'completed').map((dep) => dep.service)),
  );
  const wanted: string[] = [];
  for (const spec of declaredServices(plan))
    if (spec.health) notes.push(`${spec.key}: health is not exported: systemd has no liveness check, so nothing restarts it when the check fails`);
  for (const group of groupReplicas(plan.services)) {
    const { spec } = group[0]!;
    const name = spec.replica?.group ?? spec.key;
    const units = group.map((service) => {
      const unit = unitOf(service.spec.key);
      const unitOptions = { ...options, unit, name, awaitedToComplete: awaitedToComplete.has(service.spec.key), unitOf, notes };
      return {
        unit,
        service: serviceUnit(service, { ...unitOptions, description: descriptionOf(plan, service.spec, options.app) }),
        ...(spec.socket && { socket: socketUnit(service, unit, options) }),
      };
    });
    if (spec.replica === undefined) {
      const { unit, service, socket } = units[0]!;
      if (socket) files.push({ name: `${unit}.socket`, text: socket.join('\n') });
      files.push({ name: `${unit}.service`, text: service.join('\n') });
    } else {
      const template = `${options.app}-${name}@`;
      const instances = group.map((service) => service.spec.replica!.index);
      const split = (suffix: 'service' | 'socket', texts: string[][]) =>
        instanceFiles(template, suffix, texts, instances, [`${name}.`, template, '"DEVSUP_REPLICA=']);
      if (spec.socket)
        files.push(
          ...split(
            'socket',
            units.map((unit) => unit.socket!),
          ),
        );
      files.push(
        ...split(
          'service',
          units.map((unit) => unit.service),
        ),
      );
    }
    const started = units.map(({ unit }) => `${unit}.${spec.socket ? 'socket' : 'service'}`);
    // A service of a profile starts only when asked, as one with autostart: false.
    const onRequest = !spec.autostart ? 'autostart: false' : spec.profiles.length > 0 ? `profiles (${spec.profiles.join(', ')})` : undefined;
    if (onRequest === undefined) wanted.push(...started);
    else
      notes.push(
        `${name}: ${onRequest}: ${units.map(({ unit }) => `${unit}.service`).join(', ')} ${units.length === 1 ? 'is' : 'are'} not wanted by ${options.app}.target; \`systemctl start ${units.map(({ unit }) => unit).join(' ')}\` starts ${units.length === 1 ? 'it' : 'them'}`,
      );
  }
  files.unshift({ name: `${options.app}.target`, text: targetUnit(plan, options, wanted) });
  const restarting = declaredServices(plan)
    .filter((spec) => spec.restart !== 'never')
    .map((spec) => spec.key);
  if (restarting.length > 0) notes.push(`restart backoff (100 ms doubling to 30 s) becomes a fixed RestartSec=1s (${restarting.join(', ')})`);
  return { files, notes: [...new Set(notes)] };
}

/** `APP-KEY`, or for a replica `APP-NAME@N`: an instance of its service's template unit. */
function unitNameOf(app: string, spec: ServiceSpec): string {
  return spec.replica === undefined ? `${app}-${spec.key}` : `${app}-${spec.replica.group}@${spec.replica.index}`;
}

/** The services one unit each, a replicated service's replicas together, in the manifest's order. */
function groupReplicas(services: PlannedService[]): PlannedService[][] {
  const groups = new Map<string, PlannedService[]>();
  for (const service of services) {
    const name = service.spec.replica?.group ?? service.spec.key;
    groups.set(name, [...(groups.get(name) ?? []), service]);
  }
  return [...groups.values()];
}

/** Description=: the title and key; for a replica, one text for every instance, `%i` its number. */
function descriptionOf(plan: ExportPlan, spec: ServiceSpec, app: string): string {
  if (spec.replica === undefined) return unitText(spec.title === spec.key ? `${spec.key} of ${app}` : `${spec.title} (${spec.key} of ${app})`);
  const declared = declaredServices(plan).find((candidate) => candidate.key === spec.replica!.group)!;
  const key = `${unitText(declared.key)}.%i of ${unitText(app)}`;
  return declared.title === declared.key ? key : `${unitText(declared.title)} %i (${key})`;
}

/**
 * The units of a service's replicas as one template (`APP-KEY@.service`) and a drop-in per
 * instance (`APP-KEY@N.service.d/instance.conf`). A line every replica has goes into the template;
 * one that differs only by the replica's number (`DEVSUP_REPLICA`, `web.2`, `APP-web@2.socket`)
 * goes there too, with `%i` for the number; any other (a port, a command holding it) goes into
 * each instance's drop-in, under its section. Each instance then reads exactly its own unit.
 */
function instanceFiles(template: string, suffix: 'service' | 'socket', units: string[][], instances: number[], marks: string[]): ExportedFile[] {
  const shared: string[] = [];
  const dropIns: string[][] = units.map(() => []);
  const sectionOf: string[] = units.map(() => '');
  let section = '';
  units[0]!.forEach((line, at) => {
    const lines = units.map((unit) => unit[at]!);
    if (line.startsWith('[')) section = line;
    if (lines.every((other) => other === line)) return shared.push(line);
    const pattern = numberAsSpecifier(line, marks, instances[0]!);
    if (lines.every((other, i) => other === withInstance(pattern, instances[i]!))) return shared.push(pattern);
    lines.forEach((other, i) => {
      if (sectionOf[i] !== section) dropIns[i]!.push(...(dropIns[i]!.length > 0 ? [''] : []), section);
      sectionOf[i] = section;
      dropIns[i]!.push(other);
    });
  });
  return [
    { name: `${template}.${suffix}`, text: shared.join('\n') },
    ...dropIns.flatMap((dropIn, i) =>
      dropIn.length === 0 ? [] : [{ name: `${template}${instances[i]}.${suffix}.d/instance.conf`, text: [SYSTEMD_HEADER, ...dropIn, ''].join('\n') }],
    ),
  ];
}

/** `line` of replica `index` with that number written `%i` wherever a mark (`web.`, `APP-web@`) precedes it. */
function numberAsSpecifier(line: string, marks: string[], index: number): string {
  let result = line;
  for (const mark of marks) {
    const written = `${mark}${index}`;
    for (let at = result.indexOf(written); at !== -1; at = result.indexOf(written, at + mark.length + 2)) {
      const end = at + written.length;
      if (!/\d/.test(result[end] ?? '')) result = `${result.slice(0, at)}${mark}%i${result.slice(end)}`;
    }
  }
  return result;
}

/** What systemd reads for instance `index` of a template line: `%i` is the number, `%%` stays a `%`. */
function withInstance(pattern: string, index: number): string {
  return pattern.replace(/%[%i]/g, (specifier) => (specifier === '%i' ? String(index) : specifier));
}

function targetUnit(plan: ExportPlan, options: SystemdOptions, wanted: string[]): string {
  return [
    SYSTEMD_HEADER,
    '[Unit]',
    `Description=${unitText(`${plan.manifest.project} (devsup export of ${plan.manifest.file})`)}`,
    ...(wanted.length > 0 ? [`Wants=${wanted.join(' ')}`] : []),
    '',
    '[Install]',
    `WantedBy=${options.user === undefined ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n');
}

interface ServiceUnitOptions extends SystemdOptions {
  unit: string;
  /** The service's name in notes: a replica's is its service's. */
  name: string;
  description: string;
  /** Others wait for it to complete: a oneshot unit, active once it exited 0, with no readiness of its own. */
  awaitedToComplete: boolean;
  unitOf(key: string): string;
  notes: string[];
}

function serviceUnit(service: PlannedService, options: ServiceUnitOptions): string[] {
  const { spec } = service;
  const { notes } = options;
  const dependencies = spec.dependsOn.map((dep) => `${options.unitOf(dep.service)}.service`);
  const envPrefix = overridePrefix(service);
  const execStart = [...envPrefix, ...programOf(service.command, service, options, 'ExecStart')];
  const stopCommand = service.stopCommand?.();
  // A daemon's command returns once what it started runs: the unit stays active until ExecStop= stops that.
  const oneshot = options.awaitedToComplete || spec.daemon;
  const { name } = options;
  const unit = [
    SYSTEMD_HEADER,
    '[Unit]',
    `Description=${options.description}`,
    `PartOf=${options.app}.target`,
    ...(spec.socket ? [`Requires=${options.unit}.socket`, `After=${options.unit}.socket`] : []),
    ...(dependencies.length > 0 ? [`Requires=${dependencies.join(' ')}`, `After=${dependencies.join(' ')}`] : []),
    // devsup gives up after max_restarts failures in a row; systemd after this many starts in the interval.
    `StartLimitIntervalSec=${timeSpan(Math.max(10_000, 2 * spec.readyTimeoutMs))}`,
    `StartLimitBurst=${spec.maxRestarts + 1}`,
    '',
    '[Service]',
    ...(oneshot ? ['Type=oneshot', 'RemainAfterExit=yes'] : ['Type=exec']),
    ...(options.user === undefined ? [] : [`User=${options.user}`]),
    `WorkingDirectory=${unitPath(spec.cwd, `service "${spec.key}": cwd`)}`,
    `Environment=${environmentAssignment(spec.key, 'PATH', options.searchPath)}`,
    ...service.env.map(([name, value]) => `Environment=${environmentAssignment(spec.key, name, value)}`),
    ...service.envFiles.map((file) => `EnvironmentFile=${unitPath(file, `service "${spec.key}": env file`)}`),
    `ExecStart=${commandLine(execStart)}`,
    ...readinessLines(service, options, envPrefix),
    // Run instead of KillSignal=, as devsup runs it instead of stop_signal; KillSignal= then ends what is left.
    ...(stopCommand === undefined ? [] : [`ExecStop=${commandLine([...envPrefix, ...programOf(stopCommand, service, options, 'ExecStop')])}`]),
    `Restart=${spec.restart === 'never' ? 'no' : oneshot ? 'on-failure' : spec.restart}`,
    // systemd before 254 has no backoff: one fixed pause between restarts.
    'RestartSec=1s',
    'KillMode=control-group',
    `KillSignal=${spec.stopSignal}`,
    `TimeoutStopSec=${timeSpan(spec.stopTimeoutMs)}`,
    '',
    '[Install]',
    `WantedBy=${options.app}.target`,
    '',
  ];
  if (oneshot && spec.restart === 'always')
    notes.push(`${name}: restart: always becomes Restart=on-failure: systemd restarts a oneshot unit only when it fails`);
  if (spec.watch.length > 0)
    notes.push(`${name}: watch (${spec.watch.join(', ')}) is not exported: systemd does not restart a service on file changes`);
  if (spec.critical) notes.push(`${name}: critical: true is not exported: when it fails, systemd stops only what Requires= it`);
  if (options.awaitedToComplete && !spec.daemon && spec.ready.kind !== 'none')
    notes.push(`${name}: ready is not exported: others wait for it to complete, so it is a oneshot unit, active once it exited 0`);
  return unit;
}

/**
 * systemd reads EnvironmentFile= after Environment=, so a file's value would win; devsup's `env`
 * and own variables win over env files. Those few are set by `env` on the command line instead.
 */
function overridePrefix(service: PlannedService): string[] {
  if (service.overridesFileEnv.length === 0) return [];
  const values = new Map(service.env);
  return ['/usr/bin/env', ...service.overridesFileEnv.map((name) => `${name}=${values.get(name)!}`)];
}

/** The argv of ExecStart= or ExecStop=: the program found on the exporter's PATH (systemd's own PATH is short), or `sh -c`. */
function programOf(command: PlannedCommand, service: PlannedService, options: ServiceUnitOptions, setting: 'ExecStart' | 'ExecStop'): string[] {
  if ('shell' in command) return ['/bin/sh', '-c', command.shell];
  const [program, ...args] = command.argv as [string, ...string[]];
  const found = findProgram(program, service.spec.cwd, options.searchPath);
  if (found === undefined) {
    options.notes.push(`${options.name}: ${program} is not found on PATH here: ${setting}= names it as it is`);
    return [program, ...args];
  }
  return [found, ...args];
}

function findProgram(program: string, cwd: string, searchPath: string): string | undefined {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : searchPath
        .split(':')
        .filter((dir) => path.isAbsolute(dir))
        .map((dir) => path.join(dir, program));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

/** ExecStartPost= that returns once the service is ready, and TimeoutStartSec= its ready_timeout. */
function readinessLines(service: PlannedService, options: ServiceUnitOptions, envPrefix: string[]): string[] {
  const { spec } = service;
  if (options.awaitedToComplete && !spec.daemon) return [];
  const host = spec.host === undefined || spec.host === '0.0.0.0' || spec.host === '::' ? '127.0.0.1' : spec.host;
  const post = (argv: string[]) => [`ExecStartPost=${commandLine(argv)}`, `TimeoutStartSec=${timeSpan(spec.readyTimeoutMs)}`];
  switch (spec.ready.kind) {
    case 'none':
      return [];
    case 'log':
      options.notes.push(
        `${options.name}: ready: {log: ${spec.ready.pattern.source}} is not exported: systemd cannot wait for a line; what depends on it starts once it started`,
      );
      return [];
    case 'exec':
      return post([...envPrefix, '/bin/sh', '-c', `until ${spec.ready.command}; do sleep ${PROBE_INTERVAL_MS / 1000}; done`]);
    case 'tcp':
      return post([options.node, '-e', TCP_PROBE, String(service.port), host]);
    case 'http': {
      const url = spec.ready.path.startsWith('/')
        ? `http://${host.includes(':') ? `[${host}]` : host}:${service.port}${spec.ready.path}`
        : spec.ready.path;
      return post([options.node, '-e', HTTP_PROBE, url, String(spec.ready.status ?? '')]);
    }
  }
}

// Node is there wherever devsup is; each probe polls until it passes, and TimeoutStartSec= ends it.
export const TCP_PROBE = `const [port, host] = process.argv.slice(1); const net = require("node:net"); (function probe() { const socket = net.connect(Number(port), host, () => { socket.end(); process.exit(0); }); socket.on("error", () => setTimeout(probe, ${PROBE_INTERVAL_MS})); })();`;
export const HTTP_PROBE = `const [url, status] = process.argv.slice(1); const ok = (code) => (status ? code === Number(status) : code >= 200 && code < 400); (function probe() { fetch(url, { redirect: "manual" }).then((response) => ok(response.status) ? process.exit(0) : setTimeout(probe, ${PROBE_INTERVAL_MS}), () => setTimeout(probe, ${PROBE_INTERVAL_MS})); })();`;

/** `socket: true`: systemd binds the port and hands it over as fd 3, as devsup does (LISTEN_FDS). */
function socketUnit(service: PlannedService, unit: string, options: SystemdOptions): string[] {
  const { spec } = service;
  const address = spec.host === undefined ? String(service.port) : `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${service.port}`;
  return [
    SYSTEMD_HEADER,
    '[Unit]',
    `Description=${unitText(`the port of ${spec.key} of ${options.app}`)}`,
    `PartOf=${options.app}.target`,
    '',
    '[Socket]',
    `ListenStream=${address}`,
    `FileDescriptorName=${spec.key}`,
    `Service=${unit}.service`,
    '',
    '[Install]',
    `WantedBy=${options.app}.target`,
    '',
  ];
}
