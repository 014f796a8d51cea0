import path from 'node:path';
import { Document, isScalar, visit } from 'yaml';
import type { HealthSpec, ServiceSpec } from '../../manifest/service-spec.js';
import { declaredServices, shellWord, type ExportPlan, type ExportResult, type PlannedService } from './export-plan.js';
import { timeSpan } from './systemd-syntax.js';

export interface ComposeOptions {
  /** Every service's image; default: one chosen from its command (`imageFor`). */
  image?: string;
  /** The folder the compose file will be in: its paths (the mount, env files) are relative to it. */
  outputDir: string;
  /** The major version of the node running devsup, for services that run node. */
  nodeMajor: string;
}

/** Where the manifest's folder is mounted in every container. */
export const MOUNT = '/app';

/**
 * A compose.yaml that runs each command in an image with the manifest's folder mounted at /app.
 * The services share the host's network (`network_mode: host`), as under devsup: they reach each
 * other on localhost at the ports planned here, so no command or URL has to change; their ports
 * are the host's, so there is no `ports:` mapping to write.
 */
export function composeFile(plan: ExportPlan, options: ComposeOptions): ExportResult {
  const notes = [...plan.notes];
  for (const spec of declaredServices(plan)) {
    if (spec.health)
      notes.push(
        `${spec.key}: health becomes the healthcheck, but nothing restarts the service when it fails: docker marks the container unhealthy after ${spec.health.failures} failed checks`,
      );
    if (spec.stopCommand !== undefined) notes.push(`${spec.key}: stop_command is not exported: the service is stopped by its stop signal`);
    if (spec.daemon) notes.push(`${spec.key}: daemon: true is not exported: the exported command must stay in the foreground`);
  }
  const awaitedToComplete = new Set(
    plan.services.flatMap((service) => service.spec.dependsOn.filter((dep) => dep.condition === 'completed').map((dep) => dep.service)),
  );
  const healthy = new Set<string>();
  const services: Record<string, Record<string, unknown>> = {};
  for (const service of plan.services) {
    const healthcheck = healthcheckOf(service, awaitedToComplete.has(service.spec.key), notes);
    if (healthcheck !== undefined) healthy.add(service.spec.key);
    services[service.spec.key] = { ...composeService(plan, service, options, notes), ...(healthcheck && { healthcheck }) };
  }
  for (const service of plan.services) {
    if (service.spec.dependsOn.length === 0) continue;
    services[service.spec.key]!.depends_on = Object.fromEntries(
      service.spec.dependsOn.map((dep) => [
        dep.service,
        {
          condition:
            dep.condition === 'completed'
              ? 'service_completed_successfully'
              : dep.condition === 'ready' && healthy.has(dep.service)
                ? 'service_healthy'
                : 'service_started',
        },
      ]),
    );
  }
  const header = [
    `# Written by \`devsup export compose\` from ${plan.manifest.file}: edit the manifest and export again rather than this file.`,
    `# Every service shares the host's network, as under devsup: ${portSummary(plan)}.`,
  ];
  // YAML 1.1 as docker-compose 1 (PyYAML) reads it: `restart: no` would be false there, so it is quoted.
  const document = new Document(escapeInterpolation({ services }), { version: '1.1' });
  // A tab or another control character is safe only in double quotes: PyYAML (docker-compose 1) refuses a plain tab.
  visit(document, {
    Scalar: (_, node) => {
      if (isScalar(node) && typeof node.value === 'string' && /[\t\p{Cc}]/u.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  const text = `${header.join('\n')}\n${document.toString({ lineWidth: 0 })}`;
  return { files: [{ name: 'compose.yaml', text }], notes };
}

function composeService(plan: ExportPlan, service: PlannedService, options: ComposeOptions, notes: string[]): Record<string, unknown> {
  const { spec } = service;
  const relative = (file: string) => {
    const shown = path.relative(options.outputDir, file) || '.';
    return shown.startsWith('..') || shown === '.' ? shown : `./${shown}`;
  };
  const inside = path.relative(plan.manifest.dir, spec.cwd);
  if (inside.startsWith('..') || path.isAbsolute(inside))
    notes.push(`${spec.key}: cwd ${spec.cwd} is outside the manifest's folder, which alone is mounted: it runs in ${MOUNT}`);
  const workingDir = inside.startsWith('..') || path.isAbsolute(inside) || inside === '' ? MOUNT : path.posix.join(MOUNT, ...inside.split(path.sep));
  const argv = 'argv' in service.command ? service.command.argv : ['/bin/sh', '-c', service.command.shell];
  const image = options.image ?? imageFor(spec, argv, options.nodeMajor);
  if (options.image === undefined && image === FALLBACK_IMAGE)
    notes.push(`${spec.key}: no image is known for \`${argv[0]}\`: it gets ${FALLBACK_IMAGE}; give one with --image`);
  const restart = spec.restart === 'never' ? 'no' : spec.restart === 'always' ? 'always' : `on-failure:${spec.maxRestarts}`;
  if (spec.watch.length > 0)
    notes.push(`${spec.key}: watch (${spec.watch.join(', ')}) is not exported: compose does not restart a service on file changes`);
  if (spec.critical) notes.push(`${spec.key}: critical: true is not exported: compose keeps the others running when it fails`);
  if (spec.socket)
    notes.push(`${spec.key}: socket: true is not exported: compose cannot hand a listening socket over; the service binds PORT itself`);
  if (!spec.autostart) notes.push(`${spec.key}: autostart: false becomes the profile "manual": \`docker compose --profile manual up\` starts it too`);
  return {
    image,
    command: argv,
    working_dir: workingDir,
    volumes: [`${relative(plan.manifest.dir)}:${MOUNT}`],
    network_mode: 'host',
    ...(service.envFiles.length > 0 && { env_file: service.envFiles.map(relative) }),
    environment: Object.fromEntries(service.env),
    restart,
    stop_signal: spec.stopSignal,
    stop_grace_period: timeSpan(spec.stopTimeoutMs),
    ...((!spec.autostart || spec.profiles.length > 0) && { profiles: [...spec.profiles, ...(spec.autostart ? [] : ['manual'])] }),
  };
}

/**
 * The healthcheck, run inside the container: `health`'s check when there is one (compose's is a
 * liveness check, repeated while the container runs), else one built from `ready`; none for a log
 * line, which compose cannot wait for, nor for a service others wait to complete.
 */
function healthcheckOf(service: PlannedService, awaitedToComplete: boolean, notes: string[]): Record<string, unknown> | undefined {
  const { spec } = service;
  // devsup checks health only once the service is ready: failures before then do not count.
  const startPeriod = timeSpan(spec.readyTimeoutMs);
  if (spec.health) {
    if (spec.ready.kind !== 'none')
      notes.push(`${spec.key}: ready (${spec.ready.kind}) is not exported: the healthcheck is health's, which is what depends on it waits for`);
    const { check, intervalMs, timeoutMs, failures } = spec.health;
    return {
      test: checkTest(check, service),
      interval: timeSpan(intervalMs),
      timeout: timeSpan(timeoutMs),
      retries: failures,
      start_period: startPeriod,
    };
  }
  if (awaitedToComplete) return undefined;
  switch (spec.ready.kind) {
    case 'none':
      return undefined;
    case 'log':
      notes.push(
        `${spec.key}: ready: {log: ${spec.ready.pattern.source}} is not exported: compose cannot wait for a line; what depends on it starts once it started`,
      );
      return undefined;
    default:
      return { test: checkTest(spec.ready, service), interval: '5s', timeout: '3s', retries: 3, start_period: startPeriod };
  }
}

/** A check as a healthcheck's test, run in the container. */
function checkTest(check: HealthSpec['check'], service: PlannedService): string[] {
  const { spec } = service;
  const host = spec.host === undefined || spec.host === '0.0.0.0' || spec.host === '::' ? '127.0.0.1' : spec.host;
  switch (check.kind) {
    case 'exec':
      return ['CMD-SHELL', check.command];
    case 'tcp':
      // bash's /dev/tcp: in every image with bash, which the default images have.
      return ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${service.port}`];
    case 'http': {
      const url = check.path.startsWith('/') ? `http://${host.includes(':') ? `[${host}]` : host}:${service.port}${check.path}` : check.path;
      const quoted = shellWord(url);
      // curl is in the default images; with a status, that exact one, else any 2xx or 3xx as devsup.
      const test =
        check.status === undefined
          ? `code=$(curl -s -o /dev/null -w '%{http_code}' ${quoted}) && [ "$code" -ge 200 ] && [ "$code" -lt 400 ]`
          : `[ "$(curl -s -o /dev/null -w '%{http_code}' ${quoted})" = ${check.status} ]`;
      return ['CMD-SHELL', test];
    }
  }
}

const FALLBACK_IMAGE = 'debian:bookworm';

/** Images by the program a command starts with (after `env`, `exec` or `sh -c`). */
const IMAGES: [RegExp, (nodeMajor: string) => string][] = [
  [/^(node|npm|npx|pnpm|yarn|tsx|ts-node|corepack)$/, (major) => `node:${major}`],
  [/^(bun|bunx)$/, () => 'oven/bun:1'],
  [/^deno$/, () => 'denoland/deno:latest'],
  [/^(python3?|pip3?|uv|uvicorn|gunicorn|flask|django-admin|celery|poetry|hypercorn|streamlit|gradio|jupyter)$/, () => 'python:3.12'],
  [/^(ruby|bundle|rails|rake|puma|sidekiq|foreman)$/, () => 'ruby:3.3'],
  [/^go$/, () => 'golang:1.22'],
  [/^cargo$/, () => 'rust:1'],
  [/^(java|mvn|gradle|\.\/gradlew|\.\/mvnw)$/, () => 'eclipse-temurin:21'],
  [/^php$/, () => 'php:8.3'],
];

export function imageFor(spec: Pick<ServiceSpec, 'command'>, argv: string[], nodeMajor: string): string {
  const words = typeof spec.command === 'string' ? spec.command.trim().split(/\s+/) : argv;
  const program = path.posix.basename(words.find((word) => !/^(env|exec|[A-Za-z_]\w*=.*)$/.test(word)) ?? '');
  return IMAGES.find(([pattern]) => pattern.test(program))?.[1](nodeMajor) ?? FALLBACK_IMAGE;
}

function portSummary(plan: ExportPlan): string {
  const entries = plan.services.flatMap((service) =>
    Object.entries(service.ports).map(([name, port]) => `${service.spec.key}${name === 'default' ? '' : `.${name}`} ${port}`),
  );
  return entries.length === 0 ? 'no service has a port' : `the ports are ${entries.join(', ')}`;
}

/** Compose reads `$` in every value as its own interpolation: `$$` is a literal one. */
function escapeInterpolation(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', () => '$$');
  if (Array.isArray(value)) return value.map(escapeInterpolation);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeInterpolation(item)]));
  return value;
}
