import path from 'node:path';
import { DevsupError, UsageError } from '../../errors.js';
import type { AssignedPorts } from '../../manifest/injected-env.js';
import { loadManifest } from '../../manifest/load-manifest.js';
import type { Manifest } from '../../manifest/service-spec.js';
import { allocatePorts } from '../../ports/allocate-ports.js';
import { warnAboutLeaseFolder } from '../../ports/port-lease.js';
import { composeFile } from '../../output/export/compose-file.js';
import { appNameOf, planExport, shellWord, type ExportResult } from '../../output/export/export-plan.js';
import { procfile } from '../../output/export/procfile-export.js';
import { SYSTEMD_HEADER, systemdUnits } from '../../output/export/systemd-units.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';
import { writeExport } from '../write-export.js';
import { manifestOptions } from '../manifest-options.js';

const FORMATS = ['systemd', 'compose', 'procfile'] as const;
type Format = (typeof FORMATS)[number];
const USAGE =
  'Usage: devsup export systemd|compose|procfile [-o DIR] [--force] [--app NAME] [--user USER] [--ports now|preferred] [--image IMAGE] [--port SERVICE=PORT]… [-f FILE]';

/**
 * `devsup export FORMAT`: the manifest as systemd units, a compose.yaml or a Procfile, with the
 * ports `check` plans now (or the preferred ones). What the format cannot say goes to stderr.
 * systemd writes several files, so it needs -o; the others print to stdout without it.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const [format, ...extra] = args.positionals;
  if (format === undefined || !FORMATS.includes(format as Format) || extra.length > 0)
    throw new UsageError(
      format === undefined ? 'devsup export needs a format.' : `devsup export: unknown format or extra argument "${[format, ...extra].join(' ')}".`,
      USAGE,
    );
  const output = args.values.output as string | undefined;
  const user = args.values.user as string | undefined;
  const portsMode = (args.values.ports as string | undefined) ?? 'now';
  if (portsMode !== 'now' && portsMode !== 'preferred') throw new UsageError(`--ports is "now" or "preferred", not "${portsMode}".`, USAGE);
  if (format === 'systemd' && output === undefined)
    throw new UsageError(
      'devsup export systemd writes several units: give the folder with -o DIR.',
      'For example -o systemd, then copy them to ~/.config/systemd/user (or /etc/systemd/system with --user USER).',
    );
  if (user !== undefined && format !== 'systemd')
    throw new UsageError('--user is for systemd units (User=); containers and Procfile hosts choose their own.', USAGE);
  if (user !== undefined && !/^([a-z_][a-z0-9_-]*\$?|[0-9]+)$/i.test(user)) throw new UsageError(`--user "${user}" is not a user name.`, USAGE);
  if (args.values.image !== undefined && format !== 'compose') throw new UsageError('--image is for compose only.', USAGE);
  const app = (args.values.app as string | undefined) ?? undefined;
  if (app !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(app))
    throw new UsageError(`--app "${app}" cannot name units: use letters, digits, "_", "." and "-".`, USAGE);

  const warn = (message: string) => io.stderr.write(`devsup: ${message}\n`);
  const manifest = await loadManifest(manifestOptions(args, io, warn));
  warnAboutLeaseFolder(warn);
  const ports = await plannedPorts(manifest, portsMode, warn);
  const plan = planExport({ manifest, ports, baseEnv: io.env });
  const dir = output === undefined ? undefined : path.resolve(io.cwd, output);
  const appName = app ?? appNameOf(manifest.project);
  const result = exportAs(format as Format, plan, {
    app: appName,
    user,
    dir: dir ?? manifest.dir,
    image: args.values.image as string | undefined,
    env: io.env,
  });
  for (const note of result.notes) warn(note);
  if (dir === undefined) {
    io.stdout.write(result.files[0]!.text);
    return 0;
  }
  const isStale =
    format === 'systemd'
      ? (name: string, firstLine: string) =>
          firstLine === SYSTEMD_HEADER && /\.(service|socket)(\.d\/instance\.conf)?$/.test(name) && name.startsWith(`${appName}-`)
      : undefined;
  const { written, removed } = writeExport(dir, result.files, { force: args.values.force === true, ...(isStale && { isStale }) });
  for (const file of removed) io.stdout.write(`removed ${path.relative(io.cwd, file) || file} (no longer in the manifest)\n`);
  for (const file of written) io.stdout.write(`wrote ${path.relative(io.cwd, file) || file}\n`);
  if (format === 'systemd') io.stdout.write(nextSteps(shellWord(path.relative(io.cwd, dir) || '.'), appName, user));
  return 0;
}

function exportAs(
  format: Format,
  plan: ReturnType<typeof planExport>,
  options: { app: string; user?: string; dir: string; image?: string; env: NodeJS.ProcessEnv },
): ExportResult {
  if (format === 'procfile') return procfile(plan);
  if (format === 'compose')
    return composeFile(plan, {
      outputDir: options.dir,
      nodeMajor: process.versions.node.split('.')[0]!,
      ...(options.image !== undefined && { image: options.image }),
    });
  return systemdUnits(plan, {
    app: options.app,
    ...(options.user !== undefined && { user: options.user }),
    searchPath: options.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    node: process.execPath,
  });
}

/** The ports `devsup check` plans now, or each preferred port (an `auto` one is planned all the same). */
async function plannedPorts(manifest: Manifest, mode: 'now' | 'preferred', warn: (message: string) => void): Promise<AssignedPorts> {
  const ports: AssignedPorts = new Map();
  const needsAllocation = mode === 'now' || manifest.services.some((service) => service.ports.some((port) => port.preferred === 'auto'));
  const allocations = needsAllocation ? await allocatePorts(manifest) : [];
  for (const service of manifest.services) {
    if (service.ports.length === 0) continue;
    const allocation = allocations.find((candidate) => candidate.service === service.key);
    const record: Record<string, number> = {};
    for (const spec of service.ports) {
      if (mode === 'preferred' && spec.preferred !== 'auto') {
        record[spec.name] = spec.preferred;
        continue;
      }
      const given = allocation?.ports.find((port) => port.name === spec.name)?.port;
      if (given === undefined)
        throw new DevsupError(
          `service "${service.key}" gets no port now: ${allocation?.failure ?? 'none is free'}`,
          1,
          '`devsup export --ports preferred` writes the preferred ports instead, free or not.',
        );
      if (mode === 'preferred') warn(`${service.key}: its port is auto: the export has ${given}, free now`);
      record[spec.name] = given;
    }
    ports.set(service.key, record);
  }
  return ports;
}

/** How to install the units: `cp -r` copies the drop-in folders of template instances too. */
function nextSteps(shownDir: string, app: string, user: string | undefined): string {
  return user === undefined
    ? `Next: \`cp -r ${shownDir}/. ~/.config/systemd/user/\`, then \`systemctl --user daemon-reload && systemctl --user start ${app}.target\` (enable it to start at login).\n`
    : `Next: \`sudo cp -r ${shownDir}/. /etc/systemd/system/\`, then \`sudo systemctl daemon-reload && sudo systemctl start ${app}.target\` (enable it to start at boot).\n`;
}
