import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { ExportedFile, ExportPlan, ExportResult, PlannedService } from './export-plan.js';
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
 * as `depends_on` does. A dependency others wait to complete is a oneshot that stays active.
 */
export function systemdUnits(plan: ExportPlan, options: SystemdOptions): ExportResult {
  const notes = [...plan.notes];
  const files: ExportedFile[] = [];
  const unitOf = (key: string) => `${options.app}-${key}`;
  const awaitedToComplete = new Set(
    plan.services.flatMap((service) => service.spec.dependsOn.filter((dep) => dep.condition === 'completed').map((dep) => dep.service)),
  );
  const wanted: string[] = [];
  for (const service of plan.services) {
    const { spec } = service;
    const unit = unitOf(spec.key);
    const oneshot = awaitedToComplete.has(spec.key);
    if (spec.socket) files.push({ name: `${unit}.socket`, text: socketUnit(service, unit, options) });
    files.push({ name: `${unit}.service`, text: serviceUnit(service, { ...options, unit, oneshot, unitOf, notes }) });
    // A service of a profile starts only when asked, as one with autostart: false.
    const onRequest = !spec.autostart ? 'autostart: false' : spec.profiles.length > 0 ? `profiles (${spec.profiles.join(', ')})` : undefined;
    if (onRequest === undefined) wanted.push(spec.socket ? `${unit}.socket` : `${unit}.service`);
    else notes.push(`${spec.key}: ${onRequest}: ${unit}.service is not wanted by ${options.app}.target; \`systemctl start ${unit}\` starts it`);
  }
  files.unshift({ name: `${options.app}.target`, text: targetUnit(plan, options, wanted) });
  const restarting = plan.services.filter((service) => service.spec.restart !== 'never').map((service) => service.spec.key);
  if (restarting.length > 0) notes.push(`restart backoff (100 ms doubling to 30 s) becomes a fixed RestartSec=1s (${restarting.join(', ')})`);
  return { files, notes };
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
  oneshot: boolean;
  unitOf(key: string): string;
  notes: string[];
}

function serviceUnit(service: PlannedService, options: ServiceUnitOptions): string {
  const { spec } = service;
  const { notes } = options;
  const dependencies = spec.dependsOn.map((dep) => `${options.unitOf(dep.service)}.service`);
  const envPrefix = overridePrefix(service);
  const execStart = [...envPrefix, ...programOf(service, options)];
  const unit = [
    SYSTEMD_HEADER,
    '[Unit]',
    `Description=${unitText(spec.title === spec.key ? `${spec.key} of ${options.app}` : `${spec.title} (${spec.key} of ${options.app})`)}`,
    `PartOf=${options.app}.target`,
    ...(spec.socket ? [`Requires=${options.unit}.socket`, `After=${options.unit}.socket`] : []),
    ...(dependencies.length > 0 ? [`Requires=${dependencies.join(' ')}`, `After=${dependencies.join(' ')}`] : []),
    // devsup gives up after max_restarts failures in a row; systemd after this many starts in the interval.
    `StartLimitIntervalSec=${timeSpan(Math.max(10_000, 2 * spec.readyTimeoutMs))}`,
    `StartLimitBurst=${spec.maxRestarts + 1}`,
    '',
    '[Service]',
    ...(options.oneshot ? ['Type=oneshot', 'RemainAfterExit=yes'] : ['Type=exec']),
    ...(options.user === undefined ? [] : [`User=${options.user}`]),
    `WorkingDirectory=${unitPath(spec.cwd, `service "${spec.key}": cwd`)}`,
    `Environment=${environmentAssignment(spec.key, 'PATH', options.searchPath)}`,
    ...service.env.map(([name, value]) => `Environment=${environmentAssignment(spec.key, name, value)}`),
    ...service.envFiles.map((file) => `EnvironmentFile=${unitPath(file, `service "${spec.key}": env file`)}`),
    `ExecStart=${commandLine(execStart)}`,
    ...readinessLines(service, options, envPrefix),
    `Restart=${spec.restart === 'never' ? 'no' : spec.restart}`,
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
  if (spec.watch.length > 0)
    notes.push(`${spec.key}: watch (${spec.watch.join(', ')}) is not exported: systemd does not restart a service on file changes`);
  if (spec.critical) notes.push(`${spec.key}: critical: true is not exported: when it fails, systemd stops only what Requires= it`);
  if (options.oneshot && spec.ready.kind !== 'none')
    notes.push(`${spec.key}: ready is not exported: others wait for it to complete, so it is a oneshot unit, active once it exited 0`);
  return unit.join('\n');
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

/** The argv of ExecStart=: the program found on the exporter's PATH (systemd's own PATH is short), or `sh -c`. */
function programOf(service: PlannedService, options: ServiceUnitOptions): string[] {
  if ('shell' in service.command) return ['/bin/sh', '-c', service.command.shell];
  const [program, ...args] = service.command.argv as [string, ...string[]];
  const found = findProgram(program, service.spec.cwd, options.searchPath);
  if (found === undefined) {
    options.notes.push(`${service.spec.key}: ${program} is not found on PATH here: ExecStart names it as it is`);
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
  if (options.oneshot) return [];
  const host = spec.host === undefined || spec.host === '0.0.0.0' || spec.host === '::' ? '127.0.0.1' : spec.host;
  const post = (argv: string[]) => [`ExecStartPost=${commandLine(argv)}`, `TimeoutStartSec=${timeSpan(spec.readyTimeoutMs)}`];
  switch (spec.ready.kind) {
    case 'none':
      return [];
    case 'log':
      options.notes.push(
        `${spec.key}: ready: {log: ${spec.ready.pattern.source}} is not exported: systemd cannot wait for a line; what depends on it starts once it started`,
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
function socketUnit(service: PlannedService, unit: string, options: SystemdOptions): string {
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
  ].join('\n');
}
